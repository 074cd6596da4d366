"""Plugin stub for ``AWS::ApiGateway::Authorizer``."""

from localstack.services.cloudformation.resource_provider import (
    CloudFormationResourceProviderPlugin,
    ResourceProvider,
)


class ApiGatewayAuthorizerProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::ApiGateway::Authorizer"

    def __init__(self) -> None:
        self.factory: type[ResourceProvider] | None = None

    def load(self) -> None:
        from rez_localstack.cfn_providers.aws_apigateway_authorizer import (
            ApiGatewayAuthorizerProvider,
        )

        self.factory = ApiGatewayAuthorizerProvider
