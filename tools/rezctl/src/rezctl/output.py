"""How commands print: rich tables and colour on a terminal, plain text otherwise, or JSON.

Results go to stdout, progress and diagnostics to stderr, so `rezctl ... --json | jq` and
`rezctl trace ID > report.txt` stay clean.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

PIPED_WIDTH = 200


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


@dataclass(slots=True)
class Ui:
    """The output channels of one command run."""

    out: Console
    err: Console
    json_mode: bool = False

    @classmethod
    def create(
        cls,
        *,
        json_mode: bool = False,
        color: bool | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> Ui:
        """Colour only on a terminal (or when forced); `color=False` is plain everywhere."""
        stdout = stdout or sys.stdout
        stderr = stderr or sys.stderr
        no_color = color is False
        # Piped output is read by people in files and by grep: wide tables, never wrapped at 80.
        width = None if Console(file=stdout).is_terminal else PIPED_WIDTH
        return cls(
            out=Console(file=stdout, no_color=no_color, highlight=False, width=width),
            err=Console(file=stderr, no_color=no_color, highlight=False, soft_wrap=True),
            json_mode=json_mode,
        )

    def json(self, data: Any) -> None:
        """One JSON document on stdout."""
        self.out.file.write(json.dumps(data, indent=2, default=_default) + "\n")
        self.out.file.flush()

    def line(self, text: str = "", style: str | None = None) -> None:
        """One line on stdout, styled on a terminal only (never parsed as markup)."""
        self.out.print(Text(text, style=style or ""), crop=False, overflow="ignore")

    def lines(self, pairs: Iterable[tuple[str, str | None]]) -> None:
        for text, style in pairs:
            self.line(text, style)

    def note(self, text: str, style: str = "dim") -> None:
        """A diagnostic on stderr."""
        self.err.print(Text(text, style=style))

    def table(
        self,
        title: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        styles: Sequence[str | None] | None = None,
    ) -> None:
        """A table on stdout (box drawing on a terminal, plain columns when piped)."""
        table = Table(title=title, title_justify="left", show_lines=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for index, row in enumerate(rows):
            style = styles[index] if styles and index < len(styles) else None
            table.add_row(*("" if cell is None else str(cell) for cell in row), style=style)
        self.out.print(table)

    @contextlib.contextmanager
    def progress(self, text: str) -> Iterator[None]:
        """A spinner on stderr while waiting (nothing when stderr is not a terminal)."""
        if self.err.is_terminal and not self.json_mode:
            with self.err.status(text):
                yield
        else:
            yield
