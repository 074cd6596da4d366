"""``AWS::ApiGateway::Authorizer``: a real authorizer through the API Gateway API.

``Ref`` returns the authorizer id, which ``AWS::ApiGateway::Method``'s ``AuthorizerId`` takes;
the harness's authorizer handler then runs it on every call of that method.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict

import localstack.services.cloudformation.provider_utils as util
from localstack.services.cloudformation.resource_provider import (
    OperationStatus,
    ProgressEvent,
    ResourceProvider,
    ResourceRequest,
)


class ApiGatewayAuthorizerProperties(TypedDict, total=False):
    RestApiId: str
    AuthorizerId: str
    Name: str
    Type: str
    AuthorizerUri: str
    AuthorizerCredentials: str
    AuthorizerResultTtlInSeconds: int
    IdentitySource: str
    IdentityValidationExpression: str
    AuthType: str
    ProviderARNs: list[str]


# CloudFormation property -> CreateAuthorizer parameter and /patch path
_FIELDS = {
    "Name": ("name", "/name"),
    "Type": ("type", "/type"),
    "AuthorizerUri": ("authorizerUri", "/authorizerUri"),
    "AuthorizerCredentials": ("authorizerCredentials", "/authorizerCredentials"),
    "AuthorizerResultTtlInSeconds": (
        "authorizerResultTtlInSeconds",
        "/authorizerResultTtlInSeconds",
    ),
    "IdentitySource": ("identitySource", "/identitySource"),
    "IdentityValidationExpression": (
        "identityValidationExpression",
        "/identityValidationExpression",
    ),
    "AuthType": ("authType", "/authType"),
    "ProviderARNs": ("providerARNs", "/providerARNs"),
}


class ApiGatewayAuthorizerProvider(ResourceProvider[ApiGatewayAuthorizerProperties]):
    TYPE = "AWS::ApiGateway::Authorizer"
    SCHEMA = util.get_schema_path(Path(__file__))

    def create(
        self, request: ResourceRequest[ApiGatewayAuthorizerProperties]
    ) -> ProgressEvent[ApiGatewayAuthorizerProperties]:
        """``CreateAuthorizer`` with the template's properties."""
        model = request.desired_state
        params: dict[str, Any] = {
            api_name: model[prop] for prop, (api_name, _) in _FIELDS.items() if prop in model
        }
        result = request.aws_client_factory.apigateway.create_authorizer(
            restApiId=model["RestApiId"], **params
        )
        model["AuthorizerId"] = result["id"]
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def read(
        self, request: ResourceRequest[ApiGatewayAuthorizerProperties]
    ) -> ProgressEvent[ApiGatewayAuthorizerProperties]:
        """Not needed by the engine."""
        raise NotImplementedError

    def update(
        self, request: ResourceRequest[ApiGatewayAuthorizerProperties]
    ) -> ProgressEvent[ApiGatewayAuthorizerProperties]:
        """``UpdateAuthorizer`` with a patch per changed property."""
        model = request.desired_state
        previous = request.previous_state or {}
        model["AuthorizerId"] = previous["AuthorizerId"]
        operations = []
        for prop, (_, path) in _FIELDS.items():
            if prop == "ProviderARNs" or model.get(prop) == previous.get(prop):
                continue
            if prop in model:
                operations.append({"op": "replace", "path": path, "value": str(model[prop])})
        if operations:
            request.aws_client_factory.apigateway.update_authorizer(
                restApiId=model["RestApiId"],
                authorizerId=model["AuthorizerId"],
                patchOperations=operations,
            )
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def delete(
        self, request: ResourceRequest[ApiGatewayAuthorizerProperties]
    ) -> ProgressEvent[ApiGatewayAuthorizerProperties]:
        """``DeleteAuthorizer``."""
        model = request.desired_state
        request.aws_client_factory.apigateway.delete_authorizer(
            restApiId=model["RestApiId"], authorizerId=model["AuthorizerId"]
        )
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model={})
