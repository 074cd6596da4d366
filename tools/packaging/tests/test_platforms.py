"""Which platform a zip's compiled wheels are installed for."""

from __future__ import annotations

import pytest

from rez_packaging.platforms import LAMBDA_PLATFORM, PLATFORM_ENV, target_platform


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, LAMBDA_PLATFORM),  # AWS's: the default
        ("lambda", LAMBDA_PLATFORM),
        ("host", None),  # the running machine (the harness on macOS or arm64 Linux)
        ("aarch64-manylinux2014", "aarch64-manylinux2014"),  # any platform uv knows
    ],
)
def test_the_platform_comes_from_the_setting(value: str | None, expected: str | None) -> None:
    environ = {} if value is None else {PLATFORM_ENV: value}
    assert target_platform(environ) == expected
