"""Aggregate expressions of ``stats``, evaluated over the rows of one group."""

import math
from collections.abc import Sequence

from rez_localstack.logs_insights import syntax as ast
from rez_localstack.logs_insights.errors import UnsupportedQueryError
from rez_localstack.logs_insights.expressions import Row, arithmetic, evaluate
from rez_localstack.logs_insights.functions import AGGREGATES
from rez_localstack.logs_insights.values import Timestamp, Value, as_number, render

_ARITHMETIC = frozenset({"+", "-", "*", "/", "%"})


def aggregate(expression: ast.Expression, rows: Sequence[Row]) -> Value:
    """The value of an aggregate expression (``avg(x)``, ``sum(a) / count()``) over ``rows``."""
    match expression:
        case ast.Call(name=name, args=args, star=star) if name in AGGREGATES:
            return _aggregate_call(name, args, star, rows)
        case ast.Literal(value=value):
            return value
        case ast.Binary(operator=operator, left=left, right=right) if operator in _ARITHMETIC:
            return arithmetic(operator, aggregate(left, rows), aggregate(right, rows))
        case ast.Unary(operator="-", operand=operand):
            return arithmetic("-", 0, aggregate(operand, rows))
    raise UnsupportedQueryError("stats expressions must combine aggregate functions")


def _aggregate_call(
    name: str, args: tuple[ast.Expression, ...], star: bool, rows: Sequence[Row]
) -> Value:
    if name == "count" and (star or not args):
        return len(rows)
    values = [value for row in rows if (value := evaluate(args[0], row)) is not None]
    match name:
        case "count":
            return len(values)
        case "count_distinct":
            return len({render(value) for value in values})
        case "earliest" | "latest":
            return _by_time(name, args[0], rows)
    numbers = [number for value in values if (number := as_number(value)) is not None]
    if not numbers:
        return None
    keeps_time = all(isinstance(value, Timestamp) for value in values)
    match name:
        case "sum":
            return _tidy(math.fsum(numbers))
        case "avg":
            return _tidy(math.fsum(numbers) / len(numbers))
        case "min":
            return _time_or_number(min(numbers), keeps_time)
        case "max":
            return _time_or_number(max(numbers), keeps_time)
        case "pct" | "percentile":
            return _time_or_number(_percentile(numbers, args[1], rows), keeps_time)
    raise UnsupportedQueryError(f"the aggregate {name}() is not evaluated here")


def _percentile(
    numbers: list[float], rank_expression: ast.Expression, rows: Sequence[Row]
) -> float:
    """Nearest-rank percentile (AWS approximates; over a few thousand events this is exact)."""
    rank = as_number(evaluate(rank_expression, rows[0] if rows else {}))
    if rank is None or not 0 <= rank <= 100:
        raise UnsupportedQueryError("pct() needs a percentile between 0 and 100")
    ordered = sorted(numbers)
    index = max(0, math.ceil(rank / 100 * len(ordered)) - 1)
    return ordered[index]


def _by_time(name: str, argument: ast.Expression, rows: Sequence[Row]) -> Value:
    timed = [
        (int(stamp), value)
        for row in rows
        if (value := evaluate(argument, row)) is not None
        and (stamp := row.get("@timestamp")) is not None
    ]
    if not timed:
        return None
    pick = min if name == "earliest" else max
    return pick(timed, key=lambda pair: pair[0])[1]


def _time_or_number(number: float, keeps_time: bool) -> Value:
    return Timestamp(int(number)) if keeps_time else _tidy(number)


def _tidy(number: float) -> int | float:
    return int(number) if number.is_integer() and abs(number) < 2**53 else number
