"""Regenerate the README's pictures from a deployed system on the local harness.

    LOCALSTACK_ENDPOINT=http://127.0.0.1:4566 uv run --frozen --package rezctl \\
        python docs/images/make_images.py [--correlation-id ID]

`dashboard.png`: the overview dashboard drawn by `rezctl dashboard` (the harness has no
CloudWatch renderer). `trace.png`: the journey `rezctl trace` prints for one message sent
through the API (or the given correlation id): its status history and span tree, coloured as
on a terminal. Both are written as palette PNGs to keep them small.
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

from rezctl import journey
from rezctl.api import send_message
from rezctl.dashboard import collect, draw
from rezctl.durations import parse_duration
from rezctl.records import get_record
from rezctl.target import Target

HERE = Path(__file__).resolve().parent
COLOURS = {"green": "#2e7d32", "red": "#c62828", "yellow": "#b7950b", "cyan": "#00838f",
           "magenta": "#8e24aa", "blue": "#1565c0", "dim": "#757575"}  # fmt: skip
WIDTH = 118
TERMINAL = ("completed", "failed")


def _palette_png(figure: object, out: Path, dpi: int) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)  # type: ignore[attr-defined]
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    image.quantize(colors=64).save(out, optimize=True)


def _colour(style: str | None) -> str:
    for word in (style or "").split():
        if word in COLOURS:
            return COLOURS[word]
    return "#212121"


def trace_png(found: journey.Journey, out: Path) -> None:
    """The journey's header, status history and span tree as monospace lines."""
    from matplotlib.figure import Figure

    lines = journey.styled_lines(found)
    keep, skipping = [], False
    for text, style in lines:
        if text.startswith("Log lines"):
            skipping = True
            keep.append((text + " (left out here: rezctl trace prints them)", "dim"))
            continue
        if skipping and text.startswith("Span tree"):
            skipping = False
        if not skipping:
            keep.append((text[:WIDTH], style))
    figure = Figure(figsize=(WIDTH * 0.075, len(keep) * 0.2 + 0.3))
    for index, (text, style) in enumerate(keep):
        figure.text(0.01, 1 - (index + 1) / (len(keep) + 1), text, family="monospace",
                    fontsize=9, color=_colour(style), weight="bold" if style and "bold" in style
                    else "normal")  # fmt: skip
    _palette_png(figure, out, dpi=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--correlation-id")
    parser.add_argument("--since", default="30m", help="the dashboard's time range (30m)")
    args = parser.parse_args()
    target = Target.resolve()
    if not target.is_local:
        raise SystemExit("set LOCALSTACK_ENDPOINT: the pictures come from the local harness")
    identifier = args.correlation_id
    if identifier is None:
        sent = send_message(
            "Hello from the README", target=target, title="rez_agent", tags=["wave"]
        )
        while (get_record(target, sent.message_id) or {}).get("status") not in (
            "completed",
            "failed",
        ):
            time.sleep(0.5)
        identifier = sent.correlation_id
        time.sleep(5)  # the last log lines and spans reach the log groups a little later
    trace_png(journey.collect(identifier, target=target), HERE / "trace.png")
    board = collect(target, since=parse_duration(args.since), cloudwatch_images=False)
    _palette_png(draw(board), HERE / "dashboard.png", dpi=60)
    for name in ("dashboard.png", "trace.png"):
        print(f"{HERE / name}: {(HERE / name).stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
