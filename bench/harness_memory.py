"""The local AWS's memory over a long run of the end-to-end scenarios: prints figures only.

Run: ``uv run --frozen python bench/harness_memory.py [--minutes 30] [--sample-seconds 15]
[--bound-mb 700]``

Starts a harness of its own on free ports (``make up``'s launcher), then runs the end-to-end
suite (``pytest tests/e2e``) against it again and again until ``--minutes`` have passed, while a
thread samples ``launcher status``'s memory (LocalStack, the Lambda runtime processes, the rest
of LocalStack's descendants, the mock ntfy) every ``--sample-seconds``. Prints one line per
sample, then per tenth of the run the highest total, and whether the last third stayed within
the first two thirds' peak and under ``--bound-mb``. Whatever it started is stopped on the way
out (Ctrl-C included).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from rez_demo import harness as local_aws

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def memory(port: int) -> dict[str, Any]:
    """``launcher status``'s memory figures for the harness on ``port``."""
    try:
        return dict(local_aws.launcher("status", "--port", str(port)).get("memory") or {})
    except local_aws.HarnessError as error:  # unhealthy for a moment: no sample
        print(f"status failed: {error}", file=sys.stderr)
        return {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--sample-seconds", type=float, default=15.0)
    parser.add_argument("--bound-mb", type=float, default=700.0)
    args = parser.parse_args()

    def interrupted(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    port, ntfy_port = _free_port(), _free_port()
    harness = local_aws.start(port=port, ntfy_port=ntfy_port)
    samples: list[tuple[float, dict[str, Any]]] = []
    stop = threading.Event()
    started = time.monotonic()

    def sample() -> None:
        while True:
            figures = memory(port)
            elapsed = time.monotonic() - started
            samples.append((elapsed, figures))
            print(f"{elapsed / 60:6.1f} min  {json.dumps(figures)}", flush=True)
            if stop.wait(args.sample_seconds):
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    env = {**os.environ, "LOCALSTACK_ENDPOINT": harness.endpoint, "MOCK_NTFY_URL": harness.ntfy}
    runs, failed = 0, 0
    try:
        while time.monotonic() - started < args.minutes * 60:
            code, tail = run_e2e(env)
            runs += 1
            failed += code != 0
            print(f"run {runs}: exit {code}: {tail}", flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    finally:
        stop.set()
        sampler.join(timeout=60)
        local_aws.stop(harness)
    report(samples, runs, failed, args.bound_mb)
    return 0


def run_e2e(env: dict[str, str]) -> tuple[int, str]:
    """One run of the end-to-end suite; its exit code and last line. Stopped if interrupted."""
    with subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/e2e"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as suite:
        try:
            output, _ = suite.communicate()
        except BaseException:
            suite.terminate()
            suite.wait(timeout=30)
            raise
    lines = output.strip().splitlines() or ["(no output)"]
    failures = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    return suite.returncode, "\n  ".join([lines[-1], *failures])


def report(
    samples: list[tuple[float, dict[str, Any]]], runs: int, failed: int, bound: float
) -> None:
    """Per tenth of the run: the highest and lowest total (bursts and the floor between them)
    and LocalStack's own RSS; then how fast the floor and LocalStack still grow at the end."""
    kept = [(t, s) for t, s in samples if s]
    if not kept:
        print("no samples")
        return
    duration = kept[-1][0] or 1.0
    print(f"\n{runs} e2e runs ({failed} failed) in {duration / 60:.1f} min")
    print("  part of run   total max   total min   LocalStack   runtimes max")
    for tenth in range(10):
        part = [s for t, s in kept if tenth <= min(9, int(10 * t / duration)) <= tenth]
        if part:
            totals = [s["total_mb"] for s in part]
            print(
                f"  {tenth * 10:3d}-{tenth * 10 + 10:3d} %   {max(totals):9.1f}"
                f"   {min(totals):9.1f}"
                f"   {max(s['localstack_mb'] for s in part):10.1f}"
                f"   {max(s['lambda_runtimes'] for s in part):12d}"
            )
    last = [(t, s) for t, s in kept if t >= duration * 2 / 3]
    minutes = (last[-1][0] - last[0][0]) / 60 or 1.0
    localstack_growth = (last[-1][1]["localstack_mb"] - last[0][1]["localstack_mb"]) / minutes
    peak = max(s["total_mb"] for _, s in kept)
    floor = min(s["total_mb"] for _, s in last)
    print(
        f"start {kept[0][1]['total_mb']:.1f} MB, peak {peak:.1f} MB (bursts), floor in the last "
        f"third {floor:.1f} MB; LocalStack's own RSS grew {localstack_growth:.1f} MB/min in the "
        f"last third; peak {'under' if peak <= bound else 'OVER'} the {bound:.0f} MB bound"
    )


if __name__ == "__main__":
    sys.exit(main())
