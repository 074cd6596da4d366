"""Getting the harness running on a machine that has neither Python 3.13 nor uv.

Two machines a new developer may have, built here without touching this one:
- uv present but no Python 3.13 on PATH: uv provides the interpreter. This machine cannot
  download Python builds (no network but PyPI), so the test gives uv a *uv-managed installation
  directory* (``UV_PYTHON_INSTALL_DIR``, where ``uv python install`` and uv's automatic download put
  interpreters) holding this interpreter, and forbids downloads; it proves the harness needs no
  3.13 on PATH and takes uv's, not that the download itself works (uv's own job).
- no uv, and a system Python that refuses ``pip install`` (PEP 668's ``EXTERNALLY-MANAGED``
  marker beside its standard library, as on Debian/Ubuntu and Homebrew): the bootstrap puts uv
  into a virtual environment of its own and leaves that Python untouched.
https://docs.astral.sh/uv/concepts/python-versions/ (managed installations, automatic downloads);
https://packaging.python.org/en/latest/specifications/externally-managed-environments/
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from uv import find_uv_bin

from tests.conftest import free_port

HARNESS = Path(__file__).resolve().parents[1]
REPO = HARNESS.parent
BOOTSTRAP_UV = REPO / "tools" / "bootstrap-uv.sh"
VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
#: The POSIX basics (sh, dirname, grep) and whatever Python the OS ships (3.11 here, 3.9 on macOS).
SYSTEM_PATH = "/usr/bin:/bin"


def _clean_env(**extra: str) -> dict[str, str]:
    """This machine's environment minus everything that points at its Pythons or uv."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("UV_", "PYENV", "VIRTUAL_ENV", "PYTHON", "LOCALSTACK_"))
    }
    return env | extra


def _uv_key() -> str:
    """The directory name uv gives a managed CPython, e.g. ``cpython-3.13.0-linux-x86_64-gnu``."""
    os_name = {"darwin": "macos"}.get(sys.platform, sys.platform)
    arch = {"arm64": "aarch64", "amd64": "x86_64"}.get(platform.machine().lower())
    arch = arch or platform.machine().lower()
    host = sysconfig.get_config_var("HOST_GNU_TYPE") or ""
    libc = "none" if sys.platform == "darwin" else ("musl" if "musl" in host else "gnu")
    return f"cpython-{platform.python_version()}-{os_name}-{arch}-{libc}"


def test_harness_starts_with_uv_but_no_python_313_on_path(tmp_path: Path) -> None:
    # GIVEN a PATH with uv and the system's tools but no Python 3.13 on it
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "uv").symlink_to(find_uv_bin())
    path = f"{bin_dir}:{SYSTEM_PATH}"
    assert shutil.which(f"python{VERSION}", path=path) is None
    # AND uv's managed-installations directory holding a CPython of that version
    managed = tmp_path / "uv-python" / _uv_key()
    managed.mkdir(parents=True)
    for entry in Path(sys.base_prefix).iterdir():
        (managed / entry.name).symlink_to(entry)
    venv = tmp_path / "venv"
    env = _clean_env(
        PATH=path,
        UV_PYTHON_INSTALL_DIR=str(managed.parent),
        UV_PYTHON_DOWNLOADS="never",  # no downloads here: uv must find its managed one
        UV_PROJECT_ENVIRONMENT=str(venv),
    )

    # WHEN the harness's project is synced and the harness started, as `make up` does
    def uv(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["uv", *args], cwd=HARNESS, env=env, capture_output=True, text=True, check=False
        )

    synced = uv("sync", "--project", str(HARNESS), "--frozen")
    assert synced.returncode == 0, synced.stderr
    port = free_port()
    launch = ["run", "--project", str(HARNESS), "--frozen", "python", "-m"]
    up = uv(*launch, "rez_localstack.launcher", "up", "--port", str(port), "--no-ntfy")
    try:
        # THEN it runs, on the interpreter from uv's managed installations
        assert up.returncode == 0, up.stderr[-3000:]
        status = uv(*launch, "rez_localstack.launcher", "status", "--port", str(port))
        assert json.loads(status.stdout)["running"] is True, status.stdout
        home = (venv / "pyvenv.cfg").read_text()
        assert str(managed) in home, home
    finally:
        uv(*launch, "rez_localstack.launcher", "down", "--port", str(port))


