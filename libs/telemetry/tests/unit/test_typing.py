"""The documented imports type-check in a service: `tracer` is the Tracer, `metrics` the package.

mypy runs in a fresh directory (no repository configuration, no `mypy_path`), so it sees
rez_telemetry as an installed package does: through its `py.typed` and its declared attributes.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SERVICE_CODE = textwrap.dedent(
    """
    from rez_telemetry import AUTHORIZER_DECISIONS, handled, metrics, tracer

    with tracer.span("authorize", message_type="manual"):
        tracer.annotate(message_id="m-1")
    metrics.record_count(AUTHORIZER_DECISIONS, 1, {"Decision": "allowed"})
    metrics.record_count(metrics.MESSAGES_CREATED)
    error: ValueError = handled(ValueError("expected"))
    reveal_type(tracer)
    reveal_type(metrics)
    reveal_type(metrics.shared)
    """
)


def _mypy(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "service.py").write_text(code)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / ".cache"), "service.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_documented_imports_are_typed_objects(tmp_path):
    # GIVEN a service using `from rez_telemetry import metrics, tracer` as the docs show
    # WHEN mypy checks it
    result = _mypy(tmp_path, SERVICE_CODE)
    # THEN it passes, and sees the Tracer, the metrics package and its MetricsRecorder (not Any)
    assert result.returncode == 0, result.stdout
    assert 'Revealed type is "rez_telemetry.tracing.facade.Tracer"' in result.stdout
    assert 'Revealed type is "types.ModuleType"' in result.stdout
    assert 'Revealed type is "rez_telemetry.metrics.recorder.MetricsRecorder"' in result.stdout


def test_a_misuse_is_reported(tmp_path):
    # GIVEN a call with a wrong argument type WHEN checked THEN mypy reports it
    result = _mypy(tmp_path, "from rez_telemetry import metrics\nmetrics.record_count(42)\n")
    assert result.returncode == 1
    assert 'Argument 1 has incompatible type "int"; expected "str"' in result.stdout
