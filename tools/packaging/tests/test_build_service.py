"""Builds the fixture service's zip for real: uv export, wheels for the Lambda platform, zip."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from rez_packaging import PackageTooLargeError, build_service
from rez_packaging.__main__ import main


def names_in(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as archive:
        return archive.namelist()


def test_zip_holds_the_service_its_workspace_libraries_and_locked_wheels(workspace, tmp_path):
    # GIVEN the fixture workspace: service `hello` -> workspace lib `greeting` -> loguru, + boto3
    # WHEN its zip is built (offline: the wheels come from uv's cache, filled by `make setup`)
    result = build_service(workspace, "hello", tmp_path / "out", offline=True)

    # THEN the zip has the handler, the library and the locked third-party wheel
    names = names_in(result.zip_path)
    assert "hello/handler.py" in names
    assert "greeting/__init__.py" in names
    assert any(n.startswith("loguru/") for n in names)
    assert any(n.startswith("loguru-") and n.endswith("dist-info/METADATA") for n in names)
    # AND nothing the Lambda runtime already provides, no tests, no caches, no install shims
    tops = {n.split("/")[0] for n in names}
    assert not {t for t in tops if t.split("-")[0] in {"boto3", "botocore", "s3transfer"}}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.startswith(("bin/", "tests/")) or "/tests/" in n]
    assert "boto3==" in " ".join(result.excluded)
    assert result.zipped_bytes == result.zip_path.stat().st_size
    assert result.unzipped_bytes > result.zipped_bytes


def test_the_zip_runs_its_handler(workspace, tmp_path):
    # GIVEN a built zip, unpacked as Lambda would
    result = build_service(workspace, "hello", tmp_path / "out", offline=True)
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(result.zip_path) as archive:
        archive.extractall(unpacked)

    # WHEN its handler is imported from that folder alone (-S: no site-packages at all)
    script = (
        f"import sys; sys.path.insert(0, {str(unpacked)!r}); "
        "from hello.handler import handler; print(handler({}, None))"
    )
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script],
        cwd=unpacked,
        capture_output=True,
        text=True,
        check=False,
    )

    # THEN it runs with nothing but the zip's contents
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "hello world"


def test_building_twice_gives_the_same_bytes(workspace, tmp_path):
    first = build_service(workspace, "hello", tmp_path / "one", offline=True)
    second = build_service(workspace, "hello", tmp_path / "two", offline=True)
    assert first.zip_path.read_bytes() == second.zip_path.read_bytes()


def test_entries_are_sorted_with_fixed_timestamps(workspace, tmp_path):
    result = build_service(workspace, "hello", tmp_path / "out", offline=True)
    with zipfile.ZipFile(result.zip_path) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_a_zip_over_the_limit_fails_naming_the_biggest_parts(workspace, tmp_path):
    # GIVEN a limit far below the fixture's size
    # WHEN the zip is built
    with pytest.raises(PackageTooLargeError) as raised:
        build_service(workspace, "hello", tmp_path / "out", offline=True, max_unzipped=10_000)

    # THEN the error names the limit breached and loguru, the biggest dependency
    message = str(raised.value)
    assert "unzipped >" in message
    assert "loguru" in message
    # AND no oversized zip is left behind for a deploy to pick up
    assert not (tmp_path / "out" / "hello.zip").exists()


def test_an_unknown_service_is_a_clear_error(workspace, tmp_path):
    with pytest.raises(FileNotFoundError, match="no service named 'nope'"):
        build_service(workspace, "nope", tmp_path / "out", offline=True)


def test_cli_builds_every_service_and_prints_its_size(workspace, capsys, monkeypatch):
    monkeypatch.chdir(workspace)
    assert main(["--all", "--out", "build", "--offline"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("build/hello.zip: ")
    assert "zipped" in printed
    assert "boto3" in printed
    assert (workspace / "build" / "hello.zip").is_file()


def test_cli_builds_into_a_folder_outside_the_workspace(workspace, tmp_path, capsys, monkeypatch):
    # GIVEN an output folder that is not below the workspace
    monkeypatch.chdir(workspace)
    outside = tmp_path / "elsewhere"

    # WHEN the CLI builds there
    assert main(["--service", "hello", "--out", str(outside), "--offline"]) == 0

    # THEN the zip is there and the report names it by its full path
    assert (outside / "hello.zip").is_file()
    assert capsys.readouterr().out.startswith(f"{outside / 'hello.zip'}: ")
