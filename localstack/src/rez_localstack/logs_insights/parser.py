"""Recursive-descent parser: query text to :class:`~rez_localstack.logs_insights.syntax.Query`.

Grammar (the subset evaluated here; keywords are case-insensitive)::

    query      := command ("|" command)*
    command    := fields | display | filter | stats | sort | limit | parse
    fields     := "fields" expr ["as" name] ("," expr ["as" name])*
    display    := "display" name ("," name)*
    filter     := "filter" expr
    stats      := "stats" call ["as" name] ("," ...)* ["by" expr ["as" name] ("," ...)*]
    sort       := "sort" name ["asc" | "desc"] ("," ...)*
    limit      := "limit" NUMBER
    parse      := "parse" [name] (STRING "as" name ("," name)* | REGEX)
    expr       := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := sum [("=" | "!=" | "<" | ">" | "<=" | ">=") sum
                      | ["not"] "like" (STRING | REGEX) | "=~" REGEX
                      | ["not"] "in" "[" expr ("," expr)* "]"]
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/" | "%") unary)*
    unary      := "-" unary | primary
    primary    := NUMBER | STRING | REGEX | DURATION | name ["(" args ")"] | "(" expr ")"
"""

import re

from rez_localstack.logs_insights import syntax as ast
from rez_localstack.logs_insights.errors import QuerySyntaxError, UnsupportedQueryError
from rez_localstack.logs_insights.functions import (
    AGGREGATES,
    GROUPING,
    SCALARS,
    UNSUPPORTED_COMMANDS,
)
from rez_localstack.logs_insights.tokens import Kind, Token, tokenize

_COMPARISONS = frozenset({"=", "==", "!=", "<", ">", "<=", ">="})
_DURATION_MS = {
    "ms": 1,
    "s": 1000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 7 * 86_400_000,
}
_NAMED_GROUP = re.compile(r"\(\?<([A-Za-z_][A-Za-z0-9_]*)>")


def parse_query(text: str) -> ast.Query:
    """Parse ``text``; raise ``QuerySyntaxError`` or ``UnsupportedQueryError``."""
    return _Parser(text).query()


