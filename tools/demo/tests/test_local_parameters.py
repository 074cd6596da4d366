"""The harness overrides name only parameters the templates declare, with allowed values."""

from pathlib import Path

import pytest

from rez_demo.local_parameters import local_parameters
from rez_deploy.templates import load_template

TEMPLATES = Path(__file__).resolve().parents[3] / "infra" / "cloudformation"
SERVICE_STACKS = ["authorizer", "notifier", "processor", "scheduler", "web-api"]


def test_the_notifier_posts_to_the_mock_without_a_rate_limit():
    overrides = local_parameters("http://127.0.0.1:8999")
    assert overrides["notifier"]["NtfyUrl"] == "http://127.0.0.1:8999"
    assert overrides["notifier"]["NtfyRatePerSecond"] == "0"


@pytest.mark.parametrize("stack", ["notifier"])
def test_each_override_is_a_declared_parameter_with_an_allowed_value(stack):
    declared = load_template(stack, TEMPLATES)["Parameters"]
    for name, value in local_parameters("http://127.0.0.1:8999")[stack].items():
        assert name in declared, f"{stack} declares no parameter {name}"
        allowed = declared[name].get("AllowedValues")
        assert allowed is None or value in allowed


@pytest.mark.parametrize("stack", SERVICE_STACKS)
def test_every_service_traces_to_its_log_with_opentelemetry(stack):
    declared = load_template(stack, TEMPLATES)["Parameters"]
    value = local_parameters("http://127.0.0.1:8999")["common"]["TracingBackend"]
    assert value in declared["TracingBackend"]["AllowedValues"]
