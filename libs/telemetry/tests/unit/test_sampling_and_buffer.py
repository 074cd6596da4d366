"""High-volume sampling (once per invocation, never WARN/ERROR) and the DEBUG buffer."""

from __future__ import annotations

import pytest

from rez_telemetry import lambda_handler
from rez_telemetry.logging import configure_logging, get_settings, log_sampled, logger, sampling


def test_default_rate_is_full_in_dev_and_a_tenth_in_prod(monkeypatch):
    monkeypatch.setenv("STAGE", "dev")
    assert configure_logging(sink=lambda line: None).sample_rate == 1.0
    monkeypatch.setenv("STAGE", "prod")
    configure_logging()
    assert get_settings().sample_rate == 0.1
    monkeypatch.setenv("LOG_SAMPLE_RATE", "0.5")
    configure_logging()
    assert get_settings().sample_rate == 0.5


def test_rate_zero_drops_high_volume_info_but_never_warnings(capture_logs):
    # GIVEN a keep-rate of zero
    logs = capture_logs(sample_rate=0.0)
    # WHEN high-volume lines of each level and a normal line are logged
    log_sampled("hv info")
    logger.bind(high_volume=True).info("hv bound info")
    log_sampled("hv warning", level="WARNING")
    logger.bind(high_volume=True).error("hv error")
    logger.info("normal info")
    # THEN only the INFO high-volume lines are dropped
    assert logs.messages() == ["hv warning", "hv error", "normal info"]


def test_the_marker_itself_is_not_written(capture_logs):
    logs = capture_logs(sample_rate=1.0)
    log_sampled("kept", item=3)
    line = logs.lines[0]
    assert "high_volume" not in line
    assert line["item"] == 3
    assert line["source"].startswith("test_sampling_and_buffer.py:")


@pytest.mark.parametrize("keep", [True, False])
def test_the_decision_is_taken_once_per_invocation(capture_logs, monkeypatch, keep, lambda_context):
    # GIVEN a sampling draw that says `keep` for this invocation
    logs = capture_logs(sample_rate=0.5)
    draws = iter([keep, not keep, not keep])
    monkeypatch.setattr(sampling, "_draw", lambda rate: next(draws))

    @lambda_handler
    def handler(event, context):
        for i in range(3):
            log_sampled("item processed", item=i)

    # WHEN one invocation logs several high-volume lines
    handler({}, lambda_context)
    # THEN they are all kept or all dropped together
    items = [line["item"] for line in logs.lines if line["message"] == "item processed"]
    assert items == ([0, 1, 2] if keep else [])


def test_debug_lines_are_buffered_and_written_before_the_error(capture_logs, lambda_context):
    # GIVEN INFO level with DEBUG buffering
    logs = capture_logs(stage="prod", buffer_debug=True)

    @lambda_handler
    def failing(event, context):
        logger.debug("step 1", step=1)
        logger.info("visible")
        logger.debug("step 2", step=2)
        raise RuntimeError("downstream refused")

    # WHEN the invocation fails
    with pytest.raises(RuntimeError):
        failing({"correlation_id": "corr-buf"}, lambda_context)
    # THEN the DEBUG lines (the handler's own first) appear, in order, just before the error
    # line, with the correlation they were logged under
    messages = logs.messages()
    assert messages == ["visible", "Invocation started", "step 1", "step 2", "Invocation failed"]
    step1 = logs.lines[2]
    assert (step1["level"], step1["step"], step1["correlation_id"]) == ("DEBUG", 1, "corr-buf")


def test_buffered_debug_lines_vanish_when_the_invocation_succeeds(capture_logs, lambda_context):
    logs = capture_logs(stage="prod", buffer_debug=True)

    @lambda_handler
    def fine(event, context):
        logger.debug("detail")
        return "ok"

    fine({}, lambda_context)
    fine({}, lambda_context)  # and nothing from the first spills into the second
    assert logs.messages() == ["Invocation completed", "Invocation completed"]


def test_without_buffering_debug_lines_below_the_level_are_simply_dropped(
    capture_logs, lambda_context
):
    logs = capture_logs(stage="prod")

    @lambda_handler
    def failing(event, context):
        logger.debug("detail")
        raise ValueError("invalid")

    with pytest.raises(ValueError, match="invalid"):
        failing({}, lambda_context)
    assert logs.messages() == ["Invocation failed"]


def test_the_buffer_is_bounded_and_says_how_much_it_dropped(capture_logs, lambda_context):
    logs = capture_logs(stage="prod", buffer_debug=True)

    @lambda_handler
    def chatty(event, context):
        for i in range(250):
            logger.debug("tick", i=i)
        logger.error("gave up")

    chatty({}, lambda_context)
    ticks = [line["i"] for line in logs.lines if line["message"] == "tick"]
    # 251 DEBUG lines ("Invocation started" and 250 ticks) for 200 places:
    # the oldest 51 go (the first line and ticks 0-49)
    assert ticks == list(range(50, 250))
    assert "Invocation started" not in logs.messages()
    assert logs.find("Buffered debug lines dropped")["dropped"] == 51
