"""Saved Logs Insights queries (``PutQueryDefinition`` and friends), which moto lacks."""

import threading
import time
import uuid
from dataclasses import dataclass


@dataclass(slots=True)
class QueryDefinitionRecord:
    """One saved query."""

    query_definition_id: str
    name: str
    query_string: str
    log_group_names: list[str]
    last_modified_ms: int

    def to_api(self) -> dict[str, object]:
        """The ``QueryDefinition`` shape."""
        answer: dict[str, object] = {
            "queryDefinitionId": self.query_definition_id,
            "name": self.name,
            "queryString": self.query_string,
            "lastModified": self.last_modified_ms,
            "queryLanguage": "CWLI",
        }
        if self.log_group_names:
            answer["logGroupNames"] = list(self.log_group_names)
        return answer


class QueryDefinitionStore:
    """Query definitions per (account, region)."""

    def __init__(self) -> None:
        self._definitions: dict[tuple[str, str], dict[str, QueryDefinitionRecord]] = {}
        self._lock = threading.Lock()

    def put(
        self,
        scope: tuple[str, str],
        name: str,
        query_string: str,
        log_group_names: list[str] | None,
        definition_id: str | None,
    ) -> str | None:
        """Create, or update when ``definition_id`` is given; ``None`` if that id is unknown."""
        with self._lock:
            definitions = self._definitions.setdefault(scope, {})
            if definition_id is not None and definition_id not in definitions:
                return None
            identifier = definition_id or str(uuid.uuid4())
            definitions[identifier] = QueryDefinitionRecord(
                identifier, name, query_string, list(log_group_names or []), int(time.time() * 1000)
            )
            return identifier

    def list(self, scope: tuple[str, str], name_prefix: str | None) -> list[QueryDefinitionRecord]:
        """Definitions whose name starts with ``name_prefix``, by name."""
        with self._lock:
            found = [
                record
                for record in self._definitions.get(scope, {}).values()
                if record.name.startswith(name_prefix or "")
            ]
        return sorted(found, key=lambda record: record.name)

    def delete(self, scope: tuple[str, str], definition_id: str) -> bool:
        """Remove a definition; ``False`` when there was none."""
        with self._lock:
            return self._definitions.get(scope, {}).pop(definition_id, None) is not None
