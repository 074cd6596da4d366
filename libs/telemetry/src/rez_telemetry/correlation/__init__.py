"""Correlation: one ID per message journey, scoped per unit of work, carried across every hop.

Read it from what triggered us (`from_api_gateway_event`, `from_sqs_record`, `from_sns_record`,
`from_invoke_payload`; an SQS record is read once: `read_sqs_record`, `sqs_records`), scope it
(`correlation_scope`, `record_scope`), pass it on (`sns_message_attributes`,
`inject_into_payload`, `http_headers`). The ID rule is `is_valid_correlation_id`.
"""

from rez_telemetry.context import (
    CORRELATION_ID_RULE,
    CorrelationInfo,
    CorrelationSource,
    EventSource,
    current_fields,
    get_correlation_id,
    get_message_id,
    is_valid_correlation_id,
    set_message_id,
)
from rez_telemetry.correlation.extraction import (
    CORRELATION_HEADER,
    detect_event_source,
    extract,
    from_api_gateway_event,
    from_invoke_payload,
    from_record,
    from_sns_record,
    from_sqs_batch,
    from_sqs_record,
    record_scope,
)
from rez_telemetry.correlation.ids import new_correlation_id
from rez_telemetry.correlation.propagation import (
    CarrierKind,
    ContextInjector,
    clear_injectors,
    http_headers,
    inject_into_payload,
    register_injector,
    sns_message_attributes,
    unregister_injector,
)
from rez_telemetry.correlation.records import SqsRecord, read_sqs_record, sqs_records
from rez_telemetry.correlation.scope import correlation_scope, set_correlation_id

__all__ = [
    "CORRELATION_HEADER",
    "CORRELATION_ID_RULE",
    "CarrierKind",
    "ContextInjector",
    "CorrelationInfo",
    "CorrelationSource",
    "EventSource",
    "SqsRecord",
    "clear_injectors",
    "correlation_scope",
    "current_fields",
    "detect_event_source",
    "extract",
    "from_api_gateway_event",
    "from_invoke_payload",
    "from_record",
    "from_sns_record",
    "from_sqs_batch",
    "from_sqs_record",
    "get_correlation_id",
    "get_message_id",
    "http_headers",
    "inject_into_payload",
    "is_valid_correlation_id",
    "new_correlation_id",
    "read_sqs_record",
    "record_scope",
    "register_injector",
    "set_correlation_id",
    "set_message_id",
    "sns_message_attributes",
    "sqs_records",
    "unregister_injector",
]
