"""JWT Lambda authorizer for API Gateway (REST, TOKEN type).

`handler.handler` is the Lambda entry point; `tokens.TokenVerifier` checks a bearer JWT and
`policy.build_policy` turns the verified identity into the IAM policy API Gateway caches.
"""

__all__: list[str] = []
