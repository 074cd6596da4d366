"""Run a parsed query over log records: the pipeline of commands, then AWS's result shape."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from rez_localstack.logs_insights import syntax as ast
from rez_localstack.logs_insights.aggregates import aggregate
from rez_localstack.logs_insights.expressions import compiled, evaluate
from rez_localstack.logs_insights.records import LogRecord
from rez_localstack.logs_insights.values import Value, as_text, natural_key, render, truthy

MAX_ROWS = 10_000
"""AWS returns at most 10,000 rows; it is also the limit when a query has none."""

DEFAULT_COLUMNS = ("@timestamp", "@message")

type Row = dict[str, Value]
type ResultRow = list[dict[str, str]]


@dataclass(slots=True)
class QueryOutcome:
    """Rows in ``GetQueryResults`` form and the statistics AWS reports."""

    results: list[ResultRow]
    records_matched: int
    records_scanned: int
    bytes_scanned: int


@dataclass(slots=True)
class _Pipeline:
    rows: list[Row]
    columns: list[str] = field(default_factory=list)
    explicit_columns: bool = False
    parsed_columns: list[str] = field(default_factory=list)
    aggregated: bool = False
    matched: int | None = None

    def add_columns(self, names: Iterable[str]) -> None:
        for name in names:
            if name not in self.columns:
                self.columns.append(name)


def run_query(query: ast.Query, records: Iterable[LogRecord]) -> QueryOutcome:
    """Evaluate ``query`` over ``records`` (any order: they are taken newest first, as AWS does)."""
    scanned = list(records)
    ordered = sorted(scanned, key=lambda record: _stamp(record.fields), reverse=True)
    pipeline = _Pipeline(rows=[dict(record.fields) for record in ordered])
    limit = MAX_ROWS
    for command in query.commands:
        if isinstance(command, ast.Limit):
            pipeline.matched = (
                pipeline.matched if pipeline.matched is not None else len(pipeline.rows)
            )
            limit = min(limit, command.count)
            pipeline.rows = pipeline.rows[: command.count]
        else:
            _run_command(command, pipeline)
    matched = pipeline.matched if pipeline.matched is not None else len(pipeline.rows)
    return QueryOutcome(
        results=[_result_row(row, _output_columns(pipeline)) for row in pipeline.rows[:limit]],
        records_matched=matched,
        records_scanned=len(scanned),
        bytes_scanned=sum(record.size for record in scanned),
    )


def _stamp(fields: dict[str, Value]) -> int:
    stamp = fields.get("@timestamp")
    return int(stamp) if isinstance(stamp, int) else 0


def _run_command(command: ast.Command, pipeline: _Pipeline) -> None:
    match command:
        case ast.Fields(columns=columns):
            for row in pipeline.rows:
                for named in columns:
                    _set(row, named.name, evaluate(named.expression, row))
            pipeline.explicit_columns = True
            pipeline.add_columns(named.name for named in columns)
        case ast.Display(columns=columns):
            pipeline.explicit_columns = True
            pipeline.columns = list(dict.fromkeys(columns))
        case ast.Filter(condition=condition):
            pipeline.rows = [row for row in pipeline.rows if truthy(evaluate(condition, row))]
        case ast.Parse():
            _parse(command, pipeline)
        case ast.Stats():
            _stats(command, pipeline)
        case ast.Sort(keys=keys):
            for key in reversed(keys):
                pipeline.rows = _sorted(pipeline.rows, key)


def _set(row: Row, name: str, value: Value) -> None:
    if value is None:
        row.pop(name, None)
    else:
        row[name] = value


def _parse(command: ast.Parse, pipeline: _Pipeline) -> None:
    pattern = compiled(command.pattern)
    for row in pipeline.rows:
        source = row.get(command.source)
        if source is None:
            continue
        match = pattern.search(as_text(source))
        if match is None:
            continue
        for name, group in zip(command.names, command.groups, strict=True):
            _set(row, name, match.group(group))
    for name in command.names:
        if name not in pipeline.parsed_columns:
            pipeline.parsed_columns.append(name)


def _stats(command: ast.Stats, pipeline: _Pipeline) -> None:
    if pipeline.matched is None:
        pipeline.matched = len(pipeline.rows)
    groups: dict[tuple[str | None, ...], tuple[list[Value], list[Row]]] = {}
    for row in pipeline.rows:
        values = [evaluate(named.expression, row) for named in command.groups]
        key = tuple(None if value is None else render(value) for value in values)
        groups.setdefault(key, (values, []))[1].append(row)
    if not command.groups and not groups:
        groups[()] = ([], [])
    output: list[Row] = []
    for values, rows in groups.values():
        out: Row = {}
        for named, value in zip(command.groups, values, strict=True):
            _set(out, named.name, value)
        for named in command.aggregates:
            _set(out, named.name, aggregate(named.expression, rows))
        output.append(out)
    bins = [named.name for named in command.groups if _is_bin(named.expression)]
    for name in reversed(bins):
        output = _sorted(output, ast.SortKey(name, descending=False))
    pipeline.rows = output
    pipeline.aggregated = True
    pipeline.explicit_columns = True
    pipeline.columns = [named.name for named in (*command.groups, *command.aggregates)]


def _is_bin(expression: ast.Expression) -> bool:
    return isinstance(expression, ast.Call) and expression.name == "bin"


def _sorted(rows: list[Row], key: ast.SortKey) -> list[Row]:
    present = [row for row in rows if row.get(key.field) is not None]
    missing = [row for row in rows if row.get(key.field) is None]
    present.sort(key=lambda row: natural_key(row[key.field]), reverse=key.descending)
    return present + missing


def _output_columns(pipeline: _Pipeline) -> list[str]:
    if pipeline.aggregated or pipeline.explicit_columns:
        columns = list(pipeline.columns)
    else:
        columns = [*DEFAULT_COLUMNS, *pipeline.parsed_columns]
    if not pipeline.aggregated:
        columns.append("@ptr")
    return columns


def _result_row(row: Row, columns: list[str]) -> ResultRow:
    return [
        {"field": name, "value": render(value)}
        for name in columns
        if (value := row.get(name)) is not None
    ]
