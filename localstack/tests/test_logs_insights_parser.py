"""The Logs Insights tokenizer and recursive-descent parser, on their own."""

from __future__ import annotations

import pytest

from rez_localstack.logs_insights import QuerySyntaxError, UnsupportedQueryError, parse_query
from rez_localstack.logs_insights import syntax as ast
from rez_localstack.logs_insights.tokens import Kind, tokenize


def kinds(text: str) -> list[tuple[Kind, str]]:
    return [(token.kind, token.text) for token in tokenize(text)][:-1]


# ---------------------------------------------------------------- tokenizer


def test_tokenizer_reads_fields_strings_numbers_and_operators() -> None:
    assert kinds('filter @message like "a \\"b\\"" and x >= 1.5') == [
        (Kind.IDENT, "filter"),
        (Kind.IDENT, "@message"),
        (Kind.IDENT, "like"),
        (Kind.STRING, 'a "b"'),
        (Kind.IDENT, "and"),
        (Kind.IDENT, "x"),
        (Kind.OP, ">="),
        (Kind.NUMBER, "1.5"),
    ]


def test_tokenizer_tells_a_regex_from_a_division() -> None:
    assert kinds("filter x like /a\\/b/")[-1] == (Kind.REGEX, "a\\/b")
    assert kinds("fields bytes / 1024") == [
        (Kind.IDENT, "fields"),
        (Kind.IDENT, "bytes"),
        (Kind.OP, "/"),
        (Kind.NUMBER, "1024"),
    ]
    assert kinds("parse @message /(?<x>\\d+)/")[-1] == (Kind.REGEX, "(?<x>\\d+)")


def test_tokenizer_reads_durations_backquoted_names_and_skips_comments() -> None:
    assert kinds("stats count() by bin(5m) # per five minutes\n| sort `my field`") == [
        (Kind.IDENT, "stats"),
        (Kind.IDENT, "count"),
        (Kind.LPAREN, "("),
        (Kind.RPAREN, ")"),
        (Kind.IDENT, "by"),
        (Kind.IDENT, "bin"),
        (Kind.LPAREN, "("),
        (Kind.DURATION, "5m"),
        (Kind.RPAREN, ")"),
        (Kind.PIPE, "|"),
        (Kind.IDENT, "sort"),
        (Kind.IDENT, "my field"),
    ]


@pytest.mark.parametrize(
    "text", ['filter x = "open', "filter x like /open", "fields `open", "fields a ; b"]
)
def test_tokenizer_rejects_unterminated_or_unknown_input(text: str) -> None:
    with pytest.raises(QuerySyntaxError):
        tokenize(text)


# ---------------------------------------------------------------- parser


def test_saved_query_1_parses_into_fields_filter_sort() -> None:
    query = parse_query(
        "fields @timestamp, @message, level, message_id, correlation_id\n"
        '| filter correlation_id = "660e9500-f39c-52e5-b827-557766551111"\n'
        "| sort @timestamp asc"
    )
    fields, filter_, sort = query.commands
    assert isinstance(fields, ast.Fields)
    assert [named.name for named in fields.columns] == [
        "@timestamp",
        "@message",
        "level",
        "message_id",
        "correlation_id",
    ]
    assert filter_ == ast.Filter(
        ast.Binary(
            "=", ast.Field("correlation_id"), ast.Literal("660e9500-f39c-52e5-b827-557766551111")
        )
    )
    assert sort == ast.Sort((ast.SortKey("@timestamp", descending=False),))


def test_stats_with_aliases_and_by_groups() -> None:
    query = parse_query(
        "stats count() as error_count, pct(latency, 95) by message_id, bin(5m) as slot"
    )
    (stats,) = query.commands
    assert isinstance(stats, ast.Stats)
    assert [a.name for a in stats.aggregates] == ["error_count", "pct(latency, 95)"]
    assert stats.aggregates[1].expression == ast.Call(
        "pct", (ast.Field("latency"), ast.Literal(95))
    )
    assert [g.name for g in stats.groups] == ["message_id", "slot"]
    assert stats.groups[1].expression == ast.Call("bin", (ast.Duration(300_000, "5m"),))


