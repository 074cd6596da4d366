"""CloudWatch metric math over the series of one GetMetricData request (or one alarm).

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html

A series is ``{period start: value}``. Arithmetic between two series keeps the timestamps both
have (``FILL`` exists for the others); with a number it applies to every value; comparisons give
1 or 0. Functions: ``ABS``, ``CEIL``, ``FLOOR``, ``FILL(x, value|REPEAT)``, ``IF(c, a[, b])``,
``SUM``/``AVG``/``MIN``/``MAX`` (of a series: one number; of an array: a series across them),
``METRICS(["prefix"])``, ``PERIOD``, ``DIFF``, ``RATE``. Anything else (``SEARCH``, anomaly
detection, ``INSIGHT_RULE_METRIC`` ...) is refused with the function's name: never a silently
wrong number.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

Series = dict[int, float]
Value = float | Series | list[Series]

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r'|(?P<str>"[^"]*"|\'[^\']*\')|(?P<op>>=|<=|==|!=|[-+*/^()<>,\[\]]))'
)
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


class MathError(ValueError):
    """An expression CloudWatch would refuse, or one the harness does not evaluate."""


@dataclass(frozen=True, slots=True)
class Context:
    """What an expression can see: the other queries' series by id, the request's timeline."""

    resolve: Callable[[str], Value]
    ids: Sequence[str]
    timeline: Sequence[int]
    period: int


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise MathError(f"Unexpected character at position {pos + 1} in '{text}'")
        kind = match.lastgroup or "op"
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str, context: Context) -> None:
        self.tokens = _tokens(text)
        self.at = 0
        self.context = context
        self.text = text

    # ---- token helpers
    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1].upper() != value):
            raise MathError(f"Syntax error in expression '{self.text}': expected {value or 'more'}")
        self.at += 1
        return token

    def accept(self, value: str) -> bool:
        token = self.peek()
        if token is not None and token[0] in ("op", "name") and token[1].upper() == value:
            self.at += 1
            return True
        return False

    # ---- grammar
    def parse(self) -> Value:
        value = self.logical()
        if self.peek() is not None:
            raise MathError(f"Syntax error in expression '{self.text}' near '{self.peek()[1]}'")  # type: ignore[index]
        return value

    def logical(self) -> Value:
        value = self.conjunction()
        while self.accept("OR"):
            value = _binary(value, self.conjunction(), lambda a, b: float(bool(a) or bool(b)))
        return value

    def conjunction(self) -> Value:
        value = self.comparison()
        while self.accept("AND"):
            value = _binary(value, self.comparison(), lambda a, b: float(bool(a) and bool(b)))
        return value

    def comparison(self) -> Value:
        value = self.additive()
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in _COMPARE:
            self.at += 1
            compare = _COMPARE[token[1]]
            value = _binary(value, self.additive(), lambda a, b: float(compare(a, b)))
        return value

    def additive(self) -> Value:
        value = self.multiplicative()
        while True:
            if self.accept("+"):
                value = _binary(value, self.multiplicative(), operator.add)
            elif self.accept("-"):
                value = _binary(value, self.multiplicative(), operator.sub)
            else:
                return value

    def multiplicative(self) -> Value:
        value = self.unary()
        while True:
            if self.accept("*"):
                value = _binary(value, self.unary(), operator.mul)
            elif self.accept("/"):
                value = _binary(value, self.unary(), _divide)
            else:
                return value

    def unary(self) -> Value:
        if self.accept("-"):
            return _unary(self.unary(), operator.neg)
        if self.accept("NOT"):
            return _unary(self.unary(), lambda v: float(not v))
        value = self.primary()
        if self.accept("^"):
            value = _binary(value, self.unary(), _power)
        return value

    def primary(self) -> Value:
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if kind == "op" and text == "(":
            value = self.logical()
            self.take(")")
            return value
        if kind == "op" and text == "[":
            items: list[Series] = []
            while not self.accept("]"):
                item = self.logical()
                items.extend(item if isinstance(item, list) else [_as_series(item, self.context)])
                self.accept(",")
            return items
        if kind == "name":
            if self.peek() == ("op", "("):
                self.at += 1
                args: list[Value | str] = []
                while not self.accept(")"):
                    token = self.peek()
                    if token is not None and token[0] == "str":
                        self.at += 1
                        args.append(token[1][1:-1])
                    elif (
                        token is not None
                        and token[0] == "name"
                        and token[1] in ("REPEAT", "LINEAR")
                    ):
                        self.at += 1
                        args.append(token[1])
                    else:
                        args.append(self.logical())
                    self.accept(",")
                return _call(text.upper(), args, self.context)
            return self.context.resolve(text)
        raise MathError(f"Syntax error in expression '{self.text}' near '{text}'")


def _as_series(value: Value, context: Context) -> Series:
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        raise MathError("An array of time series cannot be used here")
    return dict.fromkeys(context.timeline, float(value))


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError
    return a / b


def _power(a: float, b: float) -> float:
    result = a**b
    if isinstance(result, complex):
        raise ZeroDivisionError
    return float(result)


def _apply(fn: Callable[[float, float], float], a: float, b: float) -> float | None:
    try:
        result = fn(a, b)
    except (ZeroDivisionError, OverflowError):
        return None
    return None if math.isnan(result) or math.isinf(result) else result


def _binary(left: Value, right: Value, fn: Callable[[float, float], float]) -> Value:
    if isinstance(left, list):
        return [_binary(item, right, fn) for item in left]  # type: ignore[misc]
    if isinstance(right, list):
        return [_binary(left, item, fn) for item in right]  # type: ignore[misc]
    if isinstance(left, dict) and isinstance(right, dict):
        pairs = ((t, _apply(fn, left[t], right[t])) for t in left if t in right)
    elif isinstance(left, dict):
        pairs = ((t, _apply(fn, v, float(right))) for t, v in left.items())  # type: ignore[arg-type]
    elif isinstance(right, dict):
        pairs = ((t, _apply(fn, float(left), v)) for t, v in right.items())
    else:
        result = _apply(fn, float(left), float(right))
        if result is None:
            raise MathError("The expression divides by zero")
        return result
    return {t: v for t, v in pairs if v is not None}


def _unary(value: Value, fn: Callable[[float], float]) -> Value:
    if isinstance(value, list):
        return [_unary(item, fn) for item in value]  # type: ignore[misc]
    if isinstance(value, dict):
        return {t: fn(v) for t, v in value.items()}
    return fn(float(value))


def _aggregate(name: str, values: Sequence[float]) -> float | None:
    if not values:
        return None
    if name == "SUM":
        return float(sum(values))
    if name == "AVG":
        return float(sum(values)) / len(values)
    return float(min(values) if name == "MIN" else max(values))


def _call(name: str, args: list[Value | str], context: Context) -> Value:
    def arg(index: int) -> Value:
        if index >= len(args) or isinstance(args[index], str):
            raise MathError(f"{name} needs a metric or number as argument {index + 1}")
        return args[index]  # type: ignore[return-value]

    if name in ("ABS", "CEIL", "FLOOR"):
        rounding: dict[str, Callable[[float], float]] = {
            "ABS": abs,
            "CEIL": lambda v: float(math.ceil(v)),
            "FLOOR": lambda v: float(math.floor(v)),
        }
        return _unary(arg(0), rounding[name])
    if name in ("SUM", "AVG", "MIN", "MAX"):
        value = arg(0)
        if isinstance(value, list):
            stamps = sorted({t for series in value for t in series})
            out: Series = {}
            for t in stamps:
                found = _aggregate(name, [s[t] for s in value if t in s])
                if found is not None:
                    out[t] = found
            return out
        if isinstance(value, dict):
            found = _aggregate(name, list(value.values()))
            return {} if found is None else found
        return float(value)
    if name == "METRICS":
        prefix = str(args[0]) if args else ""
        picked = [i for i in context.ids if i.startswith(prefix)]
        return [_as_series(context.resolve(i), context) for i in picked]
    if name == "FILL":
        value, how = arg(0), args[1] if len(args) > 1 else None
        if how is None:
            raise MathError("FILL needs a value or REPEAT")

        def fill(series: Series) -> Series:
            out, last = {}, None
            for t in context.timeline:
                if t in series:
                    out[t] = last = series[t]
                elif how == "REPEAT":
                    if last is not None:
                        out[t] = last
                elif how == "LINEAR":
                    raise MathError("FILL(..., LINEAR) is not evaluated by this harness")
                else:
                    filler = how if not isinstance(how, dict) else how.get(t)
                    if isinstance(filler, (int, float)):
                        out[t] = float(filler)
            return out

        if isinstance(value, list):
            return [fill(s) for s in value]
        return fill(_as_series(value, context))
    if name == "IF":
        condition = _as_series(arg(0), context)
        then = arg(1)
        other = arg(2) if len(args) > 2 else None
        out = {}
        for t, c in condition.items():
            chosen = then if c else other
            if chosen is None:
                continue
            if isinstance(chosen, dict):
                if t in chosen:
                    out[t] = chosen[t]
            elif isinstance(chosen, list):
                raise MathError("IF does not take arrays")
            else:
                out[t] = float(chosen)
        return out
    if name == "PERIOD":
        return float(context.period)
    if name in ("DIFF", "RATE"):
        series = _as_series(arg(0), context)
        stamps = sorted(series)
        out = {}
        for before, now in itertools.pairwise(stamps):
            delta = series[now] - series[before]
            out[now] = delta if name == "DIFF" else delta / (now - before)
        return out
    raise MathError(f"Unsupported function {name}: this harness does not evaluate it")


def evaluate(expression: str, context: Context) -> Value:
    """The expression's value: a number, a series, or an array of series."""
    if not expression.strip():
        raise MathError("The expression is empty")
    return _Parser(expression, context).parse()


def as_series(value: Value, context: Context) -> list[Series]:
    """A result as the series GetMetricData returns (a number is the same at every period)."""
    if isinstance(value, list):
        return value
    return [_as_series(value, context)]


def referenced_ids(expression: str, ids: Mapping[str, object]) -> list[str]:
    """The ids an expression names (for dependency order and cycle checks)."""
    return [text for kind, text in _tokens(expression) if kind == "name" and text in ids]
