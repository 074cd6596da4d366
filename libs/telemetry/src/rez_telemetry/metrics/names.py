"""The metric vocabulary of rez_agent: namespace, names and units of docs/observability.md.

Names live here (not as string literals in services) so that dashboards, alarms and code agree.
"""

from __future__ import annotations

from typing import Final

NAMESPACE: Final = "RezAgent"

# docs/observability.md, Metrics: name -> (type, dimensions besides Stage)
MESSAGES_CREATED: Final = "MessagesCreated"  # Count; MessageType, CreatedBy
MESSAGES_PROCESSED: Final = "MessagesProcessed"  # Count; Status
NOTIFICATIONS_SENT: Final = "NotificationsSent"  # Count; Status
NOTIFICATION_DURATION: Final = "NotificationDuration"  # Milliseconds
PROCESSING_DURATION: Final = "ProcessingDuration"  # Milliseconds; MessageType
CIRCUIT_BREAKER_STATE: Final = "CircuitBreakerState"  # 0 closed/.5 half-open/1 open; Service, State
DLQ_MESSAGE_COUNT: Final = "DLQMessageCount"  # Count
API_REQUEST_COUNT: Final = "APIRequestCount"  # Count; Endpoint, StatusCode
API_RESPONSE_TIME: Final = "APIResponseTime"  # Milliseconds; Endpoint
AUTHORIZER_DECISIONS: Final = "AuthorizerDecisions"  # Count; Decision (allowed/denied/unauth.)
# Count, Stage only: callers' tokens the authorizer refused (bad, expired, forged...), not its own
# failures. Lambda counts each refusal as an error (a TOKEN authorizer answers 401 by raising), so
# the authorizer's error alarm watches AWS/Lambda Errors minus this.
TOKENS_REFUSED: Final = "TokensRefused"
COLD_START: Final = "ColdStart"  # Count; function_name (as Powertools does)

STAGE_DIMENSION: Final = "Stage"
FUNCTION_NAME_DIMENSION: Final = "function_name"


class Unit:
    """CloudWatch standard units used here (strings, as both PutMetricData and EMF expect)."""

    COUNT: Final = "Count"
    MILLISECONDS: Final = "Milliseconds"
    SECONDS: Final = "Seconds"
    NONE: Final = "None"


STANDARD_RESOLUTION: Final = 60
HIGH_RESOLUTION: Final = 1
