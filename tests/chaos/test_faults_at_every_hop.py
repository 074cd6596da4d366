"""Faults at every hop and a crash at every named point: nothing accepted is lost or stuck.

Every scenario arms its faults on the harness (``/_rez/faults``: AWS's own errors, narrowed to
the scenario's messages by ``contains`` and to one function by ``caller``; crash points narrowed
by ``match``), sends its batch, and all scenarios run side by side. The reconciler is invoked
every few seconds with short windows (its schedule, compressed). Then, for every message:
it ended ``completed`` with exactly one notification (the notifier's stated window aside), or
``failed`` with its reason; none stayed ``created``/``processing``; and every armed fault was
really hit. The table printed at the end is the one in docs/chaos.md.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from boto3.dynamodb.types import TypeDeserializer

from rez_demo.harness import Harness
from rez_messages.dynamodb import DynamoDBMessageRepository
from rez_messages.model import MessageType, Payload, new_message
from rez_messages.publishing import SNSMessagePublisher
from rezctl.faults import FaultInjector

STAGE = "dev"
MESSAGES_TABLE = f"rez-agent-messages-{STAGE}"
BREAKER_TABLE = f"rez-agent-circuit-breaker-{STAGE}"
WEB_API = f"rez-agent-web-api-{STAGE}"
PROCESSOR = f"rez-agent-message-processor-{STAGE}"
NOTIFIER = f"rez-agent-notification-service-{STAGE}"
SCHEDULER = f"rez-agent-scheduler-{STAGE}"
RECONCILER = f"rez-agent-reconciler-{STAGE}"
#: The reconciler's schedule, compressed: a pass every few seconds with short windows.
RECONCILE_EVENT = {"created_grace_seconds": 10, "processing_grace_seconds": 30}
SETTLE_TIMEOUT_S = 240
TERMINAL = {"completed", "failed"}


@dataclass
class Sent:
    """One message a scenario produced, and what the front door answered."""

    body: str
    correlation_id: str
    message_id: str | None = None
    http_status: int | None = None  # None: stored and published by the test itself


@dataclass
class Scenario:
    """A fault at a hop, the batch sent under it, and what the system must make of it."""

    hop: str
    fault: str
    run: Callable[[Chaos, Scenario], None]
    may_duplicate: int = 0
    refused: bool = False  # the client is told it failed (5xx) and the record is failed
    sent: list[Sent] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    crash: tuple[str, str] | None = None

    @property
    def tag(self) -> str:
        prefix = re.sub(r"[^a-z0-9]+", "-", self.hop.split()[0].lower())
        return f"{prefix}-{uuid.uuid4().hex[:6]}"


class Chaos:
    """The deployed system's doors, the fault injector, and the record/ntfy readers."""

    def __init__(self, harness: Harness, aws: Callable[[str], Any], outputs: Any) -> None:
        self.aws = aws
        self.faults = FaultInjector(harness.endpoint)
        self.ntfy = httpx.Client(base_url=harness.ntfy, timeout=10)
        web = outputs["web-api"]
        self.api_url = (
            f"{harness.endpoint}/restapis/{web['RestApiId']}/{web['ApiStageName']}"
            "/_user_request_/api"
        )
        secret = aws("secretsmanager").get_secret_value(
            SecretId=f"rez-agent/{STAGE}/jwt-signing-secret"
        )["SecretString"]
        env = aws("lambda").get_function_configuration(
            FunctionName=f"rez-agent-jwt-authorizer-{STAGE}"
        )["Environment"]["Variables"]
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": "chaos",
            "email": "chaos@example.com",
            "scope": "messages:read messages:write",
            "iat": now,
            "exp": now + 1800,
        }
        if env.get("JWT_ISSUER"):
            claims["iss"] = env["JWT_ISSUER"]
        if env.get("JWT_AUDIENCE"):
            claims["aud"] = env["JWT_AUDIENCE"]
        self.token = jwt.encode(claims, secret, algorithm="HS256")
        topic = next(
            t["TopicArn"]
            for t in aws("sns").list_topics()["Topics"]
            if t["TopicArn"].endswith(f":rez-agent-messages-{STAGE}")
        )
        self.repository = DynamoDBMessageRepository(MESSAGES_TABLE, aws("dynamodb"))
        self.publisher = SNSMessagePublisher(topic, aws("sns"), trace_context=lambda: None)
        self._deserializer = TypeDeserializer()

    # -- producing -------------------------------------------------------------------------
    def post(self, tag: str, count: int) -> list[Sent]:
        """Through API Gateway, the authorizer and web-api, as a client does."""
        sent = []
        with httpx.Client(base_url=self.api_url, timeout=60) as client:
            for index in range(count):
                item = Sent(body=f"{tag}-{index}", correlation_id=f"chaos-{tag}-{index}")
                answer = client.post(
                    "/messages",
                    json={"message": item.body},
                    headers={
                        "Authorization": f"Bearer {self.token}",
                        "X-Correlation-ID": item.correlation_id,
                    },
                )
                item.http_status = answer.status_code
                if answer.status_code == 202:
                    item.message_id = answer.json()["message_id"]
                sent.append(item)
        return sent

    def stored(self, tag: str, count: int) -> list[Sent]:
        """Created in the table (ids known before anything runs), not yet published."""
        sent = []
        for index in range(count):
            item = Sent(body=f"{tag}-{index}", correlation_id=f"chaos-{tag}-{index}")
            message = new_message(
                message_type=MessageType.MANUAL,
                payload=Payload.create(item.body, title="chaos"),
                created_by="chaos@example.com",
                stage=STAGE,
                correlation_id=item.correlation_id,
                now=datetime.now(UTC),
                retention=timedelta(days=1),
            )
            self.repository.add(message)
            item.message_id = message.message_id
            sent.append(item)
        return sent

    def publish(self, sent: list[Sent]) -> None:
        """What web-api does after storing: announce each message on the topic."""
        for item in sent:
            assert item.message_id is not None
            self.publisher.publish(self.repository.get(item.message_id))

    # -- reading ---------------------------------------------------------------------------
    def record(self, message_id: str) -> dict[str, Any] | None:
        item = (
            self.aws("dynamodb")
            .get_item(
                TableName=MESSAGES_TABLE, Key={"message_id": {"S": message_id}}, ConsistentRead=True
            )
            .get("Item")
        )
        return (
            None
            if item is None
            else {k: self._deserializer.deserialize(v) for k, v in item.items()}
        )

    def find_by(self, attribute: str, value: str) -> str | None:
        """The id of a message whose producer died before answering (scan: test data only)."""
        kwargs: dict[str, Any] = {
            "TableName": MESSAGES_TABLE,
            "FilterExpression": "#a = :v",
            "ExpressionAttributeNames": {"#a": attribute},
            "ExpressionAttributeValues": {":v": {"S": value}},
            "ProjectionExpression": "message_id",
        }
        while True:
            page = self.aws("dynamodb").scan(**kwargs)
            for item in page.get("Items", []):
                return str(item["message_id"]["S"])
            if "LastEvaluatedKey" not in page:
                return None
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def notifications(self) -> list[str]:
        return [str(m["message"]) for m in self.ntfy.get("/_mock/messages").json()]

    def reconcile(self) -> dict[str, Any]:
        import json

        answer = self.aws("lambda").invoke(
            FunctionName=RECONCILER, Payload=json.dumps(RECONCILE_EVENT).encode()
        )
        assert "FunctionError" not in answer, answer["Payload"].read()
        return dict(json.loads(answer["Payload"].read()))


