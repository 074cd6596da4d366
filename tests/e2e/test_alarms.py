"""Every alarm of the monitoring stack, driven by the condition it watches, pages its severity's
topic with its runbook, and returns to OK when the condition ends; bad tokens page no one.

The alarms are the deployed ones (periods of 10 s and the slow thresholds lowered through the
stack's parameters: `ALARM_TEST_PARAMETERS`). One SQS queue subscribes to each alert topic, as a
pager or chat integration would. The scenarios run side by side in three waves (a wave's
conditions must not disturb each other's: the mock ntfy is shared):

0. a burst of bad tokens, alone: every alarm stays OK;
1. a message in the DLQ; ntfy slow (the processor's p99 duration); the web API failing to
   publish (5xx answers);
2. ntfy down (the circuit opens; messages wait in the queue: the backlog alarm) and, once those
   messages are posted, the authorizer unable to read its signing secret (its error alarm).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest

from e2e_support import ROOT, STAGE, wait_for

PREFIX = f"rez-agent-{STAGE}-"
ALARM_TIMEOUT = 90
OK_TIMEOUT = 120


# ---------------------------------------------------------------- alert topics' subscribers
class AlertInbox:
    """One SQS queue per alert topic, drained by a thread: every notification, by topic."""

    def __init__(self, aws: Callable[[str], Any], topics: dict[str, str]) -> None:
        self.sqs = aws("sqs")
        self.sns = aws("sns")
        self.queues: dict[str, str] = {}
        self.subscriptions: list[str] = []
        self.received: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        run = uuid.uuid4().hex[:6]
        for severity, topic in topics.items():
            url = self.sqs.create_queue(QueueName=f"e2e-alerts-{severity}-{run}")["QueueUrl"]
            arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
            sub = self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
            self.queues[severity] = url
            self.subscriptions.append(sub["SubscriptionArn"])
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while not self.stop.is_set():
            for severity, url in self.queues.items():
                answer = self.sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1
                )
                for message in answer.get("Messages", []):
                    envelope = json.loads(message["Body"])
                    with self.lock:
                        self.received.append((severity, envelope, json.loads(envelope["Message"])))
                    self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def find(self, alarm: str, state: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
        with self.lock:
            return [
                r
                for r in self.received
                if r[2]["AlarmName"] == alarm and r[2]["NewStateValue"] == state
            ]

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        for arn in self.subscriptions:
            self.sns.unsubscribe(SubscriptionArn=arn)
        for url in self.queues.values():
            self.sqs.delete_queue(QueueUrl=url)


# ---------------------------------------------------------------- scenarios
@dataclass
class Outcome:
    """What one alarm did while its condition was on, then off."""

    alarm: str
    severity: str
    reached_alarm: bool = False
    returned_ok: bool = False
    alarm_notice: tuple[str, dict[str, Any], dict[str, Any]] | None = None
    ok_notice: tuple[str, dict[str, Any], dict[str, Any]] | None = None
    error: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)


class Driver:
    """Shared access for the scenarios."""

    def __init__(self, aws: Callable[[str], Any], system: Any, tokens: Any, ntfy: Any) -> None:
        self.aws, self.system, self.tokens, self.ntfy = aws, system, tokens, ntfy
        self.cw = aws("cloudwatch")
        self.lam = aws("lambda")

    def state(self, name: str) -> str:
        [alarm] = self.cw.describe_alarms(AlarmNames=[PREFIX + name])["MetricAlarms"]
        return str(alarm["StateValue"])

    def post(self, client: httpx.Client, token: str | None = None) -> int:
        response = client.post(
            "/messages",
            json={"message": f"alarm-e2e-{uuid.uuid4().hex[:8]}"},
            headers={"Authorization": f"Bearer {token or self.tokens.mint()}"},
        )
        return response.status_code

    def set_env(self, function: str, change: Callable[[dict[str, str]], dict[str, str]]) -> None:
        """Replace a function's variables (a new execution environment picks them up)."""
        current = self.lam.get_function_configuration(FunctionName=function)
        variables = dict((current.get("Environment") or {}).get("Variables") or {})
        self.lam.update_function_configuration(
            FunctionName=function, Environment={"Variables": change(variables)}
        )
        wait_for(
            lambda: (
                self.lam.get_function_configuration(FunctionName=function).get("LastUpdateStatus")
                in ("Successful", "Failed")
            ),
            timeout=60,
            every=0.2,
        )


