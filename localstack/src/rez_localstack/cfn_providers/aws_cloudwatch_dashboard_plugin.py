"""Plugin stub for ``AWS::CloudWatch::Dashboard``."""

from localstack.services.cloudformation.resource_provider import (
    CloudFormationResourceProviderPlugin,
    ResourceProvider,
)


class CloudWatchDashboardProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::CloudWatch::Dashboard"

    def __init__(self) -> None:
        self.factory: type[ResourceProvider] | None = None

    def load(self) -> None:
        from rez_localstack.cfn_providers.aws_cloudwatch_dashboard import (
            CloudWatchDashboardProvider,
        )

        self.factory = CloudWatchDashboardProvider
