"""Metrics settings from the environment, read when used; an explicit argument always wins."""

from __future__ import annotations

from typing import Final, Literal, cast

from rez_telemetry import _env
from rez_telemetry.metrics.names import NAMESPACE

Backend = Literal["emf", "api", "off"]
BACKENDS: Final[tuple[Backend, ...]] = ("emf", "api", "off")
DEFAULT_STAGE: Final = "dev"


def resolve_backend(explicit: str | None = None) -> Backend:
    """`explicit`, else METRICS_BACKEND, else `emf` inside Lambda and `off` outside it.

    Outside Lambda nothing collects stdout as metrics, so EMF lines would only be noise.
    """
    choice = (explicit or _env.read(_env.METRICS_BACKEND) or "").strip().lower()
    if not choice:
        return "emf" if _env.read(_env.AWS_LAMBDA_FUNCTION_NAME) else "off"
    if choice not in BACKENDS:
        raise ValueError(f"{_env.METRICS_BACKEND} must be one of {BACKENDS}, got {choice!r}")
    return cast("Backend", choice)


def resolve_stage(explicit: str | None = None) -> str:
    """The `Stage` dimension: explicit, else STAGE (or the function name's suffix), else `dev`."""
    return explicit or _env.stage() or DEFAULT_STAGE


def resolve_function_name(explicit: str | None = None) -> str:
    """Function name for the cold-start metric: explicit (the Lambda context's), else the env."""
    return explicit or _env.read(_env.AWS_LAMBDA_FUNCTION_NAME) or "unknown"


def resolve_namespace(explicit: str | None = None) -> str:
    """CloudWatch namespace: explicit, else POWERTOOLS_METRICS_NAMESPACE, else `RezAgent`."""
    return explicit or _env.metrics_namespace() or NAMESPACE