def finish(driver: Driver, inbox: AlertInbox, outcome: Outcome) -> None:
    """After the condition ended: the alarm back to OK, and both notifications received."""
    full = PREFIX + outcome.alarm
    if outcome.reached_alarm:
        deadline = time.monotonic() + OK_TIMEOUT
        while time.monotonic() < deadline and driver.state(outcome.alarm) != "OK":
            time.sleep(0.5)
        outcome.returned_ok = driver.state(outcome.alarm) == "OK"
        outcome.alarm_notice = wait_for(lambda: inbox.find(full, "ALARM"), timeout=20)[0]
    if outcome.returned_ok:
        outcome.ok_notice = wait_for(lambda: inbox.find(full, "OK"), timeout=20)[0]


def scenario(
    driver: Driver,
    inbox: AlertInbox,
    outcome: Outcome,
    start: Callable[[], None],
    stop: Callable[[], None],
    drive: Callable[[], None] | None = None,
) -> Outcome:
    """Condition on (driven until the alarm fires), then off (until the alarm is OK again)."""
    stopped = False
    try:
        start()
        deadline = time.monotonic() + ALARM_TIMEOUT
        while time.monotonic() < deadline and driver.state(outcome.alarm) != "ALARM":
            if drive:
                drive()
            time.sleep(0.5)
        outcome.reached_alarm = driver.state(outcome.alarm) == "ALARM"
        stop()
        stopped = True
        finish(driver, inbox, outcome)
    except Exception as error:  # reported by the alarm's own test
        outcome.error = f"{type(error).__name__}: {error}"
    finally:
        if not stopped:
            stop()
    return outcome


def dlq_scenario_drain(sqs: Any, url: str) -> None:
    """Delete every message of the DLQ (PurgeQueue allows one call a minute)."""
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return
        for message in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def dlq_scenario(driver: Driver, inbox: AlertInbox) -> Outcome:
    sqs, url = driver.aws("sqs"), driver.system.dlq_url

    def park() -> None:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"message_id": str(uuid.uuid4())}))

    return scenario(
        driver,
        inbox,
        Outcome("dlq-has-messages", "critical"),
        park,
        lambda: dlq_scenario_drain(sqs, url),
    )


def p99_scenario(driver: Driver, inbox: AlertInbox) -> Outcome:
    client = httpx.Client(base_url=driver.system.api_url, timeout=30)
    last = [0.0]

    def drive() -> None:  # a message every 2 s while ntfy is slow
        if time.monotonic() - last[0] >= 2:
            last[0] = time.monotonic()
            driver.post(client)

    def heal() -> None:
        driver.ntfy.heal()
        client.close()

    return scenario(
        driver,
        inbox,
        Outcome("processor-duration-p99", "info"),
        lambda: driver.ntfy.fault(latency_ms=4000),
        heal,
        drive,
    )


def api_5xx_scenario(driver: Driver, inbox: AlertInbox) -> Outcome:
    client = httpx.Client(base_url=driver.system.api_url, timeout=30)
    function = f"rez-agent-web-api-{STAGE}"
    saved: dict[str, str] = {}
    outcome = Outcome("api-5xx-errors", "warning")

    def break_publishing() -> None:
        def bogus(variables: dict[str, str]) -> dict[str, str]:
            saved.update(variables)
            return {**variables, "TOPIC_ARN": variables["TOPIC_ARN"] + "-missing"}

        driver.set_env(function, bogus)

    def drive() -> None:
        statuses = [driver.post(client) for _ in range(3)]
        outcome.notes.setdefault("statuses", []).extend(statuses)

    def restore() -> None:
        driver.set_env(function, lambda _: dict(saved))
        client.close()

    return scenario(driver, inbox, outcome, break_publishing, restore, drive)


