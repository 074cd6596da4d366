"""The services' configuration idiom: one error, one meaning of STAGE, one wiring holder."""

from __future__ import annotations

import threading

import pytest

from rez_telemetry import _env
from rez_telemetry.config import ConfigurationError, Wiring, optional, required, stage


def test_required_and_optional_read_stripped_values():
    # GIVEN padded, blank and missing variables / WHEN read / THEN stripped, None, or refused
    environ = {"A": "  x ", "B": "   "}
    assert (required("A", environ), optional("A", environ), optional("B", environ)) == (
        "x",
        "x",
        None,
    )
    with pytest.raises(ConfigurationError) as blank:
        required("B", environ)
    with pytest.raises(ConfigurationError) as missing:
        required("C", environ)
    assert (blank.value.variable, blank.value.reason) == ("B", "is empty")
    assert (missing.value.variable, missing.value.reason) == ("C", "is not set")
    assert str(missing.value) == "environment variable C: is not set"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"STAGE": "prod"}, "prod"),
        ({"STAGE": "stage", "AWS_LAMBDA_FUNCTION_NAME": "rez-agent-web-api-dev"}, "stage"),
        ({"AWS_LAMBDA_FUNCTION_NAME": "rez-agent-web-api-dev"}, "dev"),
    ],
)
def test_stage_is_stage_else_the_function_names_suffix(environ, expected):
    assert stage(environ) == expected


@pytest.mark.parametrize(
    ("environ", "reason"),
    [
        ({}, "is not set"),
        ({"AWS_LAMBDA_FUNCTION_NAME": "my-function"}, "is not set"),
        ({"STAGE": "qa"}, "'qa' is not one of dev, stage, prod"),
    ],
)
def test_a_missing_or_unknown_stage_is_refused_by_name(environ, reason):
    with pytest.raises(ConfigurationError) as caught:
        stage(environ)
    assert caught.value.variable == "STAGE"
    assert reason in caught.value.reason


def test_telemetry_reads_stage_the_same_way(monkeypatch):
    # GIVEN no STAGE but a function name ending in one / THEN logs and metrics say the same
    monkeypatch.delenv("STAGE", raising=False)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "rez-agent-notification-service-prod")
    assert _env.stage() == "prod"


def test_wiring_builds_once_and_can_be_overridden_and_reset():
    # GIVEN a holder counting its builds
    builds: list[int] = []

    def build() -> dict[str, int]:
        builds.append(1)
        return {"build": len(builds)}

    wiring = Wiring(build)
    # WHEN asked twice / THEN built once
    assert wiring.dependencies() is wiring.dependencies()
    assert len(builds) == 1
    # WHEN overridden / THEN the replacement; WHEN reset / THEN built again
    wiring.override({"build": 0})
    assert wiring.dependencies() == {"build": 0}
    wiring.reset()
    assert wiring.dependencies() == {"build": 2}


def test_a_failed_build_is_not_kept():
    # GIVEN a build failing on a broken environment, then succeeding once it is fixed
    attempts: list[int] = []

    def build() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConfigurationError("STAGE", "is not set")
        return "built"

    wiring = Wiring(build)
    with pytest.raises(ConfigurationError):
        wiring.dependencies()
    # WHEN asked again / THEN it builds again (no redeploy needed after fixing the variable)
    assert wiring.dependencies() == "built"


def test_threads_share_one_build():
    # GIVEN many threads asking at once / THEN one build, the same object for all
    builds: list[object] = []
    wiring = Wiring(lambda: builds.append(object()) or builds[-1])
    seen: list[object] = []
    threads = [
        threading.Thread(target=lambda: seen.append(wiring.dependencies())) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert all(item is builds[0] for item in seen)
