"""Each record's body is decoded once per invocation, however many readers it has.

The handler decorator (correlation, the batch's ids), the invocation span's links, each record's
scope and span, and `parse_delivery` all read the same `SqsRecord`: counted here by wrapping
`json.loads` for the whole invocation, on a batch with one raw-delivery record and one SNS
envelope, with tracing on (the links are read) and records processed side by side.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter

import pytest

from rez_processor import bootstrap
from rez_processor.handler import handler


@pytest.fixture
def loads_calls(monkeypatch):
    """Every text `json.loads` decodes from now on, counted."""
    calls: Counter[str] = Counter()
    original = json.loads

    def counting(text, *args, **kwargs):
        if isinstance(text, str):
            calls[text] += 1
        return original(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", counting)
    return calls


@pytest.mark.parametrize("concurrency", [1, 4])
def test_each_body_is_decoded_once_through_the_handler(
    ctx, stored, sqs_record, make_batch, lambda_context, loads_calls, concurrency
):
    # GIVEN a raw-delivery record and an SNS-envelope record, both for stored messages
    raw_message, enveloped_message = stored(), stored()
    raw = sqs_record(raw_message)
    enveloped = sqs_record(enveloped_message, enveloped=True)
    inner = json.loads(enveloped["body"])["Message"]
    bootstrap.override(dataclasses.replace(ctx, concurrency=concurrency))
    loads_calls.clear()
    # WHEN the processor's handler is invoked on the batch
    response = handler(make_batch(raw, enveloped), lambda_context)
    # THEN both were processed
    assert response == {"batchItemFailures": []}
    assert {call["message_id"] for call in ctx.notifier.calls} == {
        raw_message.message_id,
        enveloped_message.message_id,
    }
    # AND each body, and the envelope's inner message, was decoded exactly once
    assert loads_calls[raw["body"]] == 1
    assert loads_calls[enveloped["body"]] == 1
    assert loads_calls[inner] == 1
