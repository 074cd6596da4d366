"""LocalStack hooks: start the firing thread with the runtime, stop it on shutdown.

Entry points (``pyproject.toml``): ``localstack.hooks.on_infra_start`` and
``localstack.hooks.on_infra_shutdown``. The hooks import their implementation lazily.
"""

from localstack.runtime import hooks

_state: dict[str, object] = {}


@hooks.on_infra_start()
def start_scheduler_firing() -> None:
    """Start the thread that fires due schedules and expose the clock endpoints."""
    from localstack.services.edge import ROUTER

    from rez_localstack.scheduler_firing.endpoint import ADVANCE_PATH, CLOCK_PATH, ClockEndpoints
    from rez_localstack.scheduler_firing.runner import SchedulerRunner
    from rez_localstack.scheduler_firing.schedules import stored_schedules
    from rez_localstack.scheduler_firing.targets import delete_schedule, invoke_target

    runner = SchedulerRunner(stored_schedules, invoke_target, delete_schedule)
    endpoints = ClockEndpoints(runner)
    ROUTER.add(ADVANCE_PATH, endpoint=endpoints.advance, methods=["POST"])
    ROUTER.add(CLOCK_PATH, endpoint=endpoints.clock, methods=["GET"])
    runner.start()
    _state["runner"] = runner


@hooks.on_infra_shutdown()
def stop_scheduler_firing() -> None:
    """Stop the firing thread before LocalStack's services go away."""
    from rez_localstack.scheduler_firing.runner import SchedulerRunner

    runner = _state.pop("runner", None)
    if isinstance(runner, SchedulerRunner):
        runner.stop()
