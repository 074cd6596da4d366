"""The import-graph check of `make lint` (import-linter, contracts in the root pyproject.toml).

It must pass on the repository as it is, and fail when a cycle is introduced inside rez_telemetry
or a library imports a service: each case runs the real contracts over a copy of rez_telemetry
with one line added, found before the installed package (`PYTHONPATH`).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rez_telemetry

ROOT = Path(__file__).resolve().parents[4]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGE = Path(rez_telemetry.__file__).parent


def _lint(*contracts: str, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), env.get("PYTHONPATH")]))
    arguments = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", *arguments, str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _copy_with(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of rez_telemetry's source with `line` appended to `module` (a path inside it)."""
    copy = tmp_path / "rez_telemetry"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text() + f"\n{line}\n")
    return tmp_path


@pytest.fixture(scope="module", autouse=True)
def _needs_import_linter() -> None:
    assert LINT_IMPORTS.exists(), "import-linter is a dev dependency of the workspace root"


def test_the_repository_keeps_every_contract():
    # WHEN the check runs on the repository as it is
    result = _lint()
    # THEN every contract is kept
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_a_cycle_inside_rez_telemetry_fails_the_check(tmp_path):
    # GIVEN the leaf context module importing the handler (which imports it back)
    path = _copy_with(tmp_path, "context.py", "from rez_telemetry.handler import decorator")
    # WHEN the telemetry contracts are checked
    result = _lint("acyclic", "telemetry-layers", pythonpath=path)
    # THEN both the cycle and the layer violation are reported
    assert result.returncode == 1, result.stdout
    assert "No cycles are allowed in rez_telemetry" in result.stdout
    assert "rez_telemetry.context is not allowed to import rez_telemetry.handler" in result.stdout


def test_a_cycle_between_two_modules_of_one_subpackage_fails_the_check(tmp_path):
    # GIVEN tracing's header module importing the facade (which imports it)
    path = _copy_with(tmp_path, "tracing/header.py", "from rez_telemetry.tracing import facade")
    # WHEN the cycle contract is checked
    result = _lint("acyclic", pythonpath=path)
    # THEN the cycle inside rez_telemetry.tracing is reported
    assert result.returncode == 1, result.stdout
    assert "No cycles are allowed in rez_telemetry.tracing" in result.stdout


def test_a_library_importing_a_service_fails_the_check(tmp_path):
    # GIVEN rez_telemetry importing the processor service
    path = _copy_with(tmp_path, "testing.py", "import rez_processor.batch")
    # WHEN the package layers are checked
    result = _lint("packages", pythonpath=path)
    # THEN the layer violation is reported
    assert result.returncode == 1, result.stdout
    assert "rez_telemetry is not allowed to import rez_processor" in result.stdout


def test_rez_telemetry_imports_only_at_module_level():
    # GIVEN every module of the package
    hidden = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                hidden += [
                    f"{path.relative_to(PACKAGE)}:{inner.lineno}"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.Import | ast.ImportFrom)
                ]
    # THEN no import hides in a function (what must load late goes through `_lazy`)
    assert hidden == []
