"""Environment variables: every name in `_env`, read only there; the stage and its fallback."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rez_telemetry
from rez_telemetry import _env
from rez_telemetry.logging import configure_logging
from rez_telemetry.metrics import MetricsRecorder
from rez_telemetry.tracing.sampling import sampler_for_stage

PACKAGE = Path(rez_telemetry.__file__).parent
ENV_MODULE = PACKAGE / "_env.py"


def _variable_names() -> set[str]:
    names: set[str] = set()
    for attribute in _env.__all__:
        value = getattr(_env, attribute)
        if isinstance(value, str):
            names.add(value)
        elif isinstance(value, tuple):
            names.update(value)
    return names


def _modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if path != ENV_MODULE)


def test_every_variable_the_package_reads_is_named_in_env():
    # GIVEN every module of rez_telemetry but `_env`
    names = _variable_names()
    found: list[str] = []
    for path in _modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        where = path.relative_to(PACKAGE)
        for node in ast.walk(tree):
            # THEN none touches os.environ / os.getenv itself ...
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "putenv"}:
                found.append(f"{where}:{node.lineno} os.{node.attr}")
            # ... nor spells a variable's name as a literal (it uses `_env.<NAME>`)
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{where}:{node.lineno} {node.value!r}")
    assert found == []


def test_the_variables_the_docs_name_are_in_env():
    for name in (
        "METRICS_BACKEND",
        "TRACING_BACKEND",
        "TRACE_EXPORT_FILE",
        "TRACE_EXPORT_STDOUT",
        "TRACE_SAMPLE_RATE",
        "TRACE_SAMPLE_RESERVOIR",
        "AWS_XRAY_DAEMON_ADDRESS",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "LOG_LEVEL_AWS_SDK",
    ):
        assert getattr(_env, name) == name


@pytest.mark.parametrize(
    ("stage", "function_name", "expected"),
    [
        ("prod", "rez-agent-web-api-dev", "prod"),  # STAGE wins
        (None, "rez-agent-web-api-dev", "dev"),
        (None, "rez-agent-jwt-authorizer-stage", "stage"),
        (None, "rez-agent-message-processor-prod", "prod"),
        (None, "rez-agent-web-api-test", None),  # not a stage of ours
        (None, "prod", None),  # a name that is only a stage has no suffix
        (None, None, None),
    ],
)
def test_the_stage_falls_back_to_the_function_names_suffix(
    monkeypatch, stage, function_name, expected
):
    for name, value in ((_env.STAGE, stage), (_env.AWS_LAMBDA_FUNCTION_NAME, function_name)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert _env.stage() == expected


def test_log_lines_metrics_and_sampling_agree_on_the_stage_without_stage_set(monkeypatch):
    # GIVEN a deployed function whose STAGE variable is missing
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "rez-agent-web-api-prod")
    # WHEN logging, metrics and tracing resolve their settings
    settings = configure_logging(sink=lambda line: None)
    recorder = MetricsRecorder(backend="emf", write=lambda text: None)
    sampler = sampler_for_stage()
    # THEN all say prod (not "unknown", nor dev's sampling)
    assert settings.stage == "prod"
    assert recorder.stage == "prod"
    assert (sampler.rate, sampler.reservoir_per_second) == (0.05, 1)


def test_a_function_name_without_a_stage_keeps_unknown(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "my-function")
    assert configure_logging(sink=lambda line: None).stage == "unknown"
