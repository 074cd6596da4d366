"""The slice of CloudWatch metric math the dashboard's widgets use, evaluated locally.

`SEARCH('{Namespace,Dim,...} MetricName="X" Dim="v" (Dim="a" OR Dim="b")', 'Stat', period)`,
`SUM(...)`, `FILL(x, value)`, numbers, ids of other queries, `+ - * /` and parentheses. The
local harness's CloudWatch evaluates none of it, so `rezctl dashboard` resolves a SEARCH with
ListMetrics and fetches plain MetricStats: the same numbers on AWS and on the harness.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from rezctl.metrics import MetricId

Points = dict[dt.datetime, float]


@dataclass(slots=True)
class Line:
    """One plotted series."""

    label: str
    points: Points = field(default_factory=dict)


Value = float | Line | list[Line]
Fetcher = Callable[[Sequence[tuple[MetricId, str]], int], list[Points]]
Lister = Callable[[str, str], list[MetricId]]


class MathError(ValueError):
    """An expression outside the supported slice."""


_TOKEN: Final = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<string>'(?:[^'\\]|\\.)*')|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>[-+*/(),]))"
)
_SCHEMA: Final = re.compile(r"^\s*\{([^}]*)\}")
_TERM: Final = re.compile(r'([A-Za-z][A-Za-z0-9_]*)\s*=\s*"([^"]*)"')


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed SEARCH: namespace, the exact dimension names, required terms, OR groups."""

    namespace: str
    dimension_names: frozenset[str]
    required: tuple[tuple[str, str], ...]
    any_of: tuple[tuple[tuple[str, str], ...], ...]

    @property
    def metric_name(self) -> str | None:
        return dict(self.required).get("MetricName")

    def matches(self, metric: MetricId) -> bool:
        dims = dict(metric.dimensions)
        if frozenset(dims) != self.dimension_names:
            return False
        values = {**dims, "MetricName": metric.name}
        if any(values.get(k) != v for k, v in self.required):
            return False
        return all(any(values.get(k) == v for k, v in group) for group in self.any_of)


def parse_search(text: str) -> SearchQuery:
    """Parse a SEARCH expression's query string (the subset the dashboard uses)."""
    schema = _SCHEMA.match(text)
    if not schema:
        raise MathError(f"SEARCH needs a {{Namespace,...}} schema: {text!r}")
    names = [part.strip() for part in schema.group(1).split(",") if part.strip()]
    rest = text[schema.end() :]
    groups: list[tuple[tuple[str, str], ...]] = []
    for group in re.findall(r"\(([^)]*)\)", rest):
        groups.append(tuple(_TERM.findall(group)))
    top = re.sub(r"\([^)]*\)", " ", rest)
    return SearchQuery(
        namespace=names[0],
        dimension_names=frozenset(names[1:]),
        required=tuple(_TERM.findall(top)),
        any_of=tuple(groups),
    )


