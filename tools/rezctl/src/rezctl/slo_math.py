"""Error-budget arithmetic for the SLOs of docs/observability.md, free of AWS (checkable by hand).

Every SLO here is "at most a fraction `1 - objective` of events may be bad" over a window:
- ratio SLOs (processing success, notification delivery): bad = failures;
- availability (99.9%, 43 minutes a month): bad = minutes whose own availability is below the
  objective, against `window minutes x (1 - objective)` allowed;
- latency SLOs (pXX < threshold): bad = events slower than the threshold, against
  `events x (1 - XX/100)` allowed (pXX < threshold holds exactly when they stay within it).
The burn rate is the budget used divided by the budget allowed over the same window: 1.0 uses
it up exactly at the window's end, above 1 exhausts it early.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SloResult:
    """One SLI measured against its SLO."""

    name: str
    objective: str
    window: dt.timedelta
    sli: str
    """The measured value, as text (e.g. `99.95%`, `p95 212 ms`), `no data` without events."""
    met: bool
    budget_allowed: float
    budget_used: float
    budget_unit: str
    events: int
    source: str

    @property
    def budget_left(self) -> float:
        return self.budget_allowed - self.budget_used

    @property
    def exhausted(self) -> bool:
        """More bad events than the objective allows (a budget of 0 with no bad is not)."""
        return self.budget_used > self.budget_allowed

    @property
    def burn_rate(self) -> float | None:
        if self.events == 0:
            return None
        if self.budget_allowed == 0:
            return math.inf if self.budget_used else 0.0
        return self.budget_used / self.budget_allowed

    def as_dict(self) -> dict[str, Any]:
        burn = self.burn_rate
        return {
            "name": self.name,
            "objective": self.objective,
            "window_seconds": int(self.window.total_seconds()),
            "sli": self.sli,
            "met": self.met,
            "events": self.events,
            "budget_unit": self.budget_unit,
            "budget_allowed": round(self.budget_allowed, 3),
            "budget_used": round(self.budget_used, 3),
            "budget_left": round(self.budget_left, 3),
            "burn_rate": None if burn is None or math.isinf(burn) else round(burn, 3),
            "exhausted": self.exhausted,
            "source": self.source,
        }


def ratio_slo(
    name: str,
    *,
    good: float,
    bad: float,
    objective: float,
    window: dt.timedelta,
    unit: str = "failures",
    source: str = "",
) -> SloResult:
    """`good / (good + bad) >= objective`; the budget is `total x (1 - objective)` bad events."""
    total = good + bad
    allowed = total * (1.0 - objective)
    sli = f"{100.0 * good / total:.3f}%" if total else "no data"
    return SloResult(
        name=name,
        objective=f"{objective * 100:g}% over {_days(window)}",
        window=window,
        sli=sli,
        met=total == 0 or good / total >= objective,
        budget_allowed=allowed,
        budget_used=bad,
        budget_unit=unit,
        events=int(total),
        source=source,
    )


def availability_slo(
    name: str,
    *,
    minutes: Sequence[tuple[float, float]],
    objective: float,
    window: dt.timedelta,
    source: str = "",
) -> SloResult:
    """Minutes as `(good, bad)` request counts; a minute is down when its ratio < objective."""
    good = sum(g for g, _ in minutes)
    bad = sum(b for _, b in minutes)
    total = good + bad
    down = sum(1 for g, b in minutes if g + b and g / (g + b) < objective)
    allowed = window.total_seconds() / 60.0 * (1.0 - objective)
    sli = f"{100.0 * good / total:.3f}% ({down} bad min)" if total else "no data"
    return SloResult(
        name=name,
        objective=f"{objective * 100:g}% over {_days(window)}",
        window=window,
        sli=sli,
        met=down <= allowed,
        budget_allowed=allowed,
        budget_used=float(down),
        budget_unit="minutes",
        events=int(total),
        source=source,
    )


def percentile(values: Sequence[float], rank: float) -> float | None:
    """Nearest-rank percentile (`rank` in 0-100), None without values."""
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, math.ceil(rank / 100.0 * len(ordered)) - 1)
    return ordered[min(index, len(ordered) - 1)]


def latency_slo(
    name: str,
    *,
    values: Sequence[float],
    limits: Sequence[tuple[float, float]],
    window: dt.timedelta,
    unit: str = "ms",
    budget_unit: str = "slow requests",
    source: str = "",
) -> SloResult:
    """`pXX < threshold` for each `(XX, threshold)`; the tightest one sets the budget shown.

    The raw values' percentiles and slow counts, judged as `latency_slo_from_statistics` judges
    CloudWatch's: one rule for both sources."""
    return latency_slo_from_statistics(
        name,
        events=len(values),
        percentiles={rank: percentile(values, rank) for rank, _ in limits},
        slower={
            threshold: float(sum(1 for v in values if v >= threshold)) for _, threshold in limits
        },
        limits=limits,
        window=window,
        unit=unit,
        budget_unit=budget_unit,
        source=source,
    )


def latency_slo_from_statistics(
    name: str,
    *,
    events: float,
    percentiles: dict[float, float | None],
    slower: dict[float, float],
    limits: Sequence[tuple[float, float]],
    window: dt.timedelta,
    unit: str = "ms",
    budget_unit: str = "slow requests",
    source: str = "",
) -> SloResult:
    """`pXX < threshold` from CloudWatch's statistics rather than raw values: `events` (the
    SampleCount), `percentiles` (rank -> pXX, the worst series' when several), `slower`
    (threshold -> events above it, a `TC(threshold:)` count). The budget is the same as
    `latency_slo`'s: at most `events x (1 - XX/100)` slow events."""
    parts: list[str] = []
    chosen: tuple[float, float, float] | None = None
    met = True
    for rank, threshold in limits:
        value = percentiles.get(rank)
        parts.append(f"p{rank:g} {value:.0f} {unit}" if value is not None else f"p{rank:g} -")
        allowed = events * (1.0 - rank / 100.0)
        used = float(slower.get(threshold, 0.0))
        met = met and (value is None or value < threshold)
        pressure = used / allowed if allowed else (math.inf if used else 0.0)
        if chosen is None or pressure > chosen[0]:
            chosen = (pressure, allowed, used)
    assert chosen is not None
    objective = ", ".join(f"p{rank:g} < {threshold:g} {unit}" for rank, threshold in limits)
    return SloResult(
        name=name,
        objective=f"{objective} over {_days(window)}",
        window=window,
        sli=", ".join(parts) if events else "no data",
        met=met,
        budget_allowed=chosen[1],
        budget_used=chosen[2],
        budget_unit=budget_unit,
        events=int(events),
        source=source,
    )


def _days(window: dt.timedelta) -> str:
    seconds = int(window.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m"
