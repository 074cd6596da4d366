"""The ``on_infra_start`` hook that appends the authorizer handler to execute-api's chain.

``handlers.preprocess_request`` is the documented extension point of LocalStack's REST API
invocation chain (see ``RestApiGateway``'s docstring); it runs after routing, so the matched
method (and its ``authorizerId``) is known, and before the integration is called.
"""

from localstack.runtime import hooks


@hooks.on_infra_start()
def register_lambda_authorizers() -> None:
    """Append :class:`LambdaAuthorizerHandler` once."""
    from localstack.services.apigateway.next_gen.execute_api import handlers

    from rez_localstack.apigw_authorizer.handler import LambdaAuthorizerHandler

    chain = handlers.preprocess_request
    if not any(isinstance(handler, LambdaAuthorizerHandler) for handler in chain.handlers):
        chain.append(LambdaAuthorizerHandler())
