"""Stage parameter files: linked values stay consistent, typos fail, only declared names pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from rez_deploy.catalog import STACKS
from rez_deploy.cli import build_parser, overrides_of
from rez_deploy.parameters import (
    ParameterError,
    load_stage_file,
    merge_sections,
    resolve_parameters,
)

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_processor_gets_the_shared_timeout_and_receive_count(templates):
    stage_file = {"shared": {"ProcessorTimeoutSeconds": "600", "MaxReceiveCount": 5}}
    values = resolve_parameters("processor", "prod", templates["processor"], stage_file, templates)
    assert values["TimeoutSeconds"] == "600"
    assert values["MaxReceiveCount"] == "5"
    assert values["Stage"] == "prod"


def test_linked_values_default_to_the_shared_templates_defaults(templates):
    values = resolve_parameters("processor", "dev", templates["processor"], {}, templates)
    shared = templates["shared"]["Parameters"]
    assert values["TimeoutSeconds"] == shared["ProcessorTimeoutSeconds"]["Default"]
    assert values["MaxReceiveCount"] == str(shared["MaxReceiveCount"]["Default"])


def test_a_linked_value_cannot_be_set_on_the_processor(templates):
    with pytest.raises(ParameterError, match=r"derived from shared\.ProcessorTimeoutSeconds"):
        resolve_parameters(
            "processor",
            "dev",
            templates["processor"],
            {"processor": {"TimeoutSeconds": 60}},
            templates,
        )


def test_unknown_names_fail_and_common_goes_only_where_declared(templates):
    with pytest.raises(ParameterError, match="NtfyTopik"):
        resolve_parameters(
            "notifier", "dev", templates["notifier"], {"notifier": {"NtfyTopik": "x"}}, templates
        )
    stage_file = {"common": {"ErrorLogAlerts": "enabled", "NtfyUrl": "https://n.example"}}
    monitoring = resolve_parameters(
        "monitoring", "dev", templates["monitoring"], stage_file, templates
    )
    assert "ErrorLogAlerts" not in monitoring
    assert "NtfyUrl" not in monitoring
    notifier = resolve_parameters("notifier", "dev", templates["notifier"], stage_file, templates)
    assert notifier["ErrorLogAlerts"] == "enabled"
    assert notifier["NtfyUrl"] == "https://n.example"


def test_booleans_become_cloudformation_strings(templates):
    stage_file = {"notifier": {"NtfyTokenSecretEnabled": True}}
    values = resolve_parameters("notifier", "dev", templates["notifier"], stage_file, templates)
    assert values["NtfyTokenSecretEnabled"] == "true"


@pytest.mark.parametrize("stage", ["dev", "stage", "prod"])
def test_the_committed_stage_files_resolve_for_every_stack(templates, stage):
    stage_file = load_stage_file(REPO_ROOT / "infra" / "parameters" / f"{stage}.yaml")
    for name in STACKS:
        values = resolve_parameters(name, stage, templates[name], stage_file, templates)
        declared = templates[name]["Parameters"]
        for key, value in values.items():
            allowed = declared[key].get("AllowedValues")
            assert allowed is None or value in [str(v) for v in allowed], (name, key, value)


def test_overrides_win_over_the_stage_file_name_by_name():
    # GIVEN the stage file's notifier section and an override of one of its names
    base = {"notifier": {"NtfyUrl": "https://ntfy.sh", "NtfyTopic": "rez-agent-dev"}}
    overrides = {
        "notifier": {"NtfyUrl": "http://127.0.0.1:8090"},
        "common": {"ApplicationLogLevel": "DEBUG"},
    }

    # WHEN they are merged
    merged = merge_sections(base, overrides)

    # THEN the override wins, the rest of the section stays, and new sections appear
    assert merged["notifier"] == {"NtfyUrl": "http://127.0.0.1:8090", "NtfyTopic": "rez-agent-dev"}
    assert merged["common"] == {"ApplicationLogLevel": "DEBUG"}
    assert base["notifier"]["NtfyUrl"] == "https://ntfy.sh"


def test_the_cli_reads_repeated_parameter_overrides():
    args = build_parser().parse_args(
        [
            "--stage",
            "dev",
            "--all",
            "--parameter",
            "notifier.NtfyUrl=http://127.0.0.1:8090/x=y",
            "--parameter",
            "common.TracingBackend=otel",
        ]
    )
    assert overrides_of(args.parameter) == {
        "notifier": {"NtfyUrl": "http://127.0.0.1:8090/x=y"},
        "common": {"TracingBackend": "otel"},
    }


def test_a_malformed_parameter_override_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as raised:
        build_parser().parse_args(["--stage", "dev", "--all", "--parameter", "NtfyUrl=x"])
    assert raised.value.code == 2
    assert "expected SECTION.NAME=VALUE" in capsys.readouterr().err
