"""The names of the functions the harness evaluates, and the AWS ones it knowingly does not."""

AGGREGATES = frozenset(
    {
        "count",
        "count_distinct",
        "sum",
        "avg",
        "min",
        "max",
        "pct",
        "percentile",
        "earliest",
        "latest",
    }
)
SCALARS = frozenset(
    {
        "strlen",
        "toupper",
        "tolower",
        "concat",
        "trim",
        "ltrim",
        "rtrim",
        "abs",
        "ceil",
        "floor",
        "ispresent",
        "isempty",
        "isblank",
        "coalesce",
    }
)
GROUPING = frozenset({"bin"})

UNSUPPORTED_COMMANDS = frozenset(
    {"dedup", "unmask", "pattern", "diff", "anomaly", "filterindex", "source", "unnest", "lookup"}
)
"""Commands AWS knows that are refused here (the query ends ``Failed``, it is not malformed)."""
