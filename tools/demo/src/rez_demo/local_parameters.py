"""Stack parameters for the local harness: ntfy is the mock, traces go to X-Ray as on AWS."""

from __future__ import annotations

DEMO_TOPIC = "rez-agent-demo"


def local_parameters(ntfy_url: str, topic: str = DEMO_TOPIC) -> dict[str, dict[str, str]]:
    """Overrides of the dev stage's parameters for a deploy to the harness.

    Tracing is the production default (OpenTelemetry spans sent to the harness's X-Ray endpoint,
    as to Lambda's on AWS), the notifier posts to the mock ntfy, and the mock needs no rate limit.
    """
    return {
        "common": {"TracingBackend": "otel"},
        "notifier": {"NtfyUrl": ntfy_url, "NtfyTopic": topic, "NtfyRatePerSecond": "0"},
    }