def _externally_managed_python(root: Path) -> Path:
    """A system-like CPython under ``root``: its own prefix, with PEP 668's marker, pip, no uv."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    lib = root / "lib"
    (lib / stdlib.name / "site-packages").mkdir(parents=True)
    for entry in stdlib.iterdir():  # the standard library, but none of this machine's packages
        if entry.name != "site-packages":
            (lib / stdlib.name / entry.name).symlink_to(entry)
    for entry in (stdlib / "site-packages").glob("pip*"):  # pip, as a system Python has it
        (lib / stdlib.name / "site-packages" / entry.name).symlink_to(entry)
    for entry in (Path(sys.base_prefix) / "lib").glob("libpython*"):  # a shared build's library
        (lib / entry.name).symlink_to(entry)
    (lib / stdlib.name / "EXTERNALLY-MANAGED").write_text(
        "[externally-managed]\nError=This Python belongs to the system: use a venv.\n"
    )
    python = root / "bin" / "python3"
    python.parent.mkdir()
    # A copy, not a link: CPython finds its prefix from where its executable is.
    shutil.copy2(Path(sys._base_executable).resolve(), python)  # type: ignore[attr-defined]
    return python


def _local_uv_wheel(directory: Path) -> Path:
    """A wheel named ``uv`` whose ``uv`` script runs this machine's uv.

    What ``pip install uv`` would fetch from PyPI, served from a folder instead (``PIP_NO_INDEX``,
    ``PIP_FIND_LINKS``): tests reach no network but loopback, and the bootstrap's own steps (a
    venv of its own, pip inside it, the system Python untouched) are what is under test.
    """
    version = "0.0.1"
    files = {
        # `#!python`: pip points it at the venv's interpreter
        f"uv-{version}.data/scripts/uv": (
            f"#!python\nimport os, sys\nos.execv({find_uv_bin()!r}, ['uv', *sys.argv[1:]])\n"
        ),
        f"uv-{version}.dist-info/METADATA": (
            f"Metadata-Version: 2.1\nName: uv\nVersion: {version}\n"
        ),
        f"uv-{version}.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: rez-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = f"uv-{version}.dist-info/RECORD"
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"uv-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            entry = zipfile.ZipInfo(name)
            entry.create_system = 3  # Unix, so pip reads the mode below
            entry.external_attr = 0o100755 << 16
            archive.writestr(entry, text)
        archive.writestr(record, "".join(f"{name},,\n" for name in [*files, record]))
    return wheel


def test_bootstrap_installs_uv_beside_an_externally_managed_python(tmp_path: Path) -> None:
    # GIVEN no uv anywhere on PATH, and a python3 that refuses `pip install` (PEP 668)
    python = _externally_managed_python(tmp_path / "system")
    path = f"{python.parent}:{SYSTEM_PATH}"
    wheels = _local_uv_wheel(tmp_path / "wheels").parent
    env = _clean_env(
        PATH=path,
        REZ_TOOLS_DIR=str(tmp_path / "tools"),
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheels),
    )
    assert shutil.which("uv", path=path) is None
    refused = subprocess.run(
        [str(python), "-m", "pip", "install", "--dry-run", "uv"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr

    # WHEN the bootstrap runs (as `make setup` does first)
    done = subprocess.run(
        ["sh", str(BOOTSTRAP_UV)], env=env, capture_output=True, text=True, check=False
    )

    # THEN uv is installed into the tools environment and works
    assert done.returncode == 0, done.stderr[-3000:]
    uv = done.stdout.strip()
    assert uv == str(tmp_path / "tools" / "bin" / "uv")
    version = subprocess.run([uv, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("uv ")
    assert "installing uv into" in done.stderr  # the step says what it does
    # AND the system Python is untouched: nothing but its pip in its site-packages
    site = python.parent.parent / "lib" / Path(sysconfig.get_paths()["stdlib"]).name
    assert all(p.name.startswith("pip") for p in (site / "site-packages").iterdir())
    # AND the next run finds it without installing again
    again = subprocess.run(
        ["sh", str(BOOTSTRAP_UV), "--find"], env=env, capture_output=True, text=True, check=False
    )
    assert again.stdout.strip() == uv and "installing" not in again.stderr