def _tokens(text: str) -> list[tuple[str, str]]:
    position, found = 0, []
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            if text[position:].strip() == "":
                break
            raise MathError(f"cannot read {text[position:]!r}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


class Evaluator:
    """Evaluates one widget's expressions over already-fetched ids."""

    def __init__(
        self, ids: Mapping[str, Value], fetcher: Fetcher, lister: Lister, period: int
    ) -> None:
        self.ids = ids
        self.fetcher = fetcher
        self.lister = lister
        self.period = period
        self._tokens: list[tuple[str, str]] = []
        self._at = 0

    def evaluate(self, expression: str) -> Value:
        self._tokens, self._at = _tokens(expression), 0
        value = self._sum()
        if self._at != len(self._tokens):
            raise MathError(f"unexpected {self._tokens[self._at][1]!r} in {expression!r}")
        return value

    def _peek(self) -> str | None:
        return self._tokens[self._at][1] if self._at < len(self._tokens) else None

    def _next(self) -> tuple[str, str]:
        if self._at >= len(self._tokens):
            raise MathError("unexpected end of expression")
        token = self._tokens[self._at]
        self._at += 1
        return token

    def _expect(self, text: str) -> None:
        if self._next()[1] != text:
            raise MathError(f"expected {text!r}")

    def _sum(self) -> Value:
        value = self._product()
        while self._peek() in ("+", "-"):
            operator = self._next()[1]
            value = combine(value, self._product(), operator)
        return value

    def _product(self) -> Value:
        value = self._atom()
        while self._peek() in ("*", "/"):
            operator = self._next()[1]
            value = combine(value, self._atom(), operator)
        return value

    def _atom(self) -> Value:
        kind, text = self._next()
        if kind == "number":
            return float(text)
        if text == "(":
            value = self._sum()
            self._expect(")")
            return value
        if text == "-":
            return combine(0.0, self._atom(), "-")
        if kind == "name" and self._peek() == "(":
            return self._call(text.upper())
        if kind == "name" and text in self.ids:
            return self.ids[text]
        raise MathError(f"unknown name {text!r}")

    def _arguments(self) -> list[tuple[str, str] | Value]:
        self._expect("(")
        arguments: list[tuple[str, str] | Value] = []
        while self._peek() != ")":
            if self._tokens[self._at][0] == "string":
                arguments.append(self._next())
            else:
                arguments.append(self._sum())
            if self._peek() == ",":
                self._next()
        self._expect(")")
        return arguments

    def _call(self, name: str) -> Value:
        arguments = self._arguments()
        if name == "SEARCH":
            return self._search(arguments)
        if name == "SUM":
            return sum_lines(_as_lines(arguments[0]))
        if name == "FILL":
            return fill(arguments[0], arguments[1])
        raise MathError(f"function {name} is not supported")

    def _search(self, arguments: list[tuple[str, str] | Value]) -> list[Line]:
        texts = [a[1][1:-1] for a in arguments if isinstance(a, tuple)]
        numbers = [a for a in arguments if isinstance(a, float)]
        if len(texts) < 2:
            raise MathError("SEARCH needs a query and a statistic")
        query = parse_search(texts[0])
        period = int(numbers[0]) if numbers else self.period
        found = [
            metric
            for metric in self.lister(query.namespace, query.metric_name or "")
            if query.matches(metric)
        ]
        data = self.fetcher([(metric, texts[1]) for metric in found], period)
        return [
            Line(_search_label(metric, query), points)
            for metric, points in zip(found, data, strict=True)
        ]


def _search_label(metric: MetricId, query: SearchQuery) -> str:
    fixed = {k for k, _ in query.required}
    parts = [v for k, v in metric.dimensions if k not in fixed]
    return " ".join(parts) or metric.name


def _as_lines(value: tuple[str, str] | Value) -> list[Line]:
    if isinstance(value, list):
        return value
    if isinstance(value, Line):
        return [value]
    raise MathError("expected a metric or an array of metrics")


def sum_lines(lines: Sequence[Line]) -> Line:
    """Point-wise sum of several series (missing points count as absent, as CloudWatch)."""
    total: Points = {}
    for line in lines:
        for stamp, value in line.points.items():
            total[stamp] = total.get(stamp, 0.0) + value
    return Line("sum", total)


def fill(value: tuple[str, str] | Value, filler: tuple[str, str] | Value) -> Value:
    """FILL(x, n): mark x so that missing points combine as n."""
    if not isinstance(filler, float):
        raise MathError("FILL's second argument must be a number")
    if isinstance(value, Line):
        return _Filled(value.label, dict(value.points), filler)
    if isinstance(value, list):
        return [_Filled(line.label, dict(line.points), filler) for line in value]
    if isinstance(value, float):
        return value
    raise MathError("FILL needs a metric")


@dataclass(slots=True)
class _Filled(Line):
    filler: float = 0.0


def _at(line: Line, stamp: dt.datetime) -> float | None:
    if stamp in line.points:
        return line.points[stamp]
    return line.filler if isinstance(line, _Filled) else None


def _apply(left: float, right: float, operator: str) -> float | None:
    if operator == "+":
        return left + right
    if operator == "-":
        return left - right
    if operator == "*":
        return left * right
    return None if right == 0 else left / right


def _filler(value: Value) -> float | None:
    """What a missing point counts as: a number is itself, a FILLed series its filler."""
    if isinstance(value, float):
        return value
    return value.filler if isinstance(value, _Filled) else None


def _points_of(value: Value) -> Points:
    return value.points if isinstance(value, Line) else {}


def combine(left: Value, right: Value, operator: str) -> Value:
    """Arithmetic between numbers and series; a division by zero leaves the point out."""
    if isinstance(left, list) or isinstance(right, list):
        raise MathError("arithmetic on arrays of metrics is not supported")
    if isinstance(left, float) and isinstance(right, float):
        result = _apply(left, right, operator)
        return 0.0 if result is None else result
    stamps = sorted(
        {
            *(left.points if isinstance(left, Line) else {}),
            *(right.points if isinstance(right, Line) else {}),
        }
    )
    out: Line = Line("")
    left_fill, right_fill = _filler(left), _filler(right)
    if left_fill is not None and right_fill is not None:
        out = _Filled("", {}, _apply(left_fill, right_fill, operator) or 0.0)
    for stamp in stamps:
        a = left if isinstance(left, float) else _at(left, stamp)
        b = right if isinstance(right, float) else _at(right, stamp)
        if a is None or b is None:
            continue
        result = _apply(a, b, operator)
        if result is not None:
            out.points[stamp] = result
    return out