# -- scenarios --------------------------------------------------------------------------------


def error_rule(chaos: Chaos, scenario: Scenario, **rule: Any) -> None:
    scenario.rules.append(chaos.faults.error(**rule)["id"])


def api_fault(service: str, operation: str, error: str, count: int, **extra: Any) -> Any:
    """A fault on web-api's own call for this scenario's messages (their correlation ids)."""

    def run(chaos: Chaos, scenario: Scenario) -> None:
        tag = scenario.tag
        error_rule(chaos, scenario, service=service, operation=operation, error=error,
                   contains=f"chaos-{tag}-", count=count, **extra)  # fmt: skip
        scenario.sent = chaos.post(tag, 3 if not scenario.refused else 1)

    return run


def downstream_fault(
    service: str, operation: str, error: str, caller: str, per_message: int, **extra: Any
) -> Any:
    """A fault on a downstream call (processor, notifier) naming each of the scenario's ids."""

    def run(chaos: Chaos, scenario: Scenario) -> None:
        scenario.sent = chaos.stored(scenario.tag, 2)
        for item in scenario.sent:
            error_rule(
                chaos, scenario, service=service, operation=operation, error=error,
                caller=caller, contains=item.message_id, count=per_message, **extra,
            )  # fmt: skip
        chaos.publish(scenario.sent)

    return run


