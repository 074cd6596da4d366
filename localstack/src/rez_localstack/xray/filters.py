"""X-Ray filter expressions for ``GetTraceSummaries`` (developer guide, "Use filter
expressions", https://docs.aws.amazon.com/xray/latest/devguide/xray-console-filters.html).

Served here:

- boolean keywords ``ok``, ``error``, ``fault``, ``throttle`` (alone, negated with ``!``, or
  compared with ``= true|false``): any segment of the trace has that flag (``ok``: none has any);
- numbers ``responsetime`` (the root segment's duration) and ``duration`` (first start to last
  end) and ``http.status``, compared with ``= != < <= > >=``;
- strings ``http.url``, ``http.method``, ``http.useragent``, ``http.clientip``, compared with
  ``= != CONTAINS BEGINSWITH ENDSWITH``;
- ``annotation.<key>`` compared with a string, a number or ``true|false`` (the comparisons of
  that type), or alone (the annotation is present);
- ``service("name")``, ``service()`` and ``service(id(name: "…", type: "…"))``: a node of the
  trace has that name (and type);
- ``AND`` / ``&&``, ``OR`` / ``||``, ``!``, parentheses.

A malformed expression raises ``FilterSyntaxError`` (X-Ray answers ``InvalidRequestException``);
valid X-Ray syntax the harness does not evaluate (``edge(...)``, ``user``, ``group``, ``rootcause``
and other complex keywords, ``json(...)``, ``partial``…) raises ``UnsupportedFilterError``: never
a silently wrong answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rez_localstack.xray.summaries import TraceFacts


class FilterSyntaxError(ValueError):
    """A malformed filter expression."""


class UnsupportedFilterError(ValueError):
    """Valid X-Ray syntax the harness does not evaluate."""


Predicate = Callable[[TraceFacts], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>&&|\|\||!=|<=|>=|=|<|>|!|\(|\)|,|:|\{|\})
      | (?P<word>[A-Za-z_][A-Za-z0-9_.\-]*)
    )""",
    re.VERBOSE,
)
_BOOLEAN_KEYWORDS = ("ok", "error", "fault", "throttle")
_NUMBER_KEYWORDS = ("responsetime", "duration", "http.status")
_STRING_KEYWORDS = ("http.url", "http.method", "http.useragent", "http.clientip")
_UNSUPPORTED = (
    "edge",
    "user",
    "group",
    "id",
    "partial",
    "json",
    "rootcause",
    "fault.rootcause",
    "error.rootcause",
    "responsetime.rootcause",
    "groupname",
    "groupby",
    "inferred",
)
_NUMBER_OPS = ("=", "!=", "<", "<=", ">", ">=")
_STRING_OPS = ("=", "!=", "CONTAINS", "BEGINSWITH", "ENDSWITH")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    position: int


