"""Plugin stub for ``AWS::Logs::QueryDefinition``."""

from localstack.services.cloudformation.resource_provider import (
    CloudFormationResourceProviderPlugin,
    ResourceProvider,
)


class LogsQueryDefinitionProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::Logs::QueryDefinition"

    def __init__(self) -> None:
        self.factory: type[ResourceProvider] | None = None

    def load(self) -> None:
        from rez_localstack.cfn_providers.aws_logs_querydefinition import (
            LogsQueryDefinitionProvider,
        )

        self.factory = LogsQueryDefinitionProvider
