"""Tokenizer for the Logs Insights query language.

A ``/`` starts a regular expression where an operand is expected and divides elsewhere, as in the
AWS language (``like /timeout/`` but ``bytes / 1024``).
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from rez_localstack.logs_insights.errors import QuerySyntaxError


class Kind(StrEnum):
    """Token kinds."""

    IDENT = "identifier"
    NUMBER = "number"
    DURATION = "duration"
    STRING = "string"
    REGEX = "regex"
    OP = "operator"
    PIPE = "|"
    COMMA = ","
    LPAREN = "("
    RPAREN = ")"
    LBRACKET = "["
    RBRACKET = "]"
    END = "end of query"


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical unit and where it starts in the query text."""

    kind: Kind
    text: str
    position: int
    end: int


DURATION_UNITS = ("ms", "s", "m", "h", "d", "w", "mo", "q", "y")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_UNIT = re.compile(r"(?:ms|mo|s|m|h|d|w|q|y)(?![A-Za-z0-9_])")
_IDENT = re.compile(r"[@A-Za-z_$][A-Za-z0-9_.@$]*")
_OPERATORS = ("!=", "<=", ">=", "=~", "==", "=", "<", ">", "+", "-", "*", "/", "%", "^")
_PUNCTUATION = {
    "|": Kind.PIPE,
    ",": Kind.COMMA,
    "(": Kind.LPAREN,
    ")": Kind.RPAREN,
    "[": Kind.LBRACKET,
    "]": Kind.RBRACKET,
}
_OPERAND_ENDS = (Kind.IDENT, Kind.NUMBER, Kind.DURATION, Kind.STRING, Kind.REGEX, Kind.RPAREN)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``END`` token."""
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
            continue
        if char == "#":
            index = _skip_comment(text, index)
            continue
        token, index = _next_token(text, index, _regex_may_start(tokens))
        tokens.append(token)
    tokens.append(Token(Kind.END, "", len(text), len(text)))
    return tokens


def _skip_comment(text: str, index: int) -> int:
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


_KEYWORDS_BEFORE_OPERAND = frozenset(
    {"like", "parse", "filter", "and", "or", "not", "in", "fields", "display", "stats", "by"}
)


def _regex_may_start(tokens: list[Token]) -> bool:
    """Whether a ``/`` opens a regex: an operand is expected, or it follows ``parse <field>``."""
    if not tokens:
        return True
    previous = tokens[-1]
    if previous.kind is Kind.IDENT:
        if previous.text.lower() in _KEYWORDS_BEFORE_OPERAND:
            return True
        return len(tokens) >= 2 and tokens[-2].text.lower() == "parse"
    return previous.kind not in _OPERAND_ENDS


def _next_token(text: str, index: int, regex_may_start: bool) -> tuple[Token, int]:
    char = text[index]
    if char in _PUNCTUATION:
        return Token(_PUNCTUATION[char], char, index, index + 1), index + 1
    if char in "\"'":
        return _read_string(text, index)
    if char == "`":
        return _read_backquoted(text, index)
    if char == "/" and regex_may_start:
        return _read_regex(text, index)
    if char.isdigit():
        return _read_number(text, index)
    if match := _IDENT.match(text, index):
        return Token(Kind.IDENT, match.group(), index, match.end()), match.end()
    for operator in _OPERATORS:
        if text.startswith(operator, index):
            end = index + len(operator)
            return Token(Kind.OP, operator, index, end), end
    raise QuerySyntaxError(f"unexpected character {char!r}", index)


def _read_number(text: str, index: int) -> tuple[Token, int]:
    match = _NUMBER.match(text, index)
    assert match is not None
    end = match.end()
    if unit := _UNIT.match(text, end):
        return Token(Kind.DURATION, text[index : unit.end()], index, unit.end()), unit.end()
    return Token(Kind.NUMBER, match.group(), index, end), end


def _read_string(text: str, index: int) -> tuple[Token, int]:
    quote = text[index]
    chars: list[str] = []
    position = index + 1
    while position < len(text):
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            chars.append(_unescape(text[position + 1]))
            position += 2
            continue
        if char == quote:
            return Token(Kind.STRING, "".join(chars), index, position + 1), position + 1
        chars.append(char)
        position += 1
    raise QuerySyntaxError("unterminated string", index)


def _unescape(char: str) -> str:
    return {"n": "\n", "t": "\t", "r": "\r"}.get(char, char)


def _read_backquoted(text: str, index: int) -> tuple[Token, int]:
    end = text.find("`", index + 1)
    if end < 0:
        raise QuerySyntaxError("unterminated backquoted field name", index)
    return Token(Kind.IDENT, text[index + 1 : end], index, end + 1), end + 1


def _read_regex(text: str, index: int) -> tuple[Token, int]:
    position = index + 1
    while position < len(text):
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            position += 2
            continue
        if char == "/":
            return Token(Kind.REGEX, text[index + 1 : position], index, position + 1), position + 1
        position += 1
    raise QuerySyntaxError("unterminated regular expression", index)
