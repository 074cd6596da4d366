"""Metrics settings from the environment, read when used; an explicit argument always wins."""

from __future__ import annotations

import os
from typing import Final, Literal, cast

Backend = Literal["emf", "api", "off"]
BACKENDS: Final[tuple[Backend, ...]] = ("emf", "api", "off")

METRICS_BACKEND_ENV: Final = "METRICS_BACKEND"
STAGE_ENV: Final = "STAGE"
LAMBDA_FUNCTION_NAME_ENV: Final = "AWS_LAMBDA_FUNCTION_NAME"
LAMBDA_INITIALIZATION_TYPE_ENV: Final = "AWS_LAMBDA_INITIALIZATION_TYPE"
DEFAULT_STAGE: Final = "dev"


def resolve_backend(explicit: str | None = None) -> Backend:
    """`explicit`, else METRICS_BACKEND, else `emf` inside Lambda and `off` outside it.

    Outside Lambda nothing collects stdout as metrics, so EMF lines would only be noise.
    """
    choice = (explicit or os.environ.get(METRICS_BACKEND_ENV, "")).strip().lower()
    if not choice:
        return "emf" if os.environ.get(LAMBDA_FUNCTION_NAME_ENV) else "off"
    if choice not in BACKENDS:
        raise ValueError(f"{METRICS_BACKEND_ENV} must be one of {BACKENDS}, got {choice!r}")
    return cast("Backend", choice)


def resolve_stage(explicit: str | None = None) -> str:
    """The `Stage` dimension: explicit, else STAGE, else `dev`."""
    return explicit or os.environ.get(STAGE_ENV) or DEFAULT_STAGE


def resolve_function_name(explicit: str | None = None) -> str:
    """Function name for the cold-start metric: explicit (the Lambda context's), else the env."""
    return explicit or os.environ.get(LAMBDA_FUNCTION_NAME_ENV) or "unknown"