def outage_scenarios(driver: Driver, inbox: AlertInbox, posted: threading.Event) -> list[Outcome]:
    """ntfy down: the circuit opens (critical) and the posted messages wait (backlog, info)."""
    outcomes = [Outcome("circuit-breaker-open", "critical"), Outcome("queue-backlog", "info")]
    try:
        driver.ntfy.fault(down_for_s=600)
        with httpx.Client(base_url=driver.system.api_url, timeout=30) as client:
            outcomes[0].notes["posted"] = [driver.post(client) for _ in range(6)]
    finally:
        posted.set()
    try:
        deadline = time.monotonic() + ALARM_TIMEOUT
        while time.monotonic() < deadline and not all(o.reached_alarm for o in outcomes):
            for outcome in outcomes:
                outcome.reached_alarm |= driver.state(outcome.alarm) == "ALARM"
            time.sleep(0.5)
    finally:
        driver.ntfy.heal()  # the outage is over: the circuit closes, the queue drains
    with ThreadPoolExecutor(2) as pool:
        for outcome in outcomes:
            pool.submit(finish, driver, inbox, outcome)
    return outcomes


def authorizer_scenario(driver: Driver, inbox: AlertInbox, posted: threading.Event) -> Outcome:
    client = httpx.Client(base_url=driver.system.api_url, timeout=30)
    function = f"rez-agent-jwt-authorizer-{STAGE}"
    saved: dict[str, str] = {}
    outcome = Outcome("lambda-errors-jwt-authorizer", "warning")

    def lose_the_secret() -> None:
        posted.wait(120)  # the outage scenario's messages need a working authorizer

        def missing(variables: dict[str, str]) -> dict[str, str]:
            saved.update(variables)
            return {**variables, "JWT_SECRET_NAME": variables["JWT_SECRET_NAME"] + "-missing"}

        driver.set_env(function, missing)

    def drive() -> None:  # valid tokens, each new (no cached authorizer answer)
        statuses = [driver.post(client) for _ in range(3)]
        outcome.notes.setdefault("statuses", []).extend(statuses)

    def restore() -> None:
        driver.set_env(function, lambda _: dict(saved))
        client.close()

    return scenario(driver, inbox, outcome, lose_the_secret, restore, drive)


# ---------------------------------------------------------------- the run, once per module
@dataclass
class Run:
    burst_states: dict[str, str]
    burst_transitions: list[str]
    burst_counts: dict[str, float]
    outcomes: dict[str, Outcome]


def alarm_names(cw: Any) -> list[str]:
    pages = cw.get_paginator("describe_alarms").paginate(AlarmNamePrefix=PREFIX)
    return [a["AlarmName"] for page in pages for a in page["MetricAlarms"]]


def metric_sum(
    cw: Any, namespace: str, name: str, dims: dict[str, str], since: dt.datetime
) -> float:
    answer = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "m",
                "MetricStat": {
                    "Metric": {
                        "Namespace": namespace,
                        "MetricName": name,
                        "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                    },
                    "Period": 3600,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=since - dt.timedelta(seconds=5),
        EndTime=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5),
    )
    return float(sum(answer["MetricDataResults"][0]["Values"]))


def bad_token_burst(
    driver: Driver, count: int = 100
) -> tuple[dict[str, str], list[str], dict[str, float]]:
    """`count` JWTs signed with the wrong key, 4 at a time; then two periods of evaluation."""
    cw = driver.cw
    began = dt.datetime.now(dt.UTC)

    def one(i: int) -> int:
        claims = {"sub": f"intruder-{i}", "iat": int(time.time()), "exp": int(time.time()) + 300}
        token = jwt.encode(claims, f"not-the-secret-{uuid.uuid4().hex}", algorithm="HS256")
        with httpx.Client(base_url=driver.system.api_url, timeout=30) as client:
            return driver.post(client, token)

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(one, range(count)))
    assert set(statuses) == {401}, statuses
    time.sleep(25)  # the burst's periods end, are evaluated (10 s periods, 2 s tick)
    names = alarm_names(cw)
    states = {name: driver.state(name.removeprefix(PREFIX)) for name in names}
    history = cw.describe_alarm_history(
        HistoryItemType="StateUpdate", StartDate=began, EndDate=dt.datetime.now(dt.UTC)
    )["AlarmHistoryItems"]
    transitions = [
        f"{h['AlarmName']}: {h['HistorySummary']}"
        for h in history
        if h["AlarmName"].startswith(PREFIX) and "to ALARM" in h["HistorySummary"]
    ]
    authorizer = {"FunctionName": f"rez-agent-jwt-authorizer-{STAGE}"}
    counts = {
        "errors": metric_sum(cw, "AWS/Lambda", "Errors", authorizer, began),
        "refused": metric_sum(cw, "RezAgent", "TokensRefused", {"Stage": STAGE}, began),
    }
    return states, transitions, counts


