"""CloudWatch Logs Insights, evaluated locally.

LocalStack's free edition answers ``StartQuery`` but ignores ``filter``, ``stats``, ``sort`` and
``parse``. This package parses the query language (a tokenizer and a recursive-descent parser) and
evaluates it over the stored log events. What it cannot evaluate it refuses, never answering with
silently wrong rows.
"""

from rez_localstack.logs_insights.errors import QueryError, QuerySyntaxError, UnsupportedQueryError
from rez_localstack.logs_insights.evaluator import QueryOutcome, run_query
from rez_localstack.logs_insights.parser import parse_query
from rez_localstack.logs_insights.records import LogRecord

__all__ = [
    "LogRecord",
    "QueryError",
    "QueryOutcome",
    "QuerySyntaxError",
    "UnsupportedQueryError",
    "parse_query",
    "run_query",
]
