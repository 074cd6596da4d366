"""Plugin stub for ``AWS::XRay::SamplingRule``."""

from localstack.services.cloudformation.resource_provider import (
    CloudFormationResourceProviderPlugin,
    ResourceProvider,
)


class XRaySamplingRuleProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::XRay::SamplingRule"

    def __init__(self) -> None:
        self.factory: type[ResourceProvider] | None = None

    def load(self) -> None:
        from rez_localstack.cfn_providers.aws_xray_samplingrule import XRaySamplingRuleProvider

        self.factory = XRaySamplingRuleProvider
