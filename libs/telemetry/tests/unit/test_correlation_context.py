"""Correlation context: IDs scoped to a unit of work, restored afterwards, isolated per task."""

from __future__ import annotations

import asyncio
import re

import pytest

from rez_telemetry import correlation
from rez_telemetry.correlation import (
    correlation_scope,
    get_correlation_id,
    get_message_id,
    new_correlation_id,
    set_correlation_id,
    set_message_id,
)
from rez_telemetry.logging import logger

UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_new_correlation_ids_are_distinct_uuid4_strings():
    ids = {new_correlation_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(UUID4.fullmatch(i) for i in ids)


def test_nothing_is_set_outside_a_scope():
    assert get_correlation_id() is None
    assert get_message_id() is None


def test_a_scope_sets_ids_and_restores_the_previous_ones():
    # GIVEN an outer scope
    with correlation_scope(correlation_id="outer", message_id="m-outer"):
        # WHEN an inner scope sets other IDs
        with correlation_scope(correlation_id="inner", message_id="m-inner") as info:
            assert (get_correlation_id(), get_message_id()) == ("inner", "m-inner")
            assert info.correlation_id == "inner"
        # THEN leaving it restores the outer ones
        assert (get_correlation_id(), get_message_id()) == ("outer", "m-outer")
    assert get_correlation_id() is None


def test_a_scope_restores_even_when_the_work_fails():
    with pytest.raises(RuntimeError), correlation_scope(correlation_id="doomed"):
        raise RuntimeError
    assert get_correlation_id() is None


def test_a_scope_without_an_id_keeps_the_current_one_or_starts_a_new_one():
    with correlation_scope() as fresh:
        assert fresh.was_generated
        assert UUID4.fullmatch(fresh.correlation_id)
        with correlation_scope(message_id="m-2") as nested:
            assert nested.correlation_id == fresh.correlation_id
            assert not nested.was_generated
            assert get_message_id() == "m-2"


def test_scope_fields_appear_on_every_line_inside_only(logs):
    # GIVEN a scope with an extra field
    with correlation_scope(correlation_id="c-1", message_id="m-1", user_id="u-7"):
        logger.info("inside")
    logger.info("outside")
    inside, outside = logs.lines
    # THEN the field and IDs are on the line inside and gone outside
    assert (inside["correlation_id"], inside["message_id"], inside["user_id"]) == (
        "c-1",
        "m-1",
        "u-7",
    )
    assert "correlation_id" not in outside
    assert "user_id" not in outside


def test_a_malformed_id_given_to_a_scope_is_replaced_and_reported(logs):
    with correlation_scope(correlation_id="bad id with spaces") as info:
        assert info.was_generated
        assert get_correlation_id() == info.correlation_id
    warning = logs.find("Invalid correlation ID replaced")
    assert warning["correlation_id"] == info.correlation_id
    assert "bad id with spaces" not in str(warning)


def test_set_functions_change_the_current_context():
    set_correlation_id("c-set")
    set_message_id("m-set")
    assert (get_correlation_id(), get_message_id()) == ("c-set", "m-set")
    set_message_id(None)
    assert get_message_id() is None


def test_concurrent_tasks_do_not_see_each_others_ids():
    # GIVEN two tasks scoping different IDs and yielding to each other in the middle
    async def work(cid: str) -> list[str | None]:
        seen = []
        with correlation_scope(correlation_id=cid):
            for _ in range(3):
                seen.append(get_correlation_id())
                await asyncio.sleep(0)
        return seen

    async def both():
        return await asyncio.gather(work("task-a"), work("task-b"))

    a, b = asyncio.run(both())
    # THEN each saw only its own
    assert a == ["task-a"] * 3
    assert b == ["task-b"] * 3


def test_the_module_exports_what_the_contract_names():
    for name in [
        "new_correlation_id",
        "get_correlation_id",
        "correlation_scope",
        "from_api_gateway_event",
        "from_sqs_record",
        "from_sns_record",
        "from_invoke_payload",
        "sns_message_attributes",
        "inject_into_payload",
        "http_headers",
    ]:
        assert callable(getattr(correlation, name)), name