def shared_fault(arm: Callable[[Chaos, Scenario], None]) -> Any:
    """A fault not tied to one message (the breaker's table, ntfy): whoever passes first."""

    def run(chaos: Chaos, scenario: Scenario) -> None:
        scenario.sent = chaos.stored(scenario.tag, 2)
        arm(chaos, scenario)
        chaos.publish(scenario.sent)

    return run


def crash_downstream(function: str, point: str) -> Any:
    def run(chaos: Chaos, scenario: Scenario) -> None:
        scenario.sent = chaos.stored(scenario.tag, 2)
        first = scenario.sent[0].message_id
        assert first is not None
        chaos.faults.crash(function, point, match=first)
        scenario.crash = (function, point)
        chaos.publish(scenario.sent)

    return run


def crash_web_api(chaos: Chaos, scenario: Scenario) -> None:
    tag = scenario.tag
    chaos.faults.crash(WEB_API, "web_api.after_store", match=f"chaos-{tag}-0")
    scenario.crash = (WEB_API, "web_api.after_store")
    scenario.sent = chaos.post(tag, 2)


def crash_scheduler(chaos: Chaos, scenario: Scenario) -> None:
    import json

    chaos.faults.crash(SCHEDULER, "scheduler.after_store")
    scenario.crash = (SCHEDULER, "scheduler.after_store")
    tag = scenario.tag
    item = Sent(body=f"{tag}-0", correlation_id="")
    answer = chaos.aws("lambda").invoke(
        FunctionName=SCHEDULER, Payload=json.dumps({"body": item.body}).encode()
    )
    item.http_status = 502 if "FunctionError" in answer else 200
    scenario.sent = [item]


def ntfy_503(chaos: Chaos, scenario: Scenario) -> None:
    chaos.ntfy.post("/_mock/faults", json={"fail_next": 2, "status": 503}).raise_for_status()


def breaker_throttled(chaos: Chaos, scenario: Scenario) -> None:
    error_rule(chaos, scenario, service="dynamodb", resource=BREAKER_TABLE, caller=NOTIFIER,
               error="dynamodb.throughput", count=2)  # fmt: skip


THROUGHPUT = "dynamodb.throughput"
SCENARIOS = [
    Scenario("web-api PutItem", "ProvisionedThroughputExceeded x2",
             api_fault("dynamodb", "PutItem", THROUGHPUT, 2, caller=WEB_API)),
    Scenario("web-api Publish", "SNS InternalError (500) x2",
             api_fault("sns", "Publish", "sns.internal", 2)),
    Scenario("web-api Publish", "SNS InternalError every attempt (3)",
             api_fault("sns", "Publish", "sns.internal", 3), refused=True),
    Scenario("SNS->SQS delivery", "SQS InternalError on SNS's SendMessage x2",
             api_fault("sqs", "SendMessage*", "sqs.internal", 2, source="internal")),
    Scenario("processor UpdateItem", "ProvisionedThroughputExceeded x2 per message",
             downstream_fault("dynamodb", "UpdateItem", THROUGHPUT, PROCESSOR, 2)),
    Scenario("processor GetItem", "ThrottlingException x2 per message",
             downstream_fault("dynamodb", "GetItem", "dynamodb.throttling", PROCESSOR, 2)),
    Scenario("processor Invoke", "Lambda TooManyRequests (429) x2 per message",
             downstream_fault("lambda", "Invoke", "lambda.throttled", PROCESSOR, 2)),
    Scenario("notifier GetItem", "InternalServerError (500) x2 per message",
             downstream_fault("dynamodb", "GetItem", "dynamodb.internal", NOTIFIER, 2)),
    Scenario("notifier UpdateItem", "ProvisionedThroughputExceeded x2 per message",
             downstream_fault("dynamodb", "UpdateItem", THROUGHPUT, NOTIFIER, 2)),
    Scenario("breaker state", "ProvisionedThroughputExceeded x2 (reads and writes)",
             shared_fault(breaker_throttled)),
    Scenario("ntfy", "503 x2", shared_fault(ntfy_503)),
    Scenario("web-api crash", "killed after PutItem, before Publish", crash_web_api),
    Scenario("scheduler crash", "killed after PutItem, before Publish", crash_scheduler),
    Scenario("processor crash", "killed after mark_processing",
             crash_downstream(PROCESSOR, "processor.after_mark_processing")),
    Scenario("processor crash", "killed after the notifier answered",
             crash_downstream(PROCESSOR, "processor.after_notify")),
    Scenario("notifier crash", "killed after ntfy accepted, before recording",
             crash_downstream(NOTIFIER, "notifier.after_post")),
]  # fmt: skip