@pytest.fixture(scope="module")
def run(aws, system, tokens, ntfy_server) -> Iterator[Run]:
    from conftest import forget_circuit

    topics = {
        severity: system.outputs["shared"][f"Alerts{severity.capitalize()}TopicArn"]
        for severity in ("critical", "warning", "info")
    }
    inbox = AlertInbox(aws, topics)
    driver = Driver(aws, system, tokens, ntfy_server)
    ntfy_server.heal()
    forget_circuit(aws, system)
    try:
        dlq_scenario_drain(aws("sqs"), system.dlq_url)  # another run's leftovers
        # every alarm settles (OK) before the burst
        wait_for(
            lambda: all(
                driver.state(n.removeprefix(PREFIX)) == "OK" for n in alarm_names(driver.cw)
            ),
            timeout=60,
        )
        states, transitions, counts = bad_token_burst(driver)
        outcomes: dict[str, Outcome] = {}
        with ThreadPoolExecutor(3) as pool:
            wave = [
                pool.submit(dlq_scenario, driver, inbox),
                pool.submit(p99_scenario, driver, inbox),
                pool.submit(api_5xx_scenario, driver, inbox),
            ]
            for future in wave:
                outcome = future.result()
                outcomes[outcome.alarm] = outcome
        posted = threading.Event()
        with ThreadPoolExecutor(2) as pool:
            outage = pool.submit(outage_scenarios, driver, inbox, posted)
            authorizer = pool.submit(authorizer_scenario, driver, inbox, posted)
            for outcome in [*outage.result(), authorizer.result()]:
                outcomes[outcome.alarm] = outcome
        yield Run(states, transitions, counts, outcomes)
    finally:
        ntfy_server.heal()
        forget_circuit(aws, system)
        inbox.close()


# ---------------------------------------------------------------- the assertions
def test_a_burst_of_bad_tokens_leaves_every_alarm_ok(run: Run):
    # the tokens did reach the authorizer: each was a Lambda error and a refused token ...
    assert run.burst_counts["errors"] >= 100, run.burst_counts
    assert run.burst_counts["refused"] >= 100, run.burst_counts
    # ... and no alarm moved
    assert run.burst_transitions == []
    assert set(run.burst_states.values()) == {"OK"}, run.burst_states


RUNBOOKS = {
    "dlq-has-messages": "dlq-has-messages.md",
    "processor-duration-p99": "processor-duration-p99.md",
    "api-5xx-errors": "api-5xx-errors.md",
    "circuit-breaker-open": "circuit-breaker-open.md",
    "queue-backlog": "queue-backlog.md",
    "lambda-errors-jwt-authorizer": "lambda-errors.md",
}


@pytest.mark.parametrize("alarm", sorted(RUNBOOKS))
def test_the_alarm_fires_pages_its_topic_and_recovers(run: Run, alarm: str):
    outcome = run.outcomes[alarm]
    assert outcome.error is None, outcome
    assert outcome.reached_alarm, outcome
    assert outcome.returned_ok, outcome
    assert outcome.alarm_notice is not None
    assert outcome.ok_notice is not None
    severity, envelope, body = outcome.alarm_notice
    # on the topic of its severity, as CloudWatch words it, with its runbook
    assert severity == outcome.severity
    assert envelope["Subject"].startswith(f'ALARM: "{PREFIX}{alarm}" in ')
    assert body["NewStateValue"] == "ALARM"
    assert body["OldStateValue"] == "OK"
    assert body["NewStateReason"].startswith("Threshold Crossed")
    runbook = f"docs/runbooks/{RUNBOOKS[alarm]}"
    assert runbook in body["AlarmDescription"]
    assert (ROOT / runbook).is_file()
    assert body["Trigger"]["Period"] in (0, 10)
    assert body["Trigger"]["EvaluationPeriods"] == 1
    ok_severity, _, ok_body = outcome.ok_notice
    assert ok_severity == outcome.severity
    assert (ok_body["OldStateValue"], ok_body["NewStateValue"]) == ("ALARM", "OK")
