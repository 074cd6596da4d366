"""Field values, how they compare and how AWS prints them in ``GetQueryResults``."""

import math
import re
from datetime import UTC, datetime

type Value = str | int | float | bool | None


class Timestamp(int):
    """Milliseconds since the epoch, printed the way Logs Insights prints ``@timestamp``."""

    def render(self) -> str:
        """``2024-05-01 12:00:00.000`` (UTC), as AWS prints it."""
        moment = datetime.fromtimestamp(int(self) / 1000, tz=UTC)
        return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{int(self) % 1000:03d}"


_NUMERIC = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def as_number(value: Value) -> float | None:
    """The numeric reading of a value (numbers and numeric strings), else ``None``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if _NUMERIC.fullmatch(value.strip()):
        return float(value)
    return None


def as_text(value: Value) -> str:
    """The string reading of a value (as AWS compares strings)."""
    return render(value)


def render(value: Value) -> str:
    """A value as the string ``GetQueryResults`` carries."""
    if isinstance(value, Timestamp):
        return value.render()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    return "" if value is None else value


def truthy(value: Value) -> bool:
    """Whether a value lets an event through a ``filter``."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return value != ""


def natural_key(value: Value) -> tuple[object, ...]:
    """Sort key after AWS's natural sort: non-numbers first, then numbers by value."""
    number = as_number(value)
    if number is not None:
        return (1, number)
    chunks = re.findall(r"\d+|\D+", as_text(value))
    return (
        0,
        tuple((1, len(chunk), int(chunk)) if chunk.isdigit() else (0, chunk) for chunk in chunks),
    )
