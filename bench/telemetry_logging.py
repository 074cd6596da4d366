"""Cost of one log call with four fields, and of importing rez_telemetry. Prints; asserts nothing.

Run: uv run --frozen --package rez-telemetry python bench/telemetry_logging.py [--quick]

Contenders write to the same discarding stream in the same run, interleaved round by round, and
each figure is the median over rounds:
  rez_telemetry        logger.info("...", four fields) through the JSON sink
  powertools           aws_lambda_powertools.Logger.info("...", four fields)
  stdlib json          logging + a Formatter that json.dumps a dict (extra= fields)
  loguru serialize     loguru's own serialize=True (reference)
Cold import: fresh interpreters, `import rez_telemetry` vs `import loguru`, median of >= 15.
The issue's targets: rez_telemetry <= 50% of Powertools; import <= 120% of loguru's.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

QUICK = "--quick" in sys.argv
ROUNDS = 5 if QUICK else 15
CALLS = 2_000 if QUICK else 10_000
IMPORT_RUNS = 15 if QUICK else 21
FIELDS = {
    "message_id": "3f1c2b7a-0d2e-4c55-9b1a-0a1b2c3d4e01",
    "message_type": "scheduled_hello",
    "attempt": 1,
    "duration_ms": 12.5,
}


class NullStream:
    """A text stream that discards: measures formatting, not the terminal."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


def rez_telemetry_call() -> Callable[[], None]:
    from rez_telemetry import correlation, logger
    from rez_telemetry.logging import configure_logging

    configure_logging(service="bench", stage="prod", sink=NullStream(), intercept_stdlib=False)
    correlation.set_correlation_id("660e9500-f39c-52e5-b827-557766551111")
    return lambda: logger.info("Scheduled message created", **FIELDS)


def powertools_call() -> Callable[[], None]:
    from aws_lambda_powertools import Logger

    powertools = Logger(service="bench", logger_handler=logging.StreamHandler(NullStream()))
    powertools.append_keys(correlation_id="660e9500-f39c-52e5-b827-557766551111")
    return lambda: powertools.info("Scheduled message created", **FIELDS)


class JsonFormatter(logging.Formatter):
    """The usual hand-rolled stdlib JSON formatter."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "timestamp": self.formatTime(record),
            "level": record.levelname,
            "message": record.getMessage(),
            "service": "bench",
            "source": f"{record.filename}:{record.lineno}:{record.funcName}",
            **getattr(record, "fields", {}),
        }
        return json.dumps(line, default=str)


def stdlib_call() -> Callable[[], None]:
    handler = logging.StreamHandler(NullStream())
    handler.setFormatter(JsonFormatter())
    std = logging.getLogger("bench.stdlib")
    std.handlers[:] = [handler]
    std.propagate = False
    std.setLevel(logging.INFO)
    return lambda: std.info("Scheduled message created", extra={"fields": FIELDS})


def loguru_serialize_call() -> Callable[[], None]:
    from loguru._logger import Core, Logger

    own = Logger(Core(), None, 0, False, False, False, False, True, [], {})
    own.add(NullStream(), serialize=True, level="INFO")
    return lambda: own.info("Scheduled message created", **FIELDS)


def per_call_us(call: Callable[[], None]) -> float:
    start = time.perf_counter()
    for _ in range(CALLS):
        call()
    return (time.perf_counter() - start) / CALLS * 1e6


def bench_log_calls() -> dict[str, float]:
    contenders = {
        "rez_telemetry": rez_telemetry_call(),
        "powertools": powertools_call(),
        "stdlib json": stdlib_call(),
        "loguru serialize": loguru_serialize_call(),
    }
    for call in contenders.values():  # warm caches
        for _ in range(200):
            call()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(ROUNDS):
        for name, call in contenders.items():
            samples[name].append(per_call_us(call))
    return {name: statistics.median(values) for name, values in samples.items()}


def import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    return float(out.stdout.strip())


def bench_imports() -> dict[str, float]:
    for module in ("loguru", "rez_telemetry"):  # compile bytecode once, untimed
        import_seconds(module)
    samples: dict[str, list[float]] = {"loguru": [], "rez_telemetry": []}
    for _ in range(IMPORT_RUNS):
        for module in samples:
            samples[module].append(import_seconds(module))
    return {module: statistics.median(values) * 1000 for module, values in samples.items()}


def main() -> None:
    print(f"python {sys.version.split()[0]}, {ROUNDS} rounds x {CALLS} calls, four fields")
    calls = bench_log_calls()
    print("\none log call (median, microseconds)")
    for name, micros in calls.items():
        print(f"  {name:<18} {micros:7.2f} us")
    ratio = calls["rez_telemetry"] / calls["powertools"]
    print(f"  rez_telemetry / powertools = {ratio:.0%} (target <= 50%)")

    imports = bench_imports()
    print(f"\ncold import (median of {IMPORT_RUNS} fresh interpreters, milliseconds)")
    for module, millis in imports.items():
        print(f"  import {module:<14} {millis:7.1f} ms")
    over = imports["rez_telemetry"] / imports["loguru"] - 1
    print(f"  rez_telemetry over loguru alone = {over:+.0%} (target <= +20%)")


if __name__ == "__main__":
    main()
