"""An offline support catalog, so that ``CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES=0`` works here.

With that setting, CloudFormation checks every resource type against LocalStack's "AWS catalog"
before deploying. The default catalog fetches its data from ``api.localstack.cloud`` (no network
here); its offline fallback answers ``None`` for every type, which the checker reads as
"unsupported" - so *every* stack failed, ``AWS::Lambda::Function`` included.

The catalog is a plugin (namespace ``localstack.utils.catalog``) and ``get_aws_catalog()`` loads
the name ``aws-catalog-remote-state-with-license`` first when it exists. This plugin takes that
name and answers from the runtime alone: a type is available exactly when a resource provider
plugin for it is installed (LocalStack's or ours); any other type is reported unsupported, and
the stack fails loudly. It never touches the network.
"""

from localstack.utils.catalog.catalog import (
    AwsServicesSupportStatus,
    CatalogPlugin,
    CfnResourceSupportStatus,
)
from localstack.utils.catalog.common import (
    AwsServicesSupportInLatest,
    CloudFormationResourcesSupportAtRuntime,
    CloudFormationResourcesSupportInLatest,
)

CATALOG_PLUGIN_NAME = "aws-catalog-remote-state-with-license"


class OfflineRuntimeCatalogPlugin(CatalogPlugin):
    """Resource support from the installed provider plugins; service status left unknown."""

    name = CATALOG_PLUGIN_NAME

    def __init__(self) -> None:
        self._available: set[str] | None = None

    def get_aws_service_status(
        self, service_name: str, operation_name: str | None = None
    ) -> AwsServicesSupportStatus | None:
        """Unknown: LocalStack then reports a missing operation in its generic way."""
        return None

    def get_cloudformation_resource_status(
        self, resource_name: str, service_name: str, is_pro_resource: bool = False
    ) -> CfnResourceSupportStatus | AwsServicesSupportInLatest | None:
        """Available when a provider plugin exists for the type, else not supported."""
        if self._available is None:
            self._available = self._get_cfn_resources_available_at_runtime()
        if resource_name in self._available:
            return CloudFormationResourcesSupportAtRuntime.AVAILABLE
        return CloudFormationResourcesSupportInLatest.NOT_SUPPORTED
