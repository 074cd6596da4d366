"""Reading the schedule's Input: absent, empty, wrapped by aws.scheduler, or overrides."""

from __future__ import annotations

import pytest

from rez_scheduler.schedule_input import (
    InvalidScheduleInputError,
    ScheduleOverrides,
    parse_schedule_input,
)


@pytest.mark.parametrize("event", [None, {}])
def test_absent_or_empty_input_means_defaults(event):
    # GIVEN a schedule without Input / WHEN parsed / THEN no override
    assert parse_schedule_input(event) == ScheduleOverrides()


def test_scheduler_envelope_with_empty_detail(load_event):
    # GIVEN the aws.scheduler event shape whose detail is the string "{}"
    event = load_event("eventbridge_scheduler_event.json")
    # WHEN parsed / THEN no override (the envelope's own keys are not fields)
    assert parse_schedule_input(event) == ScheduleOverrides()


def test_scheduler_envelope_detail_holds_overrides(load_event):
    # GIVEN an envelope whose detail carries a title, as an object or as a JSON string
    event = load_event("eventbridge_scheduler_event.json")
    as_object = {**event, "detail": {"title": "From detail"}}
    as_string = {**event, "detail": '{"title": "From detail"}'}
    # WHEN parsed / THEN the title is read either way
    assert parse_schedule_input(as_object).title == "From detail"
    assert parse_schedule_input(as_string).title == "From detail"


def test_overrides_are_read_raw(load_event):
    # GIVEN the Input with every override
    overrides = parse_schedule_input(load_event("schedule_input_overrides.json"))
    # THEN they are kept as given (validated when the payload is built)
    assert overrides == ScheduleOverrides(
        title="Morning check",
        body="Good morning from rez_agent",
        priority="high",
        tags=["sunrise", "scheduled"],
    )


@pytest.mark.parametrize(
    ("event", "field", "reason"),
    [
        ({"body": "x", "colour": "red"}, "colour", "unknown field"),
        ({"correlation_id": "c"}, "correlation_id", "unknown field"),
        (["body"], "input", "must be a JSON object, got list"),
        ("hello", "input", "must be a JSON object, got str"),
        (
            {"detail-type": "Scheduled Event", "source": "aws.scheduler", "detail": "{oops"},
            "detail",
            "is not valid JSON",
        ),
        (
            {"detail-type": "Scheduled Event", "source": "aws.scheduler", "detail": "[1]"},
            "detail",
            "must be a JSON object, got list",
        ),
    ],
)
def test_bad_input_is_refused_by_name(event, field, reason):
    # GIVEN an Input the scheduler cannot use / WHEN parsed / THEN the error names the field
    with pytest.raises(InvalidScheduleInputError) as caught:
        parse_schedule_input(event)
    assert caught.value.field == field
    assert reason in str(caught.value)
