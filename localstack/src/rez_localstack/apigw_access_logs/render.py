"""``$context.*`` substitution in an access log format, as API Gateway renders it.

https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html — a variable with
no value is written as ``-``; the format is a template, not JSON, so values are substituted as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

_VARIABLE: Final = re.compile(r"\$context((?:\.[A-Za-z0-9_-]+)+)")
MISSING: Final = "-"


def lookup(variables: Mapping[str, Any], dotted: str) -> str:
    """``authorizer.principalId`` in nested mappings; ``-`` when any part is absent or empty."""
    value: Any = variables
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return MISSING
        value = value[part]
    if value is None or value == "":
        return MISSING
    return str(value)


def render(template: str, variables: Mapping[str, Any]) -> str:
    """The access log line: every ``$context.a.b`` replaced by its value, as text."""
    return _VARIABLE.sub(lambda match: lookup(variables, match.group(1)[1:]), template)
