"""AWS Lambda's size limits for a zip deployment package, and the error that explains a breach."""

from __future__ import annotations

from collections.abc import Iterable

MAX_ZIPPED_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024


class PackageTooLargeError(Exception):
    """A zip that AWS would refuse; the message names what makes it big."""


def check_limits(
    name: str,
    zipped: int,
    unzipped: int,
    sizes_by_top_level: dict[str, int],
    *,
    max_zipped: int = MAX_ZIPPED_BYTES,
    max_unzipped: int = MAX_UNZIPPED_BYTES,
) -> None:
    """Raise PackageTooLargeError when either limit is exceeded."""
    breaches = []
    if zipped > max_zipped:
        breaches.append(f"{human(zipped)} zipped > {human(max_zipped)}")
    if unzipped > max_unzipped:
        breaches.append(f"{human(unzipped)} unzipped > {human(max_unzipped)}")
    if not breaches:
        return
    biggest = ", ".join(f"{top} {human(size)}" for top, size in largest(sizes_by_top_level.items()))
    raise PackageTooLargeError(
        f"{name}: over AWS Lambda's limit ({'; '.join(breaches)}). Biggest parts: {biggest}"
    )


def largest(items: Iterable[tuple[str, int]], count: int = 5) -> list[tuple[str, int]]:
    """The `count` largest entries, biggest first, ties by name for a stable message."""
    return sorted(items, key=lambda item: (-item[1], item[0]))[:count]


def human(size: int) -> str:
    """Bytes as a short human figure."""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}" if unit != "B" else f"{size} B"
        value /= 1024
    return f"{value:.1f} GB"
