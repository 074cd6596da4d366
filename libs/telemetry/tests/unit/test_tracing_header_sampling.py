"""Trace header parsing/formatting and the reservoir sampler (injectable clock and random)."""

from __future__ import annotations

import pytest

from rez_telemetry.tracing import ReservoirSampler, sampler_for_stage
from rez_telemetry.tracing.header import (
    format_trace_header,
    parse_trace_context,
    parse_trace_header,
    trace_id_to_xray,
    xray_to_trace_id,
)

ROOT = "1-5759e988-bd862e3fe1be46a994272793"


def test_parses_the_xray_header_in_any_order_ignoring_unknown_keys() -> None:
    header = parse_trace_header(f"Sampled=1;Lineage=a:1;Parent=53995c3f42cd8ad8; Root={ROOT}")
    assert header is not None
    assert (header.root, header.parent, header.sampled) == (ROOT, "53995c3f42cd8ad8", True)
    assert str(header) == f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.mark.parametrize(
    ("value", "sampled"),
    [(f"Root={ROOT};Sampled=0", False), (f"Root={ROOT};Sampled=?", None), (f"Root={ROOT}", None)],
)
def test_sampling_decision_is_kept_or_left_open(value: str, sampled: bool | None) -> None:
    header = parse_trace_header(value)
    assert header is not None
    assert header.sampled is sampled


@pytest.mark.parametrize("value", ["", "Root=nope", "Parent=53995c3f42cd8ad8", None, "garbage"])
def test_unusable_headers_give_none(value: str | None) -> None:
    assert parse_trace_header(value) is None


def test_traceparent_is_accepted_as_trace_context() -> None:
    header = parse_trace_context("00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01")
    assert header is not None
    assert (header.root, header.parent, header.sampled) == (ROOT, "53995c3f42cd8ad8", True)


def test_trace_id_round_trip_between_otel_and_xray_forms() -> None:
    assert trace_id_to_xray(xray_to_trace_id(ROOT)) == ROOT
    assert format_trace_header(ROOT, None, None) == f"Root={ROOT}"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_reservoir_takes_one_per_second_then_the_rate() -> None:
    # GIVEN 1/s + 5%, a fixed clock and a random that never falls under 5%
    clock = FakeClock()
    sampler = ReservoirSampler(1, 0.05, clock=clock, random_value=lambda: 0.5)
    # WHEN 10 decisions are taken within one second
    decisions = [sampler.should_sample() for _ in range(10)]
    # THEN only the first is sampled
    assert decisions == [True] + [False] * 9
    # AND the next second refills the reservoir
    clock.now = 101.2
    assert sampler.should_sample() is True
    assert sampler.should_sample() is False


def test_rate_applies_beyond_the_reservoir() -> None:
    # GIVEN an empty reservoir and randoms alternately under and over 5%
    values = iter([0.01, 0.9, 0.04, 0.06])
    sampler = ReservoirSampler(0, 0.05, clock=FakeClock(), random_value=lambda: next(values))
    # WHEN four decisions are taken THEN exactly those under the rate are sampled
    assert [sampler.should_sample() for _ in range(4)] == [True, False, True, False]


def test_stage_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the sampling rules of docs/observability.md
    monkeypatch.delenv("TRACE_SAMPLE_RATE", raising=False)
    # THEN dev traces everything, prod keeps 1/s + 5%
    assert sampler_for_stage("dev").rate == 1.0
    prod = sampler_for_stage("prod")
    assert (prod.reservoir_per_second, prod.rate) == (1, 0.05)
    # AND an override wins
    monkeypatch.setenv("TRACE_SAMPLE_RATE", "0.5")
    assert sampler_for_stage("prod").rate == 0.5


def test_dev_rate_samples_everything_regardless_of_random() -> None:
    sampler = ReservoirSampler(0, 1.0, clock=FakeClock(), random_value=lambda: 0.999)
    assert all(sampler.should_sample() for _ in range(100))
