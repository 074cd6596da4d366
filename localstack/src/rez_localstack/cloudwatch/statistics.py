"""CloudWatch's statistics over one period's samples, as its documentation defines them.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html

- ``pNN.NN``: the percentile; here the nearest rank (the smallest value with at least NN % of
  the samples at or below it). CloudWatch approximates on large sets; on the small sets a test
  or the harness sees, the nearest rank is what it answers.
- ``tmNN`` / ``TM(a:b)``, ``wmNN`` / ``WM(a:b)``, ``tcNN`` / ``TC(a:b)``, ``tsNN`` / ``TS(a:b)``,
  ``IQM`` (= ``TM(25%:75%)``), ``PR(a:b)``: bounds are percentages with ``%`` (or in the short
  ``tm90`` form, the upper one) or absolute values without; the lower bound is exclusive and the
  upper inclusive ("TM(150:1000) ... removing all data points that are <= 150 or > 1000").

Percentiles need the raw samples: "CloudWatch needs raw data points to calculate percentiles"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Percentiles);
a statistic set counts as raw samples only when Minimum == Maximum and Sum == Minimum x
SampleCount (SampleCount 1 with all equal is the same case). "Percentile statistics are not
available for metrics when any of the metric values are negative numbers"
(GetMetricStatistics' ``ExtendedStatistics``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

BASIC = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")

_PERCENTILE = re.compile(r"p(\d{1,2}(?:\.\d{1,10})?|100(?:\.0{1,10})?)")
_SHORT = re.compile(r"(tm|wm|tc|ts)(\d{1,2}(?:\.\d{1,10})?|100(?:\.0{1,10})?)")
_RANGE = re.compile(r"(TM|WM|TC|TS|PR)\(([^:()]*):([^:()]*)\)", re.IGNORECASE)
_NUMBER = r"\d+(?:\.\d+)?"


class UnknownStatistic(ValueError):
    """A statistic name CloudWatch would refuse."""


@dataclass(frozen=True, slots=True)
class Bound:
    """One end of a range: a percentage of the samples, or an absolute value."""

    value: float
    percent: bool


@dataclass(frozen=True, slots=True)
class Statistic:
    """A parsed statistic name."""

    name: str
    kind: str  # basic | p | tm | wm | tc | ts | pr
    percentile: float | None = None
    low: Bound | None = None
    high: Bound | None = None

    @property
    def extended(self) -> bool:
        return self.kind != "basic"

    @property
    def percentile_family(self) -> bool:
        """Needs the raw samples (every extended statistic does)."""
        return self.extended


def _bound(text: str, allow_absolute: bool) -> Bound | None:
    text = text.strip()
    if not text:
        return None
    percent = text.endswith("%")
    number = text[:-1] if percent else text
    if not re.fullmatch(_NUMBER, number):
        raise UnknownStatistic(text)
    value = float(number)
    if percent and not 0 <= value <= 100:
        raise UnknownStatistic(text)
    if not percent and not allow_absolute:
        raise UnknownStatistic(text)
    return Bound(value, percent)


def parse(name: str) -> Statistic:
    """The statistic a ``Stat`` / ``Statistic`` / ``ExtendedStatistic`` names."""
    if name in BASIC:
        return Statistic(name, "basic")
    if match := _PERCENTILE.fullmatch(name):
        return Statistic(name, "p", percentile=float(match.group(1)))
    if match := _SHORT.fullmatch(name):
        return Statistic(name, match.group(1), high=Bound(float(match.group(2)), True))
    if name.upper() == "IQM":
        return Statistic(name, "tm", low=Bound(25, True), high=Bound(75, True))
    if match := _RANGE.fullmatch(name):
        low = _bound(match.group(2), allow_absolute=True)
        high = _bound(match.group(3), allow_absolute=True)
        if low is None and high is None:
            raise UnknownStatistic(name)
        return Statistic(name, match.group(1).lower(), low=low, high=high)
    raise UnknownStatistic(name)


@dataclass(slots=True)
class Samples:
    """One period's data: raw values (with their counts) and statistic sets."""

    values: list[tuple[float, int]] = field(default_factory=list)
    sets: list[tuple[float, float, float, float]] = field(default_factory=list)  # n, sum, min, max

    def __bool__(self) -> bool:
        return bool(self.values or self.sets)

    def raw(self) -> list[float] | None:
        """Every sample, sorted, or None when a statistic set hides its samples."""
        out: list[float] = []
        for value, count in self.values:
            out.extend([value] * count)
        for size, total, low, high in self.sets:
            whole = int(size)
            if low != high or whole != size or not math.isclose(total, low * size):
                return None
            out.extend([low] * whole)
        out.sort()
        return out

    def sample_count(self) -> float:
        return sum(c for _, c in self.values) + sum(s[0] for s in self.sets)


