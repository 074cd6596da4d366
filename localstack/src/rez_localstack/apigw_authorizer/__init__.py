"""API Gateway (REST) Lambda authorizers, run locally as AWS runs them.

LocalStack's free edition stores authorizers but never calls them. A handler appended to the
execute-api chain's ``preprocess_request`` (by an ``on_infra_start`` hook) reads the method's
authorizer, invokes its Lambda with the event AWS sends, evaluates the returned policy against the
method ARN and answers 401/403/500 as AWS does, or passes ``principalId`` and ``context`` on.
"""
