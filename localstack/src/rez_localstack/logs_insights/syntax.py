"""The parsed form of a query: expressions and commands, plain frozen dataclasses."""

from dataclasses import dataclass

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Literal:
    """A number or a string written in the query."""

    value: str | int | float


@dataclass(frozen=True, slots=True)
class Field:
    """A reference to a log field (``@message``, ``level``, ``detail.user.id``)."""

    name: str


@dataclass(frozen=True, slots=True)
class Regex:
    """A ``/pattern/`` operand, compiled when evaluated."""

    pattern: str


@dataclass(frozen=True, slots=True)
class Duration:
    """A ``5m`` operand, as used by ``bin(5m)``."""

    milliseconds: int
    text: str


@dataclass(frozen=True, slots=True)
class Call:
    """A function call: scalar (``strlen(x)``), aggregate (``avg(x)``) or ``bin(5m)``."""

    name: str
    args: tuple["Expression", ...]
    star: bool = False


@dataclass(frozen=True, slots=True)
class Unary:
    """``not x`` or ``-x``."""

    operator: str
    operand: "Expression"


@dataclass(frozen=True, slots=True)
class Binary:
    """Arithmetic, comparison and boolean operators."""

    operator: str
    left: "Expression"
    right: "Expression"


@dataclass(frozen=True, slots=True)
class Like:
    """``x like "text"`` (substring), ``x like /re/`` or ``x =~ /re/`` (regex search)."""

    operand: "Expression"
    pattern: "Expression"
    negated: bool = False


@dataclass(frozen=True, slots=True)
class In:
    """``x in [a, b]``."""

    operand: "Expression"
    choices: tuple["Expression", ...]
    negated: bool = False


type Expression = Literal | Field | Regex | Duration | Call | Unary | Binary | Like | In


@dataclass(frozen=True, slots=True)
class Named:
    """An expression with the column name it produces (its alias, else its source text)."""

    expression: Expression
    name: str


# ---------------------------------------------------------------- commands


@dataclass(frozen=True, slots=True)
class Fields:
    """``fields a, b as c``: compute columns and add them to the output."""

    columns: tuple[Named, ...]


@dataclass(frozen=True, slots=True)
class Display:
    """``display a, b``: choose the output columns."""

    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Filter:
    """``filter <condition>``."""

    condition: Expression


@dataclass(frozen=True, slots=True)
class Stats:
    """``stats agg(...) [as x], ... [by key [as k], ...]``."""

    aggregates: tuple[Named, ...]
    groups: tuple[Named, ...]


@dataclass(frozen=True, slots=True)
class SortKey:
    """One ``sort`` key."""

    field: str
    descending: bool


@dataclass(frozen=True, slots=True)
class Sort:
    """``sort a desc, b asc``."""

    keys: tuple[SortKey, ...]


@dataclass(frozen=True, slots=True)
class Limit:
    """``limit N``."""

    count: int


@dataclass(frozen=True, slots=True)
class Parse:
    """``parse field "glob * pattern" as a, b`` or ``parse field /(?<a>re)/``."""

    source: str
    pattern: str
    names: tuple[str, ...]
    groups: tuple[str, ...]
    """The regex group that fills each name, position by position."""


type Command = Fields | Display | Filter | Stats | Sort | Limit | Parse


@dataclass(frozen=True, slots=True)
class Query:
    """A whole query: its commands in pipeline order."""

    commands: tuple[Command, ...]
