"""The control API: ``/_rez/faults`` (AWS error and latency rules) and ``/_rez/faults/crash``.

- ``POST /_rez/faults`` a rule (``rules.parse_rule``) → 201 with the rule and its ``id``;
  ``GET`` lists the rules with their hits; ``DELETE`` clears them;
  ``DELETE /_rez/faults/<id>`` removes one.
- ``POST /_rez/faults/crash`` ``{"function", "point", "count", "mode"}`` arms a crash point;
  ``GET`` lists them with their hits; ``DELETE`` disarms all.
"""

from __future__ import annotations

import json
import time
from typing import Any

from rez_localstack.faults import crash
from rez_localstack.faults.rules import FaultStore, RuleError

RULES_PATH = "/_rez/faults"
RULE_PATH = "/_rez/faults/<rule_id>"
CRASH_PATH = "/_rez/faults/crash"


def _json(payload: Any, status: int = 200) -> Any:
    from rolo import Response

    return Response(json.dumps(payload), status=status, mimetype="application/json")


def _body(request: Any) -> Any:
    return json.loads(request.get_data() or b"{}")


class FaultEndpoints:
    """Werkzeug-style endpoints over one rule store and the crash files."""

    def __init__(self, store: FaultStore) -> None:
        self.store = store

    def rules(self, request: Any, **_: Any) -> Any:
        if request.method == "POST":
            try:
                rule = self.store.add(_body(request))
            except (RuleError, ValueError, TypeError) as error:
                return _json({"error": str(error)}, 400)
            return _json(rule.to_json(time.monotonic()), 201)
        if request.method == "DELETE":
            return _json({"removed": self.store.clear()})
        return _json({"rules": self.store.snapshot()})

    def rule(self, _request: Any, rule_id: str, **_: Any) -> Any:
        if self.store.remove(rule_id):
            return _json({"removed": 1})
        return _json({"error": f"no rule {rule_id}"}, 404)

    def crash_points(self, request: Any, **_: Any) -> Any:
        if request.method == "POST":
            try:
                body = _body(request)
                document = crash.arm(
                    str(body.get("function", "")),
                    str(body.get("point", "")),
                    int(body.get("count", 1)),
                    str(body.get("mode", "kill")),
                    body.get("match") or None,
                )
            except (ValueError, TypeError) as error:
                return _json({"error": str(error)}, 400)
            return _json(document, 201)
        if request.method == "DELETE":
            return _json({"removed": crash.disarm()})
        return _json({"functions": crash.armed()})
