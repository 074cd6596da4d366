"""``AWS::CloudWatch::Dashboard``: ``PutDashboard``, so ``GetDashboard`` returns the body."""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

import localstack.services.cloudformation.provider_utils as util
from localstack.services.cloudformation.resource_provider import (
    OperationStatus,
    ProgressEvent,
    ResourceProvider,
    ResourceRequest,
)


class CloudWatchDashboardProperties(TypedDict, total=False):
    DashboardName: str
    DashboardBody: str


class CloudWatchDashboardProvider(ResourceProvider[CloudWatchDashboardProperties]):
    TYPE = "AWS::CloudWatch::Dashboard"
    SCHEMA = util.get_schema_path(Path(__file__))

    def create(
        self, request: ResourceRequest[CloudWatchDashboardProperties]
    ) -> ProgressEvent[CloudWatchDashboardProperties]:
        """``PutDashboard``; the name defaults to ``<stack>-<logical id>-<suffix>`` as on AWS."""
        model = request.desired_state
        if not model.get("DashboardName"):
            model["DashboardName"] = util.generate_default_name(
                request.stack_name, request.logical_resource_id
            )
        self._put(request, model)
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def read(
        self, request: ResourceRequest[CloudWatchDashboardProperties]
    ) -> ProgressEvent[CloudWatchDashboardProperties]:
        """Not needed by the engine."""
        raise NotImplementedError

    def update(
        self, request: ResourceRequest[CloudWatchDashboardProperties]
    ) -> ProgressEvent[CloudWatchDashboardProperties]:
        """``PutDashboard`` again with the new body."""
        model = request.desired_state
        model["DashboardName"] = (
            model.get("DashboardName") or (request.previous_state or {})["DashboardName"]
        )
        self._put(request, model)
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def delete(
        self, request: ResourceRequest[CloudWatchDashboardProperties]
    ) -> ProgressEvent[CloudWatchDashboardProperties]:
        """``DeleteDashboards``."""
        name = request.desired_state["DashboardName"]
        request.aws_client_factory.cloudwatch.delete_dashboards(DashboardNames=[name])
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model={})

    @staticmethod
    def _put(
        request: ResourceRequest[CloudWatchDashboardProperties],
        model: CloudWatchDashboardProperties,
    ) -> None:
        answer = request.aws_client_factory.cloudwatch.put_dashboard(
            DashboardName=model["DashboardName"], DashboardBody=model["DashboardBody"]
        )
        problems = answer.get("DashboardValidationMessages") or []
        if problems:
            raise ValueError(f"dashboard body rejected: {problems}")