def basic(stat: str, samples: Samples) -> float | None:
    """SampleCount, Sum, Average, Minimum, Maximum over values and statistic sets."""
    count = samples.sample_count()
    if not count:
        return None
    if stat == "SampleCount":
        return float(count)
    total = sum(v * c for v, c in samples.values) + sum(s[1] for s in samples.sets)
    if stat == "Sum":
        return total
    if stat == "Average":
        return total / count
    lows = [v for v, _ in samples.values] + [s[2] for s in samples.sets]
    highs = [v for v, _ in samples.values] + [s[3] for s in samples.sets]
    return min(lows) if stat == "Minimum" else max(highs)


def percentile(values: list[float], rank: float) -> float:
    """Nearest rank over sorted values (rank 0-100)."""
    index = max(1, math.ceil(rank / 100 * len(values))) - 1
    return values[min(index, len(values) - 1)]


def _window(values: list[float], stat: Statistic) -> tuple[list[float], float, float]:
    """The samples inside the statistic's range, and the range's edge values."""
    n = len(values)
    lo_i, hi_i = 0, n
    lo_v, hi_v = -math.inf, math.inf
    if stat.low is not None:
        if stat.low.percent:
            lo_i = min(n, math.ceil(stat.low.value / 100 * n))
        else:
            lo_v = stat.low.value
    if stat.high is not None:
        if stat.high.percent:
            hi_i = min(n, math.ceil(stat.high.value / 100 * n))
        else:
            hi_v = stat.high.value
    chosen = [v for v in values[lo_i:hi_i] if lo_v < v <= hi_v]
    edge_low = values[lo_i] if stat.low and stat.low.percent and lo_i < n else lo_v
    edge_high = values[hi_i - 1] if stat.high and stat.high.percent and hi_i > 0 else hi_v
    return chosen, edge_low, edge_high


def compute(stat: Statistic, samples: Samples) -> float | None:
    """The statistic's value for one period; None where CloudWatch has no value."""
    if not stat.extended:
        return basic(stat.name, samples)
    values = samples.raw()
    if not values or values[0] < 0:
        return None
    if stat.kind == "p":
        assert stat.percentile is not None
        return percentile(values, stat.percentile)
    chosen, edge_low, edge_high = _window(values, stat)
    if stat.kind == "pr":
        return 100.0 * len(chosen) / len(values)
    if stat.kind == "tc":
        return float(len(chosen))
    if stat.kind == "ts":
        return float(sum(chosen))
    if stat.kind == "tm":
        return sum(chosen) / len(chosen) if chosen else None
    # wm: values outside the range count as the range's edge
    clamped = [min(max(v, edge_low), edge_high) for v in values]
    return sum(clamped) / len(clamped)


def low_sample_count(stat: Statistic, count: float) -> bool:
    """Too few samples for the percentile (EvaluateLowSampleCountPercentile): fewer than
    10/(1-p) for p >= 0.5, 10/p below.
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/percentiles-with-low-samples.html
    """
    if stat.kind != "p" or stat.percentile is None:
        return False
    p = stat.percentile / 100
    if p >= 1 or p <= 0:
        return False
    needed = 10 / (1 - p) if p >= 0.5 else 10 / p
    return count < needed
