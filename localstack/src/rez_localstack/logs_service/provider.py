"""``RezLogsProvider``: LocalStack's Logs provider plus Insights, query definitions and EMF."""

import json
import logging
from typing import Any

from localstack.aws.api import RequestContext
from localstack.aws.api.logs import (
    DeleteQueryDefinitionResponse,
    DescribeQueriesResponse,
    DescribeQueryDefinitionsResponse,
    GetQueryResultsResponse,
    InvalidParameterException,
    MalformedQueryException,
    PutLogEventsResponse,
    PutQueryDefinitionResponse,
    ResourceNotFoundException,
    StartQueryResponse,
    StopQueryResponse,
)
from localstack.services.logs.models import get_moto_logs_backend
from localstack.services.logs.provider import LogsProvider

from rez_localstack.emf.extract import MetricBatch
from rez_localstack.emf.publish import metrics_from_events, publish
from rez_localstack.lambda_metrics.durations import duration_metrics
from rez_localstack.logs_insights import QuerySyntaxError, UnsupportedQueryError, parse_query
from rez_localstack.logs_service.event_source import (
    LogGroupNotFoundError,
    records_in,
)
from rez_localstack.logs_service.event_source import log_group_name as name_of_log_group
from rez_localstack.logs_service.queries import QueryRegistry, QueryRun, failed_run, new_run
from rez_localstack.logs_service.query_definitions import QueryDefinitionStore
from rez_localstack.metrics_publisher import logs_delivered

LOG = logging.getLogger(__name__)

QUERY_STATUS_PATH = "/_rez/logs/queries/<query_id>"
"""Why a query ended ``Failed`` (``GetQueryResults`` has no field for the reason)."""


