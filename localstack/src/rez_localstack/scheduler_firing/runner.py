"""The background thread: every tick, read the store, fire what is due, delete what completed."""

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from rez_localstack.scheduler_firing.clock import AdjustableClock
from rez_localstack.scheduler_firing.planner import FiringPlanner
from rez_localstack.scheduler_firing.schedules import ScheduleView

LOG = logging.getLogger(__name__)

TICK_SECONDS = 0.25
"""How often the store is read: a due schedule fires within about this long of its time."""


class SchedulerRunner:
    """Owns the firing thread; ``advance`` moves the clock and wakes the thread at once."""

    def __init__(
        self,
        read_schedules: Callable[[], list[ScheduleView]],
        invoke: Callable[[ScheduleView], None],
        delete: Callable[[ScheduleView], None],
        clock: AdjustableClock | None = None,
        tick_seconds: float = TICK_SECONDS,
    ) -> None:
        self.clock = clock or AdjustableClock()
        self._read = read_schedules
        self._invoke = invoke
        self._delete = delete
        self._tick = tick_seconds
        self._planner = FiringPlanner()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._idle = threading.Condition()
        self._passes_started = 0
        self._passes_finished = 0
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the daemon thread (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="rez-scheduler-firing", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and wait for it: no invocation starts after this returns."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def advance(self, seconds: float) -> None:
        """Move the firing clock forward and return once a pass has seen the new time.

        A pass first runs at the current time, so that every schedule created before this call is
        planned from its creation, not from after the jump.
        """
        self.run_pass_now()
        self.clock.advance(seconds)
        self.run_pass_now()

    def run_pass_now(self, timeout: float = 10.0) -> None:
        """Wake the thread and wait until it has completed one more pass."""
        with self._idle:
            target = self._passes_started + 1  # a pass that starts from now on sees the new time
            self._wake.set()
            self._idle.wait_for(
                lambda: self._passes_finished >= target or self._stopping.is_set(), timeout
            )

    def _loop(self) -> None:
        while not self._stopping.is_set():
            with self._idle:
                self._passes_started += 1
                number = self._passes_started
            try:
                self.run_once()
            except Exception:
                LOG.exception("scheduler firing pass failed")
            with self._idle:
                self._passes_finished = number
                self._idle.notify_all()
            self._wake.wait(self._tick)
            self._wake.clear()

    def run_once(self) -> None:
        """One pass: fire every due schedule, delete those that completed."""
        offset = timedelta(seconds=self.clock.offset_seconds)
        firings, completed = self._planner.due(self._read(), self.clock.now(), offset)
        for firing in firings:
            LOG.info("firing schedule %s due %s", firing.schedule.arn, firing.due.isoformat())
            try:
                self._invoke(firing.schedule)
            except Exception:
                LOG.exception("schedule %s: target invocation failed", firing.schedule.arn)
            if firing.last and firing.schedule.delete_after_completion:
                completed.append(firing.schedule)
        for schedule in completed:
            try:
                self._delete(schedule)
            except Exception:
                LOG.exception("schedule %s: delete after completion failed", schedule.arn)
