"""A bound on warm Lambda environments: per function and in total, least recently used first.

Each warm environment here is a Python process (tens of MB). LocalStack keeps every environment
it started until ``LAMBDA_KEEPALIVE_MS`` passes without an invoke (10 minutes), so a burst of
concurrent invokes, or many functions, left hundreds of MB resident for minutes. AWS gives no
count either way and may shut an idle environment down at any time ("Lambda ... may terminate
execution environments ... even if they are idle"; the next invoke is a cold start):
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-shutdown

Environments idle for ``REZ_LAMBDA_WARM_GRACE_SECONDS`` (20) or more, beyond
``REZ_LAMBDA_MAX_WARM_PER_FUNCTION`` for their function version or beyond
``REZ_LAMBDA_MAX_WARM_TOTAL`` in all, are stopped, least recently used first, exactly as
LocalStack's keep-alive timer stops one: after each invocation and by a thread every few seconds.
Environments that are invoking, or idle for less than the grace, are never touched: a burst of
concurrent invokes keeps its environments while it lasts (no cold-start storm), and concurrency
is not limited, only what stays warm afterwards.

Why a patch: ``AssignmentService.get_environment`` is the one place an environment is handed
out and given back (and the way to find LocalStack's assignment service); there is no hook.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from localstack.runtime import hooks

from rez_localstack.settings import (
    DEFAULT_MAX_WARM_PER_FUNCTION,
    DEFAULT_MAX_WARM_TOTAL,
    DEFAULT_WARM_GRACE_SECONDS,
    MAX_WARM_PER_FUNCTION_ENV,
    MAX_WARM_TOTAL_ENV,
    WARM_GRACE_ENV,
    env_float,
    env_int,
)

LOG = logging.getLogger(__name__)
_evicting = threading.Lock()
#: LocalStack's assignment services seen handing out environments (one in practice).
_services: weakref.WeakSet[Any] = weakref.WeakSet()


def over_the_caps(
    environments: dict[str, dict[str, Any]],
    per_function: int,
    total: int,
    idle_before: datetime | float | None = None,
) -> list[tuple[str, Any]]:
    """(version manager id, environment) pairs to stop: idle ones (returned before
    ``idle_before``, when given), least recently used first."""
    from localstack.services.lambda_.invocation.execution_environment import RuntimeStatus
    from localstack.services.lambda_.invocation.lambda_models import InitializationType

    def idle(env: Any) -> bool:
        return bool(
            env.status == RuntimeStatus.READY
            and env.initialization_type == InitializationType.on_demand
            and (idle_before is None or env.last_returned <= idle_before)
        )

    chosen: list[tuple[str, Any]] = []
    counts = {vm: len(envs) for vm, envs in environments.items()}
    for vm, envs in environments.items():
        oldest = sorted((e for e in envs.values() if idle(e)), key=lambda e: e.last_returned)
        while counts[vm] > per_function and oldest:
            chosen.append((vm, oldest.pop(0)))
            counts[vm] -= 1
    left = sorted(
        ((vm, e) for vm, envs in environments.items() for e in envs.values() if idle(e)),
        key=lambda pair: pair[1].last_returned,
    )
    left = [pair for pair in left if all(pair[1] is not c[1] for c in chosen)]
    overall = sum(counts.values())
    while overall > total and left:
        chosen.append(left.pop(0))
        overall -= 1
    return chosen


def evict(assignment: Any) -> int:
    """Stop the idle environments over the caps, as a keep-alive expiry would; return how many."""
    per_function = env_int(MAX_WARM_PER_FUNCTION_ENV, DEFAULT_MAX_WARM_PER_FUNCTION)
    total = env_int(MAX_WARM_TOTAL_ENV, DEFAULT_MAX_WARM_TOTAL)
    grace = env_float(WARM_GRACE_ENV, DEFAULT_WARM_GRACE_SECONDS)
    idle_before = datetime.now() - timedelta(seconds=grace)
    stopped = 0
    with _evicting:
        snapshot = {vm: dict(envs) for vm, envs in list(assignment.environments.items())}
        for vm, env in over_the_caps(snapshot, per_function, total, idle_before):
            try:
                env.reserve()  # fails if an invoke took it meanwhile: then it stays
            except Exception:
                continue
            LOG.debug("Stopping warm environment %s of %s (over the warm cap)", env.id, vm)
            assignment.stop_environment(env)
            stopped += 1
    return stopped


@hooks.on_infra_start()
def limit_warm_lambda_environments() -> None:
    from localstack.services.lambda_.invocation.assignment import AssignmentService
    from localstack.utils.patch import patch

    if getattr(AssignmentService, "_rez_warm_cap", False):
        return

    @patch(AssignmentService.get_environment)
    @contextlib.contextmanager
    def get_environment(fn: Any, self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        _services.add(self)
        try:
            with fn(self, *args, **kwargs) as environment:
                yield environment
        finally:
            try:
                evict(self)
            except Exception:
                LOG.exception("Could not stop warm environments over the cap")

    AssignmentService._rez_warm_cap = True
    threading.Thread(target=_evict_periodically, name="rez-lambda-warm-cap", daemon=True).start()


def _evict_periodically() -> None:
    """Stop environments over the caps once their grace passed, even with no invoke to come."""
    interval = max(1.0, min(5.0, env_float(WARM_GRACE_ENV, DEFAULT_WARM_GRACE_SECONDS) / 4))
    while not _shutdown.wait(interval):
        for service in list(_services):
            try:
                evict(service)
            except Exception:
                LOG.exception("Could not stop warm environments over the cap")


_shutdown = threading.Event()