class RezLogsProvider(LogsProvider):
    """Overrides only the operations LocalStack leaves to moto (or ignores)."""

    def __init__(self) -> None:
        super().__init__()
        self.queries = QueryRegistry()
        self.query_definitions = QueryDefinitionStore()

    # ------------------------------------------------------------ lifecycle

    def on_after_init(self) -> None:
        """Serve the query-status endpoint next to LocalStack's own."""
        from localstack.services.edge import ROUTER

        ROUTER.add(QUERY_STATUS_PATH, endpoint=self._query_status, methods=["GET"])

    def on_before_stop(self) -> None:
        """Stop the query workers."""
        self.queries.shutdown()

    def _query_status(self, _request: Any, query_id: str) -> Any:
        from rolo import Response

        run = self.queries.get(query_id)
        if run is None:
            return Response(json.dumps({"error": "unknown query"}), status=404)
        body = {"queryId": run.query_id, "status": run.status, "reason": run.reason}
        return Response(json.dumps(body), status=200, mimetype="application/json")

    # ------------------------------------------------------------ EMF

    def put_log_events(
        self,
        context: RequestContext,
        log_group_name: str,
        log_stream_name: str,
        log_events: Any,
        *args: Any,
        **kwargs: Any,
    ) -> PutLogEventsResponse:
        """Store the events (LocalStack's code), then publish the EMF metrics they carry."""
        response = super().put_log_events(
            context, log_group_name, log_stream_name, log_events, *args, **kwargs
        )
        try:
            batches = metrics_from_events(log_events or [], log_group_name)
            durations = duration_metrics(log_group_name, log_events or [])
            if durations:
                batches.append(MetricBatch("AWS/Lambda", durations))
            if batches:
                publish(batches, context.account_id, context.region)
        except Exception:
            LOG.exception("EMF metrics from %s could not be published", log_group_name)
        finally:
            logs_delivered(log_group_name)
        return response

    # ------------------------------------------------------------ Logs Insights

    def start_query(
        self,
        context: RequestContext,
        start_time: int,
        end_time: int,
        query_string: str,
        query_language: str | None = None,
        log_group_name: str | None = None,
        log_group_names: list[str] | None = None,
        log_group_identifiers: list[str] | None = None,
        limit: int | None = None,
        **kwargs: Any,
    ) -> StartQueryResponse:
        """Parse now (a malformed query is refused as on AWS), evaluate on a worker."""
        if query_language not in (None, "CWLI"):
            raise InvalidParameterException(
                f"queryLanguage {query_language} is not evaluated locally"
            )
        groups = [
            name_of_log_group(identifier)
            for identifier in [
                *([log_group_name] if log_group_name else []),
                *(log_group_names or []),
                *(log_group_identifiers or []),
            ]
        ]
        if not groups:
            raise InvalidParameterException("name at least one log group")
        account, region = context.account_id, context.region
        try:
            query = parse_query(query_string)
        except QuerySyntaxError as error:
            raise MalformedQueryException(str(error)) from None
        except UnsupportedQueryError as error:
            run = failed_run(query_string, groups, account, region, str(error))
            self.queries.start_failed(run)
            return StartQueryResponse(queryId=run.query_id)
        backend = get_moto_logs_backend(account, region)
        try:
            records = list(
                records_in(backend, account, groups, start_time * 1000, end_time * 1000 + 999)
            )
        except LogGroupNotFoundError as missing:
            raise ResourceNotFoundException(f"Log group '{missing}' does not exist") from None
        run = new_run(query_string, groups, account, region)
        run.row_limit = limit
        self.queries.start(run, query, lambda: records)
        return StartQueryResponse(queryId=run.query_id)

    def get_query_results(
        self, context: RequestContext, query_id: str, **kwargs: Any
    ) -> GetQueryResultsResponse:
        """Rows and statistics in AWS's shape; empty until the run completes."""
        run = self._run(context, query_id)
        response = GetQueryResultsResponse(status=run.status, results=[], queryLanguage="CWLI")
        if run.outcome is not None and run.status == "Complete":
            outcome = run.outcome
            rows = outcome.results[: run.row_limit] if run.row_limit else outcome.results
            response["results"] = rows
            response["statistics"] = {
                "recordsMatched": float(outcome.records_matched),
                "recordsScanned": float(outcome.records_scanned),
                "bytesScanned": float(outcome.bytes_scanned),
            }
        return response

    def stop_query(
        self, context: RequestContext, query_id: str, **kwargs: Any
    ) -> StopQueryResponse:
        """Cancel a run still in progress."""
        self._run(context, query_id)
        return StopQueryResponse(success=self.queries.stop(query_id))

    def describe_queries(
        self,
        context: RequestContext,
        log_group_name: str | None = None,
        status: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
        query_language: str | None = None,
        **kwargs: Any,
    ) -> DescribeQueriesResponse:
        """Recent runs of this account and region, newest first."""
        runs = [
            run
            for run in reversed(self.queries.runs())
            if (run.account_id, run.region) == (context.account_id, context.region)
            and (status is None or run.status == status)
            and (log_group_name is None or log_group_name in run.log_group_names)
        ][: max_results or 1000]
        return DescribeQueriesResponse(
            queries=[
                {
                    "queryId": run.query_id,
                    "queryString": run.query_string,
                    "status": run.status,
                    "createTime": run.created_ms,
                    "logGroupName": run.log_group_names[0],
                    "queryLanguage": "CWLI",
                }
                for run in runs
            ]
        )

    def _run(self, context: RequestContext, query_id: str) -> QueryRun:
        run = self.queries.get(query_id)
        if run is None or (run.account_id, run.region) != (context.account_id, context.region):
            raise ResourceNotFoundException("Query does not exist.")
        return run

    # ------------------------------------------------------------ query definitions

    def put_query_definition(
        self,
        context: RequestContext,
        name: str,
        query_string: str,
        query_language: str | None = None,
        query_definition_id: str | None = None,
        log_group_names: list[str] | None = None,
        client_token: str | None = None,
        **kwargs: Any,
    ) -> PutQueryDefinitionResponse:
        """Save (or overwrite, given its id) a query definition."""
        identifier = self.query_definitions.put(
            (context.account_id, context.region),
            name,
            query_string,
            log_group_names,
            query_definition_id,
        )
        if identifier is None:
            raise ResourceNotFoundException("The query definition does not exist.")
        return PutQueryDefinitionResponse(queryDefinitionId=identifier)

    def describe_query_definitions(
        self,
        context: RequestContext,
        query_language: str | None = None,
        query_definition_name_prefix: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
        **kwargs: Any,
    ) -> DescribeQueryDefinitionsResponse:
        """Saved definitions, optionally by name prefix."""
        records = self.query_definitions.list(
            (context.account_id, context.region), query_definition_name_prefix
        )
        return DescribeQueryDefinitionsResponse(
            queryDefinitions=[record.to_api() for record in records[: max_results or 1000]]
        )

    def delete_query_definition(
        self, context: RequestContext, query_definition_id: str, **kwargs: Any
    ) -> DeleteQueryDefinitionResponse:
        """Remove a definition."""
        if not self.query_definitions.delete(
            (context.account_id, context.region), query_definition_id
        ):
            raise ResourceNotFoundException("The query definition does not exist.")
        return DeleteQueryDefinitionResponse(success=True)