def test_boolean_precedence_not_binds_tighter_than_and_than_or() -> None:
    (filter_,) = parse_query("filter a = 1 or not b = 2 and c = 3").commands
    assert isinstance(filter_, ast.Filter)
    assert filter_.condition == ast.Binary(
        "or",
        ast.Binary("=", ast.Field("a"), ast.Literal(1)),
        ast.Binary(
            "and",
            ast.Unary("not", ast.Binary("=", ast.Field("b"), ast.Literal(2))),
            ast.Binary("=", ast.Field("c"), ast.Literal(3)),
        ),
    )


def test_arithmetic_precedence_and_parentheses() -> None:
    (fields,) = parse_query("fields (a + b) * 2 - c / 4 as x").commands
    assert isinstance(fields, ast.Fields)
    assert fields.columns[0] == ast.Named(
        ast.Binary(
            "-",
            ast.Binary("*", ast.Binary("+", ast.Field("a"), ast.Field("b")), ast.Literal(2)),
            ast.Binary("/", ast.Field("c"), ast.Literal(4)),
        ),
        "x",
    )


def test_like_in_and_their_negations() -> None:
    (filter_,) = parse_query(
        'filter msg not like /x+/ and level in ["ERROR", "WARN"] and code not in [1] and m =~ /y/'
    ).commands
    assert isinstance(filter_, ast.Filter)
    rendered = repr(filter_.condition)
    assert "Like(operand=Field(name='msg'), pattern=Regex(pattern='x+'), negated=True)" in rendered
    assert (
        "In(operand=Field(name='level'), "
        "choices=(Literal(value='ERROR'), Literal(value='WARN')), negated=False)" in rendered
    )
    assert "In(operand=Field(name='code'), choices=(Literal(value=1),), negated=True)" in rendered
    assert "Like(operand=Field(name='m'), pattern=Regex(pattern='y'), negated=False)" in rendered


def test_parse_with_glob_and_with_named_regex_groups() -> None:
    glob, regex = parse_query(
        'parse @message "user=* action=*" as user, action | parse detail /id=(?<ident>\\d+)/'
    ).commands
    assert isinstance(glob, ast.Parse) and isinstance(regex, ast.Parse)
    assert (glob.source, glob.names) == ("@message", ("user", "action"))
    assert (regex.source, regex.names, regex.groups) == ("detail", ("ident",), ("ident",))


def test_sort_defaults_to_descending_and_limit_reads_a_count() -> None:
    sort, limit = parse_query("sort a, b asc | limit 20").commands
    assert sort == ast.Sort((ast.SortKey("a", True), ast.SortKey("b", False)))
    assert limit == ast.Limit(20)


def test_unaliased_columns_keep_their_source_text() -> None:
    (stats,) = parse_query("stats  avg( duration_ms ) ,count(*)").commands
    assert isinstance(stats, ast.Stats)
    assert [a.name for a in stats.aggregates] == ["avg( duration_ms )", "count(*)"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "fields",
        "fields a,",
        "filter",
        "filter a = ",
        "stats avg(x) by",
        "stats x",
        "sort",
        "limit 0",
        "limit 2.5",
        "fields a | | fields b",
        "select a",
        'parse @message "a * b *" as only_one',
        "parse @message /no groups/",
        "filter x like /(unclosed/",
        "stats sum(*)",
        "stats pct(x)",
        "fields a b",
    ],
)
def test_malformed_queries_are_syntax_errors(text: str) -> None:
    with pytest.raises(QuerySyntaxError):
        parse_query(text)


@pytest.mark.parametrize(
    "text",
    [
        "dedup message_id",
        "fields sortsFirst(a)",
        "stats stddev(x)",
        "unmask @message",
        "stats count() by bin(1mo)",
    ],
)
def test_valid_aws_but_unevaluated_queries_are_refused_as_unsupported(text: str) -> None:
    with pytest.raises(UnsupportedQueryError):
        parse_query(text)
