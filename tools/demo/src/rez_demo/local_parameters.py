"""Stack parameters for the local harness: ntfy is the mock, traces go to X-Ray as on AWS."""

from __future__ import annotations

DEMO_TOPIC = "rez-agent-demo"
#: The monitoring stack's parameters for the suites on the harness: periods of 10 s instead of 1
#: and 5 minutes and the thresholds that take minutes (the processor's p99 of 4 minutes, a
#: 5-minute-old message) lowered, so every alarm can be driven in seconds. Every suite sharing a
#: harness deploys with the same values (the harness cannot update an AWS::CloudWatch::Alarm).
ALARM_TEST_PARAMETERS = {
    "MinuteAlarmPeriodSeconds": "10",
    "FiveMinuteAlarmPeriodSeconds": "10",
    "ProcessorDurationP99ThresholdMs": "3000",
    "QueueBacklogThresholdSeconds": "8",
}


def local_parameters(ntfy_url: str, topic: str = DEMO_TOPIC) -> dict[str, dict[str, str]]:
    """Overrides of the dev stage's parameters for a deploy to the harness.

    Tracing is the production default (OpenTelemetry spans sent to the harness's X-Ray endpoint,
    as to Lambda's on AWS), the notifier posts to the mock ntfy, and the mock needs no rate limit.
    """
    return {
        "common": {"TracingBackend": "otel"},
        "notifier": {"NtfyUrl": ntfy_url, "NtfyTopic": topic, "NtfyRatePerSecond": "0"},
    }
