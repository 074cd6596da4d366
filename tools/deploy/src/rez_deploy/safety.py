"""Refusals before a stack is deployed: parameter values that would expose a stage to outsiders.

CloudFormation's `AllowedPattern` checks one value at a time; these rules need two values, the
stage or where the URL points, so the deploy checks them before it creates a change set:

- ntfy topics are public unless the server requires a token: a `stage` or `prod` deploy that
  would publish to a server off this machine without `NtfyTokenSecretEnabled: true` is refused
  (anyone could read every notification, or post fake ones), unless explicitly allowed;
- ntfy and JWKS URLs are https, except on the loopback address of a local harness;
- `prod` verifies tokens with the identity provider's keys (an asymmetric algorithm and an https
  `JwksUrl`); a shared HS* secret only where the stage file lists it, and never with a JWKS URL
  missing for the asymmetric ones;
- `prod` caches the authorizer's answer for at most 60 s, so a revoked or expired token stops
  working within a minute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

PUBLIC_STAGES: Final = frozenset({"stage", "prod"})
MAX_PROD_AUTHORIZER_TTL_SECONDS: Final = 60
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})
SHARED_KEY_ALGORITHM_PREFIX: Final = "HS"  # HS256/384/512: one key signs and verifies


class UnsafeParametersError(ValueError):
    """The stage's parameters would expose it; the message says what to change."""


@dataclass(frozen=True, slots=True)
class SafetyOverrides:
    """Explicit, per-deploy exceptions to the rules (each one a command-line flag)."""

    allow_public_ntfy: bool = False


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs whose host is this machine (the harness and its mock ntfy)."""
    return (urlsplit(url).hostname or "") in LOOPBACK_HOSTS


def _https_problem(stack: str, name: str, url: str) -> str | None:
    if not url or url.startswith("https://") or is_loopback_url(url):
        return None
    return (
        f"{stack}.{name} is {url!r}: use https:// (plain http is allowed only for the local "
        "harness on 127.0.0.1/localhost)"
    )


def _ntfy_problems(
    stage: str, parameters: Mapping[str, str], overrides: SafetyOverrides
) -> list[str]:
    url = parameters.get("NtfyUrl", "")
    problems = [p for p in [_https_problem("notifier", "NtfyUrl", url)] if p]
    has_token = parameters.get("NtfyTokenSecretEnabled", "false") == "true"
    public = stage in PUBLIC_STAGES and bool(url) and not is_loopback_url(url)
    if public and not has_token and not overrides.allow_public_ntfy:
        topic = parameters.get("NtfyTopic") or f"rez-agent-{stage}"
        problems.append(
            f"notifier: {stage} would publish to {url} topic {topic!r} without a token: anyone "
            "who guesses the topic reads every notification and can post fake ones. Reserve "
            "the topic on the server, store an access token in the secret "
            f"rez-agent/{stage}/ntfy-token and set notifier.NtfyTokenSecretEnabled: true in "
            f"infra/parameters/{stage}.yaml (or pass --allow-public-ntfy to accept a public "
            "topic knowingly)"
        )
    return problems


def _authorizer_problems(stage: str, parameters: Mapping[str, str]) -> list[str]:
    jwks = parameters.get("JwksUrl", "")
    problems = [p for p in [_https_problem("authorizer", "JwksUrl", jwks)] if p]
    algorithms = [a.strip() for a in parameters.get("JwtAlgorithms", "").split(",") if a.strip()]
    asymmetric = [a for a in algorithms if not a.upper().startswith(SHARED_KEY_ALGORITHM_PREFIX)]
    if asymmetric and not jwks:
        problems.append(
            f"authorizer: JwtAlgorithms {','.join(asymmetric)} verify with the identity "
            "provider's public keys: set authorizer.JwksUrl to its https JWKS URL in "
            f"infra/parameters/{stage}.yaml"
        )
    return problems


def _api_problems(stage: str, parameters: Mapping[str, str]) -> list[str]:
    ttl = parameters.get("AuthorizerResultTtlSeconds")
    if stage == "prod" and ttl is not None and int(ttl) > MAX_PROD_AUTHORIZER_TTL_SECONDS:
        return [
            f"web-api: AuthorizerResultTtlSeconds is {ttl}: prod caches the authorizer's answer "
            f"for at most {MAX_PROD_AUTHORIZER_TTL_SECONDS} s, so an expired or revoked token "
            "stops working within a minute"
        ]
    return []


def with_defaults(template: Mapping[str, object], values: Mapping[str, str]) -> dict[str, str]:
    """The values a stack will really run with: the template's defaults under the given ones."""
    declared = template.get("Parameters") or {}
    assert isinstance(declared, Mapping)
    defaults = {
        str(name): str(spec["Default"])
        for name, spec in declared.items()
        if isinstance(spec, Mapping) and "Default" in spec
    }
    return {**defaults, **values}


def problems(
    stack: str,
    stage: str,
    parameters: Mapping[str, str],
    overrides: SafetyOverrides | None = None,
) -> list[str]:
    """Every rule `parameters` (the resolved values of `stack` in `stage`) breaks."""
    chosen = overrides or SafetyOverrides()
    if stack == "notifier":
        return _ntfy_problems(stage, parameters, chosen)
    if stack == "authorizer":
        return _authorizer_problems(stage, parameters)
    if stack == "web-api":
        return _api_problems(stage, parameters)
    return []


def check(
    stack: str,
    stage: str,
    parameters: Mapping[str, str],
    overrides: SafetyOverrides | None = None,
) -> None:
    """Raise UnsafeParametersError listing every problem, before anything is deployed."""
    found = problems(stack, stage, parameters, overrides)
    if found:
        raise UnsafeParametersError(
            f"refusing to deploy {stack} to {stage}:\n" + "\n".join(f"  - {p}" for p in found)
        )
