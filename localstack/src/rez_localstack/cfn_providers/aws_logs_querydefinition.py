"""``AWS::Logs::QueryDefinition``: ``PutQueryDefinition``, served by the harness's Logs provider."""

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


class LogsQueryDefinitionProperties(TypedDict, total=False):
    Name: str
    QueryString: str
    LogGroupNames: list[str]
    QueryLanguage: str
    QueryDefinitionId: str


class LogsQueryDefinitionProvider(ResourceProvider[LogsQueryDefinitionProperties]):
    TYPE = "AWS::Logs::QueryDefinition"
    SCHEMA = util.get_schema_path(Path(__file__))

    def create(
        self, request: ResourceRequest[LogsQueryDefinitionProperties]
    ) -> ProgressEvent[LogsQueryDefinitionProperties]:
        """Save the query; ``Ref`` is its id."""
        model = request.desired_state
        model["QueryDefinitionId"] = self._put(request, model, None)
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def read(
        self, request: ResourceRequest[LogsQueryDefinitionProperties]
    ) -> ProgressEvent[LogsQueryDefinitionProperties]:
        """Not needed by the engine."""
        raise NotImplementedError

    def update(
        self, request: ResourceRequest[LogsQueryDefinitionProperties]
    ) -> ProgressEvent[LogsQueryDefinitionProperties]:
        """Overwrite the saved query in place."""
        model = request.desired_state
        identifier = (request.previous_state or {})["QueryDefinitionId"]
        model["QueryDefinitionId"] = self._put(request, model, identifier)
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def delete(
        self, request: ResourceRequest[LogsQueryDefinitionProperties]
    ) -> ProgressEvent[LogsQueryDefinitionProperties]:
        """``DeleteQueryDefinition``."""
        request.aws_client_factory.logs.delete_query_definition(
            queryDefinitionId=request.desired_state["QueryDefinitionId"]
        )
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model={})

    @staticmethod
    def _put(
        request: ResourceRequest[LogsQueryDefinitionProperties],
        model: LogsQueryDefinitionProperties,
        identifier: str | None,
    ) -> str:
        params: dict[str, Any] = {"name": model["Name"], "queryString": model["QueryString"]}
        if model.get("LogGroupNames"):
            params["logGroupNames"] = model["LogGroupNames"]
        if identifier:
            params["queryDefinitionId"] = identifier
        answer = request.aws_client_factory.logs.put_query_definition(**params)
        return str(answer["queryDefinitionId"])