def tokenize(expression: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    length = len(expression)
    while position < length:
        if expression[position:].strip() == "":
            break
        match = _TOKEN.match(expression, position)
        if match is None or match.end() == position:
            raise FilterSyntaxError(
                f"unexpected character at {position}: {expression[position : position + 10]!r}"
            )
        kind = match.lastgroup or ""
        tokens.append(Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


def parse(expression: str) -> Predicate:
    """A predicate over a trace's facts; an empty expression accepts every trace."""
    if not expression.strip():
        return lambda facts: True
    parser = _Parser(tokenize(expression))
    predicate = parser.expression()
    if not parser.at_end():
        token = parser.peek()
        raise FilterSyntaxError(f"unexpected {token.text!r} at {token.position}")
    return predicate


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def at_end(self) -> bool:
        return self.index >= len(self.tokens)

    def peek(self) -> Token:
        if self.at_end():
            raise FilterSyntaxError("unexpected end of expression")
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.peek()
        self.index += 1
        return token

    def accept(self, *texts: str) -> Token | None:
        if not self.at_end():
            token = self.tokens[self.index]
            if token.kind in ("op", "word") and token.text.upper() in texts:
                self.index += 1
                return token
        return None

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise FilterSyntaxError(f"expected {text!r} at {token.position}, got {token.text!r}")

    # expression := and (OR and)*
    def expression(self) -> Predicate:
        left = self.conjunction()
        while self.accept("OR", "||"):
            right = self.conjunction()
            left = _or(left, right)
        return left

    def conjunction(self) -> Predicate:
        left = self.negation()
        while self.accept("AND", "&&"):
            right = self.negation()
            left = _and(left, right)
        return left

    def negation(self) -> Predicate:
        if self.accept("!"):
            inner = self.negation()
            return lambda facts: not inner(facts)
        return self.primary()

    def primary(self) -> Predicate:
        token = self.take()
        if token.kind == "op" and token.text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if token.kind != "word":
            raise FilterSyntaxError(f"unexpected {token.text!r} at {token.position}")
        word = token.text.lower()
        if word == "service":
            return self.service()
        if word.startswith("annotation."):
            return self.annotation(token.text[len("annotation.") :])
        if word in _BOOLEAN_KEYWORDS:
            return self.boolean(word)
        if word in _NUMBER_KEYWORDS:
            return self.number(word)
        if word in _STRING_KEYWORDS:
            return self.string(word)
        if word in _UNSUPPORTED or word.split(".")[0] in _UNSUPPORTED:
            raise UnsupportedFilterError(
                f"filter keyword {token.text!r} is valid X-Ray syntax the local X-Ray does not "
                "evaluate"
            )
        raise FilterSyntaxError(f"unknown keyword {token.text!r} at {token.position}")

    def boolean(self, word: str) -> Predicate:
        wanted = True
        if self.accept("=", "!="):
            negate = self.tokens[self.index - 1].text == "!="
            value = self.take()
            if value.text.lower() not in ("true", "false"):
                raise FilterSyntaxError(f"{word} compares with true or false, not {value.text!r}")
            wanted = (value.text.lower() == "true") != negate
        return lambda facts: facts.flag(word) == wanted

    def _operator(self, allowed: tuple[str, ...], what: str) -> str:
        token = self.take()
        operator = token.text.upper()
        if operator not in allowed:
            raise FilterSyntaxError(
                f"{what} takes one of {', '.join(allowed)}, not {token.text!r} at {token.position}"
            )
        return operator

    def number(self, word: str) -> Predicate:
        operator = self._operator(_NUMBER_OPS, word)
        value = self.take()
        if value.kind != "number":
            raise FilterSyntaxError(f"{word} compares with a number, not {value.text!r}")
        number = float(value.text)
        return lambda facts: _compare(facts.number(word), operator, number)

    def string(self, word: str) -> Predicate:
        operator = self._operator(_STRING_OPS, word)
        value = self.take()
        if value.kind != "string":
            raise FilterSyntaxError(f"{word} compares with a quoted string, not {value.text!r}")
        text = _unquote(value.text)
        return lambda facts: any(_compare(s, operator, text) for s in facts.strings(word))

    def annotation(self, key: str) -> Predicate:
        if not key:
            raise FilterSyntaxError("annotation. needs a key")
        if self.at_end() or self.peek().text.upper() not in (*_NUMBER_OPS, *_STRING_OPS):
            return lambda facts: bool(facts.annotation(key))
        operator = self.take().text.upper()
        value = self.take()
        expected: Any
        if value.kind == "string":
            if operator not in _STRING_OPS:
                raise FilterSyntaxError(f"{operator} does not compare strings")
            expected = _unquote(value.text)
        elif value.kind == "number":
            if operator not in _NUMBER_OPS:
                raise FilterSyntaxError(f"{operator} does not compare numbers")
            expected = float(value.text)
        elif value.text.lower() in ("true", "false"):
            if operator not in ("=", "!="):
                raise FilterSyntaxError(f"{operator} does not compare booleans")
            expected = value.text.lower() == "true"
        else:
            raise FilterSyntaxError(f"unexpected {value.text!r} at {value.position}")

        def matches(facts: TraceFacts) -> bool:
            values = facts.annotation(key)
            if operator == "!=":
                return bool(values) and all(not _equal(v, expected) for v in values)
            return any(_typed_compare(v, operator, expected) for v in values)

        return matches

    def service(self) -> Predicate:
        self.expect("(")
        if self.accept(")"):
            return lambda facts: bool(facts.services)
        token = self.take()
        name: str | None
        kind: str | None
        if token.kind == "string":
            name, kind = _unquote(token.text), None
        elif token.kind == "word" and token.text == "id":
            name, kind = self.service_id()
        else:
            raise FilterSyntaxError(f"service() takes a quoted name or id(...), not {token.text!r}")
        self.expect(")")
        return lambda facts: any(
            (name is None or n == name) and (kind is None or t == kind) for n, t in facts.services
        )

    def service_id(self) -> tuple[str | None, str | None]:
        self.expect("(")
        fields: dict[str, str] = {}
        while not self.accept(")"):
            key = self.take()
            if key.text not in ("name", "type", "account.id"):
                raise FilterSyntaxError(f"id() has no field {key.text!r}")
            if key.text == "account.id":
                raise UnsupportedFilterError("id(account.id: ...) is not evaluated locally")
            self.expect(":")
            value = self.take()
            if value.kind != "string":
                raise FilterSyntaxError(f"id({key.text}: ...) takes a quoted string")
            fields[key.text] = _unquote(value.text)
            self.accept(",")
        if not fields:
            raise FilterSyntaxError("id() needs name or type")
        return fields.get("name"), fields.get("type")


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _and(left: Predicate, right: Predicate) -> Predicate:
    return lambda facts: left(facts) and right(facts)


def _or(left: Predicate, right: Predicate) -> Predicate:
    return lambda facts: left(facts) or right(facts)


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, float) and isinstance(actual, int | float):
        return float(actual) == expected
    return bool(actual == expected)


def _typed_compare(actual: Any, operator: str, expected: Any) -> bool:
    if isinstance(expected, bool):
        return _equal(actual, expected)
    if isinstance(expected, float):
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return False
        return _compare(float(actual), operator, expected)
    return isinstance(actual, str) and _compare(actual, operator, expected)


def _compare(actual: Any, operator: str, expected: Any) -> bool:
    if actual is None:
        return False
    if operator == "=":
        return bool(actual == expected)
    if operator == "!=":
        return bool(actual != expected)
    if operator == "<":
        return bool(actual < expected)
    if operator == "<=":
        return bool(actual <= expected)
    if operator == ">":
        return bool(actual > expected)
    if operator == ">=":
        return bool(actual >= expected)
    if operator == "CONTAINS":
        return expected in actual
    if operator == "BEGINSWITH":
        return bool(actual.startswith(expected))
    if operator == "ENDSWITH":
        return bool(actual.endswith(expected))
    raise FilterSyntaxError(f"unknown operator {operator}")
