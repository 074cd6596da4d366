"""The ``on_infra_start`` hook that installs the access log handlers.

``handlers.preprocess_request`` is execute-api's documented extension point (see
``RestApiGateway``); ``localstack.aws.handlers.run_custom_response_handlers`` is the gateway's own
list of extra response handlers, which runs for every answer, gateway errors included.
"""

from localstack.runtime import hooks


@hooks.on_infra_start()
def register_apigw_access_logs() -> None:
    """Install both handlers once."""
    from localstack.aws import handlers as gateway_handlers
    from localstack.services.apigateway.next_gen.execute_api import handlers

    from rez_localstack.apigw_access_logs.handler import AccessLogHandler, KeepInvocationHandler

    chain = handlers.preprocess_request
    if not any(isinstance(handler, KeepInvocationHandler) for handler in chain.handlers):
        chain.handlers.insert(0, KeepInvocationHandler())
    responses = gateway_handlers.run_custom_response_handlers
    if not any(isinstance(handler, AccessLogHandler) for handler in responses.handlers):
        responses.append(AccessLogHandler())
