"""Parsing `uv export`: workspace members apart, the runtime's own packages left out."""

from pathlib import Path

from rez_packaging.requirements import parse_export

EXPORTED = """\
-e ./libs/telemetry
-e ./services/notifier
boto3==1.44.8
Botocore==1.44.8
python_dateutil==2.9.0
colorama==0.4.6 ; sys_platform == 'win32'
httpx==0.28.1
"""


def test_editable_lines_are_workspace_members():
    closure = parse_export(Path("/ws"), EXPORTED)
    assert closure.workspace_members == (
        Path("/ws/libs/telemetry").resolve(),
        Path("/ws/services/notifier").resolve(),
    )


def test_runtime_provided_packages_are_excluded_whatever_their_spelling():
    closure = parse_export(Path("/ws"), EXPORTED)
    assert closure.excluded == ("boto3==1.44.8", "Botocore==1.44.8", "python_dateutil==2.9.0")
    assert closure.third_party == ("colorama==0.4.6 ; sys_platform == 'win32'", "httpx==0.28.1")
