"""Stack parameters for the local harness: ntfy is the mock, spans go to the logs."""

from __future__ import annotations

DEMO_TOPIC = "rez-agent-demo"


def local_parameters(ntfy_url: str, topic: str = DEMO_TOPIC) -> dict[str, dict[str, str]]:
    """Overrides of the dev stage's parameters for a deploy to the harness.

    OpenTelemetry tracing writes each finished span into the function's log (there is no X-Ray
    daemon locally), the notifier posts to the mock ntfy, and the mock needs no rate limit.
    """
    return {
        "common": {"TracingBackend": "otel"},
        "notifier": {"NtfyUrl": ntfy_url, "NtfyTopic": topic, "NtfyRatePerSecond": "0"},
    }
