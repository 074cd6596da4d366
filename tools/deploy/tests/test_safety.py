"""The deploy refuses parameters that would expose a stage, before anything is packaged or sent."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

import pytest

from rez_deploy import safety
from rez_deploy.cli import main
from rez_deploy.deploy import deploy_stacks
from rez_deploy.parameters import load_stage_file, parameters_file, resolve_parameters
from rez_deploy.safety import SafetyOverrides, UnsafeParametersError
from rez_deploy.templates import template_dir

REPO_ROOT = Path(__file__).resolve().parents[3]
PUBLIC_NTFY = {"NtfyUrl": "https://ntfy.sh", "NtfyTopic": "rez-agent-prod"}


def shipped(stack: str, stage: str, templates: dict[str, Any]) -> dict[str, str]:
    """What `stack` runs with in `stage` from the repository's own parameter files."""
    stage_file = load_stage_file(parameters_file(template_dir(REPO_ROOT), stage))
    values = resolve_parameters(stack, stage, templates[stack], stage_file, templates)
    return safety.with_defaults(templates[stack], values)


def test_prod_without_an_ntfy_token_on_a_public_server_is_refused_with_what_to_do():
    # GIVEN prod publishing to ntfy.sh with no token
    values = {**PUBLIC_NTFY, "NtfyTokenSecretEnabled": "false"}

    # WHEN the deploy checks it
    with pytest.raises(UnsafeParametersError) as refused:
        safety.check("notifier", "prod", values)

    # THEN it names the risk, the secret to fill, the parameter to set and the override
    message = str(refused.value)
    assert "rez-agent-prod" in message
    assert "https://ntfy.sh" in message
    assert "rez-agent/prod/ntfy-token" in message
    assert "NtfyTokenSecretEnabled: true" in message
    assert "--allow-public-ntfy" in message


def test_a_public_topic_is_deployed_only_when_explicitly_allowed_or_with_a_token():
    no_token = {**PUBLIC_NTFY, "NtfyTokenSecretEnabled": "false"}
    assert (
        safety.problems("notifier", "prod", no_token, SafetyOverrides(allow_public_ntfy=True)) == []
    )
    assert (
        safety.problems("notifier", "stage", {**no_token, "NtfyTokenSecretEnabled": "true"}) == []
    )
    assert safety.problems("notifier", "stage", no_token) != []
    # dev may use a public topic (nothing real goes there); the local mock is never public
    assert safety.problems("notifier", "dev", no_token) == []
    mock = {"NtfyUrl": "http://127.0.0.1:8090", "NtfyTokenSecretEnabled": "false"}
    assert safety.problems("notifier", "prod", mock) == []


@pytest.mark.parametrize(
    ("stack", "name", "url", "refused"),
    [
        ("notifier", "NtfyUrl", "http://ntfy.example.com", True),
        ("notifier", "NtfyUrl", "https://ntfy.example.com", False),
        ("notifier", "NtfyUrl", "http://localhost:8090", False),
        ("authorizer", "JwksUrl", "http://idp.example.com/.well-known/jwks.json", True),
        ("authorizer", "JwksUrl", "https://idp.example.com/.well-known/jwks.json", False),
        ("authorizer", "JwksUrl", "http://127.0.0.1:9000/jwks.json", False),
    ],
)
def test_urls_are_https_except_on_the_loopback_address(stack, name, url, refused, templates):
    values = {name: url, "NtfyTokenSecretEnabled": "true", "JwtAlgorithms": "RS256"}
    found = safety.problems(stack, "dev", values)
    assert bool(found) is refused
    # the template refuses the same values on its own, for deploys that bypass rez_deploy
    pattern = templates[stack]["Parameters"][name]["AllowedPattern"]
    assert (re.fullmatch(pattern, url) is None) is refused


def test_prod_verifies_tokens_with_the_identity_providers_keys(templates):
    # the repository's prod parameters choose RS256 and leave the JWKS URL to the operator
    prod = shipped("authorizer", "prod", templates)
    assert prod["JwtAlgorithms"] == "RS256"
    assert any("JwksUrl" in p for p in safety.problems("authorizer", "prod", prod))
    configured = {**prod, "JwksUrl": "https://idp.example.com/.well-known/jwks.json"}
    assert safety.problems("authorizer", "prod", configured) == []
    # the template default is asymmetric too: HS256 is only where a stage file opts in
    assert templates["authorizer"]["Parameters"]["JwtAlgorithms"]["Default"] == "RS256"
    assert shipped("authorizer", "dev", templates)["JwtAlgorithms"] == "HS256"


def test_prod_caches_the_authorizers_answer_for_at_most_a_minute(templates):
    assert int(shipped("web-api", "prod", templates)["AuthorizerResultTtlSeconds"]) <= 60
    assert safety.problems("web-api", "prod", {"AuthorizerResultTtlSeconds": "300"}) != []
    assert safety.problems("web-api", "dev", {"AuthorizerResultTtlSeconds": "300"}) == []


def test_the_shipped_stage_and_prod_files_need_an_ntfy_token(templates):
    for stage in ("stage", "prod"):
        assert shipped("notifier", stage, templates)["NtfyTokenSecretEnabled"] == "true"
        assert safety.problems("notifier", stage, shipped("notifier", stage, templates)) == []


def test_deploy_refuses_before_packaging_or_calling_aws():
    # GIVEN a packager that records what it was asked to build
    packaged: list[list[str]] = []

    # WHEN prod is deployed with ntfy's token switched off (to an endpoint nothing listens on)
    with pytest.raises(UnsafeParametersError, match="without a token"):
        deploy_stacks(
            ["notifier"],
            "prod",
            "http://127.0.0.1:9",
            packager=packaged.append,
            parameters={"notifier": {"NtfyTokenSecretEnabled": "false"}},
        )

    # THEN nothing was built (and nothing was sent: the endpoint would have refused a connection)
    assert packaged == []


def test_cli_prints_the_refusal_and_exits_1():
    err = io.StringIO()
    with redirect_stderr(err):
        code = main(
            [
                "--stage",
                "prod",
                "--service",
                "notifier",
                "--endpoint",
                "http://127.0.0.1:9",
                "--skip-package",
                "--yes",  # past prod's confirmation: the parameters are refused before anything
                "--parameter",
                "notifier.NtfyTokenSecretEnabled=false",
            ]
        )
    assert code == 1
    assert "refusing to deploy notifier to prod" in err.getvalue()
    assert "--allow-public-ntfy" in err.getvalue()
