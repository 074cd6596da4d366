"""Evaluate one expression against one row (a dict of field values)."""

import math
import re
from collections.abc import Callable, Mapping
from functools import lru_cache

from rez_localstack.logs_insights import syntax as ast
from rez_localstack.logs_insights.errors import UnsupportedQueryError
from rez_localstack.logs_insights.functions import AGGREGATES
from rez_localstack.logs_insights.values import Timestamp, Value, as_number, as_text, truthy

type Row = Mapping[str, Value]


def evaluate(expression: ast.Expression, row: Row) -> Value:
    """The value of ``expression`` for ``row``; ``None`` when a field it needs is absent."""
    match expression:
        case ast.Literal(value=value):
            return value
        case ast.Field(name=name):
            return row.get(name)
        case ast.Unary(operator="not", operand=operand):
            return not truthy(evaluate(operand, row))
        case ast.Unary(operator="-", operand=operand):
            number = as_number(evaluate(operand, row))
            return None if number is None else _tidy(-number)
        case ast.Binary(operator="and", left=left, right=right):
            return truthy(evaluate(left, row)) and truthy(evaluate(right, row))
        case ast.Binary(operator="or", left=left, right=right):
            return truthy(evaluate(left, row)) or truthy(evaluate(right, row))
        case ast.Binary(operator=operator, left=left, right=right) if operator in _COMPARE:
            return compare(operator, evaluate(left, row), evaluate(right, row))
        case ast.Binary(operator=operator, left=left, right=right):
            return arithmetic(operator, evaluate(left, row), evaluate(right, row))
        case ast.Like(operand=operand, pattern=pattern, negated=negated):
            return _like(evaluate(operand, row), pattern) != negated
        case ast.In(operand=operand, choices=choices, negated=negated):
            subject = evaluate(operand, row)
            found = subject is not None and any(
                compare("=", subject, evaluate(choice, row)) for choice in choices
            )
            return found != negated
        case ast.Call(name="bin", args=(ast.Duration(milliseconds=width),)):
            stamp = row.get("@timestamp")
            return None if stamp is None else Timestamp(int(stamp) // width * width)
        case ast.Call(name="bin"):
            raise UnsupportedQueryError("bin() takes a duration such as 5m")
        case ast.Call(name=name) if name in AGGREGATES:
            raise UnsupportedQueryError(f"{name}() is an aggregate: use it in stats")
        case ast.Call(name=name, args=args):
            return _SCALARS[name]([evaluate(arg, row) for arg in args], args, row)
        case ast.Regex() | ast.Duration():
            raise UnsupportedQueryError("a /regex/ or a duration is not a value here")
    raise UnsupportedQueryError(f"cannot evaluate {expression!r}")


_COMPARE = frozenset({"=", "!=", "<", ">", "<=", ">="})


def compare(operator: str, left: Value, right: Value) -> bool:
    """Compare as numbers when both read as numbers, else as strings; absent is never equal."""
    if left is None or right is None:
        return False
    left_number, right_number = as_number(left), as_number(right)
    if left_number is not None and right_number is not None:
        return _apply(operator, left_number, right_number)
    return _apply(operator, as_text(left), as_text(right))


def _apply[T: (float, str)](operator: str, left: T, right: T) -> bool:
    match operator:
        case "=":
            return left == right
        case "!=":
            return left != right
        case "<":
            return left < right
        case ">":
            return left > right
        case "<=":
            return left <= right
        case ">=":
            return left >= right
    raise UnsupportedQueryError(f"unknown comparison {operator}")


def arithmetic(operator: str, left: Value, right: Value) -> Value:
    """``+ - * / %`` on numbers; ``None`` when either side is not a number or on division by 0."""
    a, b = as_number(left), as_number(right)
    if a is None or b is None:
        return None
    match operator:
        case "+":
            return _tidy(a + b)
        case "-":
            return _tidy(a - b)
        case "*":
            return _tidy(a * b)
        case "/":
            return None if b == 0 else _tidy(a / b)
        case "%":
            return None if b == 0 else _tidy(math.fmod(a, b))
    raise UnsupportedQueryError(f"the operator {operator!r} is not evaluated here")


def _tidy(number: float) -> int | float:
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _like(value: Value, pattern: ast.Expression) -> bool:
    if value is None:
        return False
    text = as_text(value)
    match pattern:
        case ast.Regex(pattern=regex):
            return compiled(regex).search(text) is not None
        case ast.Literal(value=literal):
            return as_text(literal) in text
    raise UnsupportedQueryError("like needs a string or a /regex/")


@lru_cache(maxsize=256)
def compiled(pattern: str) -> re.Pattern[str]:
    """Compile a query regex once (``(?<name>...)`` groups become Python's ``(?P<name>...)``)."""
    return re.compile(re.sub(r"\(\?<([A-Za-z_][A-Za-z0-9_]*)>", r"(?P<\1>", pattern))


# ---------------------------------------------------------------- scalar functions

type _Scalar = Callable[[list[Value], tuple[ast.Expression, ...], Row], Value]


def _text_function(transform: Callable[[str], Value]) -> _Scalar:
    def apply(values: list[Value], _args: tuple[ast.Expression, ...], _row: Row) -> Value:
        return None if values[0] is None else transform(as_text(values[0]))

    return apply


def _number_function(transform: Callable[[float], float]) -> _Scalar:
    def apply(values: list[Value], _args: tuple[ast.Expression, ...], _row: Row) -> Value:
        number = as_number(values[0])
        return None if number is None else _tidy(float(transform(number)))

    return apply


def _concat(values: list[Value], _args: tuple[ast.Expression, ...], _row: Row) -> Value:
    return "".join(as_text(value) for value in values if value is not None)


def _coalesce(values: list[Value], _args: tuple[ast.Expression, ...], _row: Row) -> Value:
    return next((value for value in values if value is not None), None)


def _ispresent(values: list[Value], _args: tuple[ast.Expression, ...], _row: Row) -> Value:
    return values[0] is not None


def _isempty(values: list[Value], _args: tuple[ast.Expression, ...], _row: Row) -> Value:
    return values[0] is None or as_text(values[0]) == ""


def _isblank(values: list[Value], _args: tuple[ast.Expression, ...], _row: Row) -> Value:
    return values[0] is None or as_text(values[0]).strip() == ""


_SCALARS: dict[str, _Scalar] = {
    "strlen": _text_function(len),
    "toupper": _text_function(str.upper),
    "tolower": _text_function(str.lower),
    "trim": _text_function(str.strip),
    "ltrim": _text_function(str.lstrip),
    "rtrim": _text_function(str.rstrip),
    "abs": _number_function(abs),
    "ceil": _number_function(math.ceil),
    "floor": _number_function(math.floor),
    "concat": _concat,
    "coalesce": _coalesce,
    "ispresent": _ispresent,
    "isempty": _isempty,
    "isblank": _isblank,
}