class _Parser:
    """One pass over the tokens; each grammar rule is a method."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._tokens = tokenize(text)
        self._index = 0

    # ------------------------------------------------------------ token helpers

    def _peek(self, offset: int = 0) -> Token:
        return self._tokens[min(self._index + offset, len(self._tokens) - 1)]

    def _advance(self) -> Token:
        token = self._peek()
        self._index += 1
        return token

    def _is_keyword(self, word: str, offset: int = 0) -> bool:
        token = self._peek(offset)
        return token.kind is Kind.IDENT and token.text.lower() == word

    def _accept_keyword(self, word: str) -> bool:
        if self._is_keyword(word):
            self._index += 1
            return True
        return False

    def _expect(self, kind: Kind, what: str | None = None) -> Token:
        token = self._peek()
        if token.kind is not kind:
            raise QuerySyntaxError(
                f"expected {what or kind.value}, found {token.text or token.kind.value!r}",
                token.position,
            )
        return self._advance()

    def _expect_keyword(self, word: str) -> None:
        if not self._accept_keyword(word):
            token = self._peek()
            raise QuerySyntaxError(f"expected {word!r}", token.position)

    def _source_since(self, start: int) -> str:
        end = self._tokens[self._index - 1].end
        return self._text[start:end].strip()

    # ------------------------------------------------------------ commands

    def query(self) -> ast.Query:
        commands = [self._command()]
        while self._peek().kind is Kind.PIPE:
            self._advance()
            commands.append(self._command())
        self._expect(Kind.END, "'|' or the end of the query")
        return ast.Query(tuple(commands))

    def _command(self) -> ast.Command:
        token = self._expect(Kind.IDENT, "a command")
        word = token.text.lower()
        match word:
            case "fields":
                return ast.Fields(self._named_list())
            case "display":
                return ast.Display(tuple(self._field_name() for _ in self._comma_separated()))
            case "filter":
                return ast.Filter(self._expression())
            case "stats":
                return self._stats()
            case "sort":
                return ast.Sort(tuple(self._sort_key() for _ in self._comma_separated()))
            case "limit":
                return self._limit()
            case "parse":
                return self._parse_command()
        if word in UNSUPPORTED_COMMANDS:
            raise UnsupportedQueryError(f"the {word!r} command is not evaluated by the harness")
        raise QuerySyntaxError(f"unknown command {token.text!r}", token.position)

    def _comma_separated(self) -> "_CommaList":
        return _CommaList(self)

    def _named_list(self) -> tuple[ast.Named, ...]:
        return tuple(self._named() for _ in self._comma_separated())

    def _named(self) -> ast.Named:
        start = self._peek().position
        expression = self._expression()
        source = self._source_since(start)
        name = self._field_name() if self._accept_keyword("as") else source
        return ast.Named(expression, name)

    def _field_name(self) -> str:
        return self._expect(Kind.IDENT, "a field name").text

    def _stats(self) -> ast.Stats:
        aggregates = self._named_list()
        for named in aggregates:
            if not _contains_aggregate(named.expression):
                raise QuerySyntaxError(f"stats needs an aggregate function, got {named.name!r}")
        groups: tuple[ast.Named, ...] = ()
        if self._accept_keyword("by"):
            groups = self._named_list()
        return ast.Stats(aggregates, groups)

    def _sort_key(self) -> ast.SortKey:
        name = self._field_name()
        if self._accept_keyword("asc"):
            return ast.SortKey(name, descending=False)
        self._accept_keyword("desc")
        return ast.SortKey(name, descending=True)

    def _limit(self) -> ast.Limit:
        token = self._expect(Kind.NUMBER, "a row count")
        if "." in token.text or int(token.text) < 1:
            raise QuerySyntaxError("limit needs a positive whole number", token.position)
        return ast.Limit(int(token.text))

    def _parse_command(self) -> ast.Parse:
        source = "@message"
        if self._peek().kind is Kind.IDENT:
            source = self._advance().text
        token = self._advance()
        if token.kind is Kind.REGEX:
            return _regex_parse(source, token)
        if token.kind is not Kind.STRING:
            raise QuerySyntaxError('parse needs a "glob" or a /regex/ pattern', token.position)
        self._expect_keyword("as")
        names = tuple(self._field_name() for _ in self._comma_separated())
        return _glob_parse(source, token, names)

    # ------------------------------------------------------------ expressions

    def _expression(self) -> ast.Expression:
        left = self._and()
        while self._accept_keyword("or"):
            left = ast.Binary("or", left, self._and())
        return left

    def _and(self) -> ast.Expression:
        left = self._not()
        while self._accept_keyword("and"):
            left = ast.Binary("and", left, self._not())
        return left

    def _not(self) -> ast.Expression:
        if self._accept_keyword("not"):
            return ast.Unary("not", self._not())
        return self._comparison()

    def _comparison(self) -> ast.Expression:
        left = self._sum()
        token = self._peek()
        if token.kind is Kind.OP and token.text in _COMPARISONS:
            self._advance()
            operator = "=" if token.text == "==" else token.text
            return ast.Binary(operator, left, self._sum())
        if token.kind is Kind.OP and token.text == "=~":
            self._advance()
            return ast.Like(left, self._like_pattern(require_regex=True))
        negated = self._is_keyword("not") and (
            self._is_keyword("like", 1) or self._is_keyword("in", 1)
        )
        if negated:
            self._advance()
        if self._accept_keyword("like"):
            return ast.Like(left, self._like_pattern(require_regex=False), negated)
        if self._accept_keyword("in"):
            return ast.In(left, self._choices(), negated)
        return left

    def _like_pattern(self, *, require_regex: bool) -> ast.Expression:
        token = self._advance()
        if token.kind is Kind.REGEX:
            _compile(token.text, token.position)
            return ast.Regex(token.text)
        if token.kind is Kind.STRING and not require_regex:
            return ast.Literal(token.text)
        raise QuerySyntaxError("expected a string or a /regex/", token.position)

    def _choices(self) -> tuple[ast.Expression, ...]:
        self._expect(Kind.LBRACKET, "'['")
        choices = [self._sum()]
        while self._peek().kind is Kind.COMMA:
            self._advance()
            choices.append(self._sum())
        self._expect(Kind.RBRACKET, "']'")
        return tuple(choices)

    def _sum(self) -> ast.Expression:
        left = self._product()
        while self._peek().kind is Kind.OP and self._peek().text in ("+", "-"):
            operator = self._advance().text
            left = ast.Binary(operator, left, self._product())
        return left

    def _product(self) -> ast.Expression:
        left = self._unary()
        while self._peek().kind is Kind.OP and self._peek().text in ("*", "/", "%"):
            operator = self._advance().text
            left = ast.Binary(operator, left, self._unary())
        return left

    def _unary(self) -> ast.Expression:
        if self._peek().kind is Kind.OP and self._peek().text == "-":
            self._advance()
            return ast.Unary("-", self._unary())
        return self._primary()

    def _primary(self) -> ast.Expression:
        token = self._advance()
        match token.kind:
            case Kind.NUMBER:
                value = float(token.text) if "." in token.text else int(token.text)
                return ast.Literal(value)
            case Kind.STRING:
                return ast.Literal(token.text)
            case Kind.REGEX:
                _compile(token.text, token.position)
                return ast.Regex(token.text)
            case Kind.DURATION:
                return _duration(token)
            case Kind.LPAREN:
                inner = self._expression()
                self._expect(Kind.RPAREN, "')'")
                return inner
            case Kind.IDENT if self._peek().kind is Kind.LPAREN:
                return self._call(token)
            case Kind.IDENT:
                return ast.Field(token.text)
        raise QuerySyntaxError(
            f"expected a value, found {token.text or token.kind.value!r}", token.position
        )

    def _call(self, name_token: Token) -> ast.Call:
        name = name_token.text.lower()
        if name not in AGGREGATES | SCALARS | GROUPING:
            raise UnsupportedQueryError(f"the function {name_token.text!r} is not evaluated here")
        self._expect(Kind.LPAREN)
        if self._peek().kind is Kind.OP and self._peek().text == "*":
            self._advance()
            self._expect(Kind.RPAREN, "')'")
            if name != "count":
                raise QuerySyntaxError(f"{name}(*) is not valid", name_token.position)
            return ast.Call(name, (), star=True)
        args: list[ast.Expression] = []
        if self._peek().kind is not Kind.RPAREN:
            args.append(self._expression())
            while self._peek().kind is Kind.COMMA:
                self._advance()
                args.append(self._expression())
        self._expect(Kind.RPAREN, "')'")
        _check_arity(name, len(args), name_token.position)
        return ast.Call(name, tuple(args))


class _CommaList:
    """Iterates once, then once more for every comma: ``for _ in parser._comma_separated()``."""

    def __init__(self, parser: _Parser) -> None:
        self._parser = parser
        self._first = True

    def __iter__(self) -> "_CommaList":
        return self

    def __next__(self) -> None:
        if self._first:
            self._first = False
            return
        if self._parser._peek().kind is Kind.COMMA:
            self._parser._advance()
            return
        raise StopIteration


_ARITY = {
    "count": (0, 1),
    "count_distinct": (1, 1),
    "sum": (1, 1),
    "avg": (1, 1),
    "min": (1, 1),
    "max": (1, 1),
    "pct": (2, 2),
    "percentile": (2, 2),
    "earliest": (1, 1),
    "latest": (1, 1),
    "bin": (1, 1),
    "concat": (1, 100),
    "coalesce": (1, 100),
}


def _check_arity(name: str, count: int, position: int) -> None:
    low, high = _ARITY.get(name, (1, 1))
    if not low <= count <= high:
        raise QuerySyntaxError(f"{name}() takes {low}..{high} arguments, got {count}", position)


def _contains_aggregate(expression: ast.Expression) -> bool:
    match expression:
        case ast.Call(name=name) if name in AGGREGATES:
            return True
        case ast.Call(args=args):
            return any(_contains_aggregate(arg) for arg in args)
        case ast.Binary(left=left, right=right):
            return _contains_aggregate(left) or _contains_aggregate(right)
        case ast.Unary(operand=operand):
            return _contains_aggregate(operand)
    return False


def _duration(token: Token) -> ast.Duration:
    match = re.fullmatch(r"(\d+)([a-z]+)", token.text)
    if match is None or match.group(2) not in _DURATION_MS:
        raise UnsupportedQueryError(f"the duration {token.text!r} is not evaluated here")
    return ast.Duration(int(match.group(1)) * _DURATION_MS[match.group(2)], token.text)


def _compile(pattern: str, position: int) -> re.Pattern[str]:
    try:
        return re.compile(_NAMED_GROUP.sub(r"(?P<\1>", pattern))
    except re.error as error:
        raise QuerySyntaxError(f"invalid regular expression: {error}", position) from error


def _regex_parse(source: str, token: Token) -> ast.Parse:
    compiled = _compile(token.text, token.position)
    names = tuple(compiled.groupindex)
    if not names:
        raise QuerySyntaxError("a parse /regex/ needs named groups (?<name>...)", token.position)
    return ast.Parse(source, compiled.pattern, names, names)


def _glob_parse(source: str, token: Token, names: tuple[str, ...]) -> ast.Parse:
    pieces = token.text.split("*")
    if len(pieces) - 1 != len(names):
        raise QuerySyntaxError(
            f"the pattern has {len(pieces) - 1} '*' but {len(names)} names follow 'as'",
            token.position,
        )
    regex = re.escape(pieces[0])
    for index, piece in enumerate(pieces[1:]):
        last = index == len(pieces) - 2 and piece == ""
        regex += f"(?P<{_group_name(index)}>.*)" if last else f"(?P<{_group_name(index)}>.*?)"
        regex += re.escape(piece)
    groups = tuple(_group_name(index) for index in range(len(names)))
    return ast.Parse(source, regex, names, groups)


def _group_name(index: int) -> str:
    return f"g{index}"
