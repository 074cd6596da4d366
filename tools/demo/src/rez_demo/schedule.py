"""Fire the deployed schedule once, as EventBridge Scheduler would when it is due."""

from __future__ import annotations

import httpx

ONE_DAY_SECONDS = 86_400


def fire_daily_schedule(endpoint: str) -> None:
    """Move the harness's scheduler clock one day on: a daily schedule is due exactly once.

    The harness's Scheduler plugin fires due schedules on its own clock, which tests and this
    demo may advance (`POST /_rez/scheduler/advance`); the answer comes once due schedules fired.
    """
    answer = httpx.post(
        f"{endpoint}/_rez/scheduler/advance", json={"seconds": ONE_DAY_SECONDS}, timeout=60
    )
    if answer.status_code != 200:
        raise RuntimeError(
            f"the harness did not advance its scheduler clock ({answer.status_code}): "
            f"{answer.text[:300]} — is this LocalStack running rez_agent's plugins?"
        )