@dataclass
class Outcome:
    delivered: int = 0
    duplicated: int = 0
    parked: int = 0
    refused: int = 0
    stuck: int = 0
    reconciled: int = 0


@pytest.fixture
def chaos(harness: Harness, aws: Callable[[str], Any], outputs: Any) -> Any:
    chaos = Chaos(harness, aws, outputs)
    chaos.faults.clear()
    chaos.faults.clear_crashes()
    chaos.ntfy.delete("/_mock/faults")
    yield chaos
    chaos.faults.clear()
    chaos.faults.clear_crashes()
    chaos.ntfy.delete("/_mock/faults")


def test_no_accepted_message_is_lost_stuck_or_silently_duplicated(chaos: Chaos) -> None:
    # GIVEN every scenario's faults armed and its batch sent, side by side
    with ThreadPoolExecutor(max_workers=len(SCENARIOS)) as pool:
        for future in [pool.submit(s.run, chaos, s) for s in SCENARIOS]:
            future.result()
    # the producers that died before answering: their messages are found by what they carry
    for scenario in SCENARIOS:
        for item in scenario.sent:
            if item.message_id is None and item.correlation_id:
                item.message_id = chaos.find_by("correlation_id", item.correlation_id)
            elif item.message_id is None:
                item.message_id = chaos.find_by("body", item.body)

    # WHEN the system settles, the reconciler passing every few seconds
    reconciled: dict[str, str] = {}
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while True:
        answer = chaos.reconcile()
        for action in ("republished", "handed_back", "failed"):
            reconciled.update(dict.fromkeys(answer[action], action))
        records = {
            item.message_id: chaos.record(item.message_id)
            for scenario in SCENARIOS
            for item in scenario.sent
            if item.message_id
        }
        if all(r and r["status"] in TERMINAL for r in records.values()):
            break
        if time.monotonic() > deadline:
            break
        time.sleep(3)
    time.sleep(2)  # a last in-flight post reaches ntfy before it is counted
    notes = chaos.notifications()

    # THEN per scenario: outcomes, and the faults were really injected
    table = []
    failures = []
    rules = {rule["id"]: rule for rule in chaos.faults.rules()}
    crashes = chaos.faults.crashes()
    for scenario in SCENARIOS:
        outcome = Outcome()
        for item in scenario.sent:
            record = records.get(item.message_id) if item.message_id else None
            sent_count = sum(1 for n in notes if n.startswith(item.body)) if item.body else 0
            if item.message_id in reconciled:
                outcome.reconciled += 1
            if record is None:
                failures.append(f"{scenario.hop}: {item.body}: no record ({item.http_status})")
                continue
            status = record["status"]
            if status not in TERMINAL:
                outcome.stuck += 1
                failures.append(f"{scenario.hop}: {item.message_id} stuck in {status}")
            elif status == "failed":
                outcome.refused += scenario.refused
                outcome.parked += not scenario.refused
                if not record.get("error"):
                    failures.append(f"{scenario.hop}: {item.message_id} failed without reason")
                if sent_count:
                    failures.append(f"{scenario.hop}: {item.message_id} failed but notified")
            else:
                outcome.delivered += 1
                outcome.duplicated += max(sent_count - 1, 0)
                if sent_count == 0:
                    failures.append(f"{scenario.hop}: {item.message_id} completed, no notification")
        if outcome.duplicated > scenario.may_duplicate:
            failures.append(f"{scenario.hop}: {outcome.duplicated} duplicates")
        if scenario.refused and outcome.refused != len(scenario.sent):
            failures.append(f"{scenario.hop}: expected the client to be refused: {outcome}")
        for rule_id in scenario.rules:
            rule = rules[rule_id]
            if rule["hits"] < 1:
                failures.append(f"{scenario.hop}: fault {rule_id} never hit")
        if scenario.crash:
            function, point = scenario.crash
            if crashes.get(function, {}).get("hits", {}).get(point, 0) < 1:
                failures.append(f"{scenario.hop}: crash point {point} never reached")
        table.append((scenario, outcome))

    print(_render(table))
    assert not failures, "\n".join(failures)


def _render(table: list[tuple[Scenario, Outcome]]) -> str:
    lines = [
        "| hop | fault | sent | delivered | duplicated | parked | refused | stuck | reconciled |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario, o in table:
        lines.append(
            f"| {scenario.hop} | {scenario.fault} | {len(scenario.sent)} | {o.delivered} | "
            f"{o.duplicated} | {o.parked} | {o.refused} | {o.stuck} | {o.reconciled} |"
        )
    return "\n".join(lines)
