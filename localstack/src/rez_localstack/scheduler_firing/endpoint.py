"""``POST /_rez/scheduler/advance`` (``{"seconds": N}``) and ``GET /_rez/scheduler/clock``."""

import json
from typing import Any

from rez_localstack.scheduler_firing.runner import SchedulerRunner

ADVANCE_PATH = "/_rez/scheduler/advance"
CLOCK_PATH = "/_rez/scheduler/clock"


class ClockEndpoints:
    """Werkzeug-style endpoints over one runner's clock."""

    def __init__(self, runner: SchedulerRunner) -> None:
        self._runner = runner

    def advance(self, request: Any, **_: Any) -> Any:
        """Advance the firing clock; answers once the due schedules have been fired."""
        from rolo import Response

        try:
            body = json.loads(request.get_data() or b"{}")
            seconds = float(body["seconds"])
            if seconds < 0:
                raise ValueError("seconds must not be negative")
        except (ValueError, KeyError, TypeError) as error:
            return Response(
                json.dumps({"error": str(error)}), status=400, mimetype="application/json"
            )
        self._runner.advance(seconds)
        return self.clock(request)

    def clock(self, _request: Any, **_: Any) -> Any:
        """The firing clock's time and its lead over the wall clock."""
        from rolo import Response

        clock = self._runner.clock
        payload = {"now": clock.now().isoformat(), "offset_seconds": clock.offset_seconds}
        return Response(json.dumps(payload), status=200, mimetype="application/json")
