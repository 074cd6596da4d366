"""End-to-end benchmark of the deployed system on the local AWS: prints figures, asserts nothing.

Run: ``uv run --frozen python bench/e2e.py [--messages N] [--concurrency C] [--samples S]
[--interval S] [--api-samples N]``

Starts its own harness on free ports (or uses ``LOCALSTACK_ENDPOINT`` + ``MOCK_NTFY_URL`` when
set), deploys every stack with the real templates and zips, mints a real JWT (the stage's secret,
the authorizer's iss/aud), then measures through the front door (API Gateway -> authorizer ->
web-api -> DynamoDB + SNS -> SQS -> processor -> notifier -> mock ntfy):

- end-to-end latency: POST sent -> the mock ntfy received it (its ``received_at``; matched by a
  unique body), for messages paced below the pipeline's capacity (so no queueing is measured),
  split by hop with the functions' own log lines (ms timestamps, same clock);
- sustained throughput: N messages posted by C threads, completed (status ``completed`` in
  DynamoDB; the end is the newest record's ``updated_at``) per second;
- each function's cold start, forced: ``UpdateFunctionConfiguration`` (a new environment
  variable) makes the next invoke start a new environment; the runtime's ``REPORT ... Init
  Duration`` and the invoke round trip are printed next to a warm invoke (and the Init Durations
  the functions reported in the flow before);
- API latency: ``POST /api/messages`` round trip, warm (after a warm-up), one at a time, back to
  back, last (its messages are not waited for: their backlog would hold up any later phase);
  then again with the pipeline paused (the processor's mapping disabled, enabled again after),
  which separates the API's own path from the pipeline competing for the one LocalStack process.

Each phase also prints the CPU the LocalStack process and the functions' processes used. The
SLOs of docs/observability.md are printed beside the figures with the ratio to them (the goal:
<= 0.1).
Whatever it started is stopped on the way out, interrupted (Ctrl-C, SIGTERM) or not.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psutil
from boto3.dynamodb.types import TypeDeserializer

from rez_demo import harness as local_aws
from rez_demo.local_parameters import local_parameters
from rez_deploy import deploy_all
from rezctl.logs import json_fields
from rezctl.stacks import api_base_url
from rezctl.target import Target
from rezctl.tokens import mint_token

STAGE = "dev"
TOPIC = "rez-bench"
EMAIL = "bench@example.com"
WARMUP = 8
SLO_API_P95_MS = 500.0
SLO_API_P99_MS = 1000.0
SLO_E2E_P95_MS = 10_000.0
GOAL_RATIO = 0.1
FUNCTIONS = (  # name part, in the order a message meets them (rezctl.names.SERVICES)
    "jwt-authorizer",
    "web-api",
    "message-processor",
    "notification-service",
    "scheduler",
)
DESERIALIZE = TypeDeserializer().deserialize


# ---------------------------------------------------------------------------- small helpers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(values: Iterable[float]) -> str:
    data = list(values)
    if not data:
        return "no samples"
    return (
        f"p50 {_percentile(data, 0.5):7.1f}  p95 {_percentile(data, 0.95):7.1f}  "
        f"max {max(data):7.1f} ms"
    )


def _vs_slo(value_ms: float, slo_ms: float) -> str:
    ratio = value_ms / slo_ms
    verdict = "beats it 10x" if ratio <= GOAL_RATIO else "does not beat it 10x"
    return f"SLO < {slo_ms:>6.0f} ms: {ratio:5.3f} of it ({verdict})"


def _epoch(iso: str) -> float:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _say(text: str = "") -> None:
    print(text, flush=True)


class _Stopwatch:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self) -> float:
        return time.monotonic() - self.started


# ---------------------------------------------------------------------------- the system


class Bench:
    """The deployed system seen from outside: API, DynamoDB, the mock ntfy, the logs."""

    def __init__(self, target: Target, api: str, ntfy: str, token: str) -> None:
        self.target = target
        self.api = api
        self.ntfy = ntfy
        self.headers = {"Authorization": f"Bearer {token}"}
        self.token = token
        self.run = uuid.uuid4().hex[:8]
        self.table = target.names.messages_table

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.api, timeout=30, headers=self.headers)

    def body(self, phase: str, i: int) -> str:
        return f"bench-{self.run}-{phase}-{i}"

    def post(self, client: httpx.Client, body: str) -> tuple[float, float, dict[str, Any]]:
        """(epoch sent, round trip ms, the 202's JSON)."""
        sent = time.time()
        t0 = time.perf_counter()
        response = client.post("/messages", json={"message": body, "title": "bench"})
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 202:
            raise RuntimeError(f"POST answered {response.status_code}: {response.text[:300]}")
        return sent, elapsed, response.json()

    def records(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """message_id -> {status, created_at, updated_at} (consistent reads)."""
        dynamodb = self.target.client("dynamodb")
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 100):
            keys = [{"message_id": {"S": i}} for i in ids[start : start + 100]]
            request: dict[str, Any] = {
                self.table: {
                    "Keys": keys,
                    "ProjectionExpression": "message_id, #s, created_at, updated_at",
                    "ExpressionAttributeNames": {"#s": "status"},
                    "ConsistentRead": True,
                }
            }
            while request:
                answer = dynamodb.batch_get_item(RequestItems=request)
                for item in answer["Responses"].get(self.table, []):
                    record = {k: DESERIALIZE(v) for k, v in item.items()}
                    found[record["message_id"]] = record
                request = answer.get("UnprocessedKeys") or {}
        return found

    def wait_completed(self, ids: list[str], timeout: float) -> dict[str, dict[str, Any]]:
        """Poll (1 s) until every id is completed or failed, or `timeout`; the last records."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.records(ids)
            done = [r for r in records.values() if r["status"] in ("completed", "failed")]
            if len(done) == len(ids) or time.monotonic() > deadline:
                return records
            time.sleep(1.0)

    def received(self, phase: str) -> dict[int, float]:
        """i -> epoch the mock ntfy received body `phase`-i (its first accepted request)."""
        answer = httpx.get(f"{self.ntfy}/_mock/requests", timeout=30)
        answer.raise_for_status()
        pattern = re.compile(rf"bench-{self.run}-{phase}-(\d+)")
        seen: dict[int, float] = {}
        for request in answer.json():
            if request.get("outcome") != 200:
                continue
            if match := pattern.search(request.get("body") or ""):
                i = int(match.group(1))
                seen[i] = min(seen.get(i, float("inf")), float(request["received_at"]))
        return seen

    def wait_received(self, phase: str, count: int, timeout: float) -> dict[int, float]:
        deadline = time.monotonic() + timeout
        while True:
            seen = self.received(phase)
            if len(seen) >= count or time.monotonic() > deadline:
                return seen
            time.sleep(0.5)

    def events(
        self, parts: Iterable[str], since: float, expect: dict[str, int] | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """Every event of each function's log group since `since` (epoch s).

        A function's log reaches its group a while after it returns (seconds, under load): wait
        until `expect`'s functions logged that many invocations since `since` and the count
        stops growing. Filtered here: the harness's FilterLogEvents ignores plain-term patterns.
        """
        logs = self.target.client("logs")
        previous = -1
        deadline = time.monotonic() + 20
        while True:
            found: dict[str, list[dict[str, Any]]] = {}
            for part in parts:
                kwargs: dict[str, Any] = {
                    "logGroupName": self.target.names.log_group(part),
                    "startTime": int(since * 1000),
                }
                found[part] = []
                while True:
                    try:
                        page = logs.filter_log_events(**kwargs)
                    except logs.exceptions.ResourceNotFoundException:
                        break
                    found[part].extend(page["events"])
                    token = page.get("nextToken")
                    if not token or not page["events"]:
                        break
                    kwargs["nextToken"] = token
            total = sum(len(events) for events in found.values())
            complete = all(
                len(_invocations(found.get(part, []), since)) >= count
                for part, count in (expect or {}).items()
            )
            if (complete and total == previous) or time.monotonic() > deadline:
                return found
            previous = total
            time.sleep(1.0)


_REPORT = re.compile(r"REPORT RequestId: \S+\s+Duration: ([\d.]+) ms")
_INIT = re.compile(r"Init Duration: ([\d.]+) ms")


def _reports(events: list[dict[str, Any]]) -> list[tuple[float, float, float | None]]:
    """(event epoch, Duration ms, Init Duration ms or None) of each REPORT line."""
    found: list[tuple[float, float, float | None]] = []
    for event in events:
        text = str(event.get("message", ""))
        for line in text.splitlines():
            if match := _REPORT.search(line):
                init = _INIT.search(line)
                found.append(
                    (
                        event["timestamp"] / 1000,
                        float(match.group(1)),
                        float(init.group(1)) if init else None,
                    )
                )
    return found


def _invocations(
    events: list[dict[str, Any]], since: float, until: float = float("inf")
) -> list[tuple[float, bool]]:
    """(duration ms, cold start) of each "Invocation completed" line the function wrote in
    [since, until] by its own clock (the event's timestamp is when the harness stored it)."""
    found: list[tuple[float, bool]] = []
    for event in events:
        fields = json_fields(str(event.get("message", "")))
        when, duration = fields.get("timestamp"), fields.get("duration_ms")
        if fields.get("message") != "Invocation completed" or not isinstance(when, str):
            continue
        if isinstance(duration, int | float) and since <= _epoch(when) <= until:
            found.append((float(duration), fields.get("cold_start") is True))
    return found


def _points(events: list[dict[str, Any]], per_request: bool) -> dict[str, dict[str, float]]:
    """message_id -> {log line text -> epoch of its first occurrence}.

    `per_request`: one message per invocation (web-api, notifier), so every line of the
    invocation counts for it, even one that does not name the message. Otherwise (the processor
    takes batches) only lines naming the message; a status line's key gets `/<new_status>`.
    """
    points: dict[str, dict[str, float]] = {}
    requests: dict[str, dict[str, float]] = {}
    request_message: dict[str, str] = {}
    for event in events:
        fields = json_fields(str(event.get("message", "")))
        text, when = fields.get("message"), fields.get("timestamp")
        if not isinstance(text, str) or not isinstance(when, str):
            continue
        if isinstance(fields.get("new_status"), str):
            text += "/" + fields["new_status"]
        at = _epoch(when)
        message_id = fields.get("message_id")
        if per_request and isinstance(rid := fields.get("function_request_id"), str):
            requests.setdefault(rid, {}).setdefault(text, at)
            if isinstance(message_id, str):
                request_message.setdefault(rid, message_id)
        elif isinstance(message_id, str):
            points.setdefault(message_id, {}).setdefault(text, at)
    for rid, message_id in request_message.items():
        for text, at in requests[rid].items():
            points.setdefault(message_id, {}).setdefault(text, at)
    return points


class CpuMeter:
    """CPU time of the LocalStack process (every AWS API call, API Gateway, the SQS poller: one
    Python process) and of its descendants (the functions' environments), through psutil."""

    def __init__(self, root: int | None) -> None:
        self.root = root

    def sample(self) -> tuple[float, dict[int, float], float]:
        """(monotonic now, pid -> CPU seconds of the root and its descendants, load 1 min)."""
        keep: dict[int, float] = {}
        if self.root is not None:
            try:
                root = psutil.Process(self.root)
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                tree = []
            for process in tree:
                try:
                    times = process.cpu_times()
                except psutil.Error:
                    continue  # exited between the listing and the read
                keep[process.pid] = times.user + times.system
        return time.monotonic(), keep, os.getloadavg()[0]

    def describe(self, before: tuple[float, dict[int, float], float]) -> str:
        if self.root is None:
            return "CPU: not measured (the harness is not ours: its process is unknown)"
        now, after, load = self.sample()
        wall = max(now - before[0], 1e-6)
        used = {pid: cpu - before[1].get(pid, 0.0) for pid, cpu in after.items()}
        localstack = used.pop(self.root, 0.0)
        functions = sum(used.values())
        return (
            f"CPU over {wall:.0f} s: LocalStack process {localstack / wall:4.0%} of one core, "
            f"the functions' processes {functions / wall:4.0%} (machine load {load:.1f})"
        )


# ---------------------------------------------------------------------------- phases


def warm_up(bench: Bench, wait: bool) -> None:
    """Sequential POSTs (then, with `wait`, until they are delivered: every function ran)."""
    with bench.client() as client:
        ids = [bench.post(client, bench.body("warm", i))[2]["message_id"] for i in range(WARMUP)]
    if wait:
        records = bench.wait_completed(ids, timeout=90)
        done = sum(1 for r in records.values() if r["status"] == "completed")
        _say(f"  warm-up: {WARMUP} POSTs, {done} delivered and completed")
    else:
        _say(f"  warm-up: {WARMUP} POSTs")


def end_to_end(bench: Bench, samples: int, interval: float) -> dict[str, Any]:
    """One POST every `interval` s; the end-to-end time of each (and its API round trip)."""
    sent: list[float] = []
    api_ms: list[float] = []
    answered: list[float] = []
    ids: list[str] = []
    with bench.client() as client:
        next_at = time.monotonic()
        for i in range(samples):
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            next_at += interval
            at, elapsed, accepted = bench.post(client, bench.body("e2e", i))
            sent.append(at)
            api_ms.append(elapsed)
            answered.append(at + elapsed / 1000)
            ids.append(accepted["message_id"])
    received = bench.wait_received("e2e", samples, timeout=90)
    records = bench.wait_completed(ids, timeout=30)
    return {
        "since": sent[0],
        "until": time.time(),
        "sent": sent,
        "answered": answered,
        "api_ms": api_ms,
        "ids": ids,
        "received": received,
        "records": records,
        "e2e_ms": [(received[i] - sent[i]) * 1000 for i in range(samples) if i in received],
    }


def throughput(bench: Bench, count: int, concurrency: int) -> dict[str, Any]:
    """`count` POSTs from `concurrency` threads (one keep-alive client each); completed/s."""
    local = threading.local()
    clients: list[httpx.Client] = []
    lock = threading.Lock()

    def post(i: int) -> tuple[float, float, str]:
        if not hasattr(local, "client"):
            local.client = bench.client()
            with lock:
                clients.append(local.client)
        at, elapsed, accepted = bench.post(local.client, bench.body("tput", i))
        return at, elapsed, accepted["message_id"]

    pool = ThreadPoolExecutor(concurrency, thread_name_prefix="bench-post")
    try:
        started = time.time()
        results = list(pool.map(post, range(count)))
        posted = time.time()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        for client in clients:
            client.close()
    ids = [message_id for _, _, message_id in results]
    records = bench.wait_completed(ids, timeout=150)
    completed = [r for r in records.values() if r["status"] == "completed"]
    end = max((_epoch(r["updated_at"]) for r in completed), default=time.time())
    received = bench.received("tput")
    return {
        "since": started,
        "until": end,
        "posted_s": posted - started,
        "api_ms": [elapsed for _, elapsed, _ in results],
        "completed": len(completed),
        "failed": sum(1 for r in records.values() if r["status"] == "failed"),
        "elapsed_s": end - started,
        "e2e_ms": [(received[i] - results[i][0]) * 1000 for i in range(count) if i in received],
    }


def _invoke_payloads(bench: Bench, message: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    rest_api = bench.api.split("/restapis/")[1].split("/")[0] if "/restapis/" in bench.api else "x"
    notifier: dict[str, Any] = {"message_id": str(uuid.uuid4()), "correlation_id": "bench-cold"}
    if message:  # an already-notified message: the notifier's real path, without a new post
        notifier = {"message_id": message["message_id"], "correlation_id": "bench-cold"}
    return {
        "jwt-authorizer": {
            "type": "TOKEN",
            "authorizationToken": f"Bearer {bench.token}",
            "methodArn": (
                f"arn:aws:execute-api:us-east-1:000000000000:{rest_api}/dev/POST/api/messages"
            ),
        },
        "web-api": {
            "resource": "/api/health",
            "path": "/api/health",
            "httpMethod": "GET",
            "headers": {"Accept": "application/json"},
            "requestContext": {"stage": "dev", "requestId": str(uuid.uuid4())},
            "body": None,
        },
        "message-processor": {"Records": []},
        "notification-service": notifier,
        "scheduler": {},
    }


def cold_starts(
    bench: Bench, message: dict[str, Any] | None, saved: dict[str, dict[str, str]]
) -> dict[str, dict[str, Any]]:
    """Each function: force a new environment, invoke once (cold), then once more (warm).

    Each function's deployed variables go into `saved` before the change (restore them after).
    """
    lam = bench.target.client("lambda")
    payloads = _invoke_payloads(bench, message)
    results: dict[str, dict[str, Any]] = {}
    for part in FUNCTIONS:
        name = bench.target.names.function(part)
        configuration = lam.get_function_configuration(FunctionName=name)
        variables = dict((configuration.get("Environment") or {}).get("Variables") or {})
        saved[name] = variables
        lam.update_function_configuration(
            FunctionName=name,
            Environment={"Variables": {**variables, "BENCH_COLD_START": bench.run}},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and lam.get_function_configuration(FunctionName=name).get(
            "LastUpdateStatus"
        ) not in ("Successful", "Failed"):
            time.sleep(0.05)
        rounds: list[float] = []
        report: tuple[float, float | None] | None = None
        error: str | None = None
        for _ in range(2):
            t0 = time.perf_counter()
            answer = lam.invoke(
                FunctionName=name, Payload=json.dumps(payloads[part]).encode(), LogType="Tail"
            )
            answer["Payload"].read()
            rounds.append((time.perf_counter() - t0) * 1000)
            if report is None:
                error = answer.get("FunctionError")
                tail = base64.b64decode(answer.get("LogResult") or b"").decode(errors="replace")
                parsed = _reports([{"timestamp": 0, "message": tail}])
                report = (parsed[-1][1], parsed[-1][2]) if parsed else None
        results[part] = {"rounds": rounds, "report": report, "error": error}
    return results


def restore(bench: Bench, saved: dict[str, dict[str, str]]) -> None:
    """The deployed environment variables back (for a harness that outlives the bench)."""
    lam = bench.target.client("lambda")
    for name, variables in saved.items():
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": variables})


def api_latency(bench: Bench, samples: int) -> dict[str, Any]:
    """`samples` POSTs one after the other on one keep-alive connection: round trip each."""
    api_ms: list[float] = []
    with bench.client() as client:
        since = time.time()
        for i in range(samples):
            api_ms.append(bench.post(client, bench.body("api", i))[1])
    return {"since": since, "until": time.time(), "api_ms": api_ms}


@contextlib.contextmanager
def pipeline_paused(bench: Bench) -> Iterator[None]:
    """The processor's SQS mapping disabled meanwhile (messages wait in the queue): the API's
    own latency, without the pipeline competing for the same LocalStack process."""
    lam = bench.target.client("lambda")
    mappings = [
        m["UUID"]
        for m in lam.list_event_source_mappings()["EventSourceMappings"]
        if "message-processor" in m["FunctionArn"] and m["State"] == "Enabled"
    ]
    for uuid_ in mappings:
        lam.update_event_source_mapping(UUID=uuid_, Enabled=False)
    deadline = time.monotonic() + 30
    while mappings and time.monotonic() < deadline:
        states = {lam.get_event_source_mapping(UUID=u)["State"] for u in mappings}
        if states == {"Disabled"}:
            break
        time.sleep(0.2)
    try:
        yield
    finally:
        for uuid_ in mappings:
            lam.update_event_source_mapping(UUID=uuid_, Enabled=True)


# ---------------------------------------------------------------------------- printing


def _slo_rows(values: list[float], rows: tuple[tuple[str, float, float | None], ...]) -> None:
    for label, q, slo in rows:
        value = _percentile(values, q)
        _say(f"  {label} {value:8.1f} ms" + (f"   {_vs_slo(value, slo)}" if slo else ""))
    _say(f"  max {max(values):8.1f} ms")


def print_end_to_end(result: dict[str, Any], interval: float) -> None:
    e2e, api_ms = result["e2e_ms"], result["api_ms"]
    _say(
        f"End-to-end latency (POST sent -> the mock ntfy received it; one POST every "
        f"{interval:.2f} s; {len(e2e)}/{len(api_ms)} received):"
    )
    if e2e:
        _slo_rows(e2e, (("p50", 0.5, None), ("p95", 0.95, SLO_E2E_P95_MS)))


# Points of a message's timeline: the client's clock, the mock ntfy's, and the functions' own
# log lines (`<function>:<line text>`, a status line with `/<new status>`).
API_IN = "web-api:Invocation started"
PUBLISHED = "web-api:Manual message created"
API_OUT = "web-api:Invocation completed"
TAKEN = "message-processor:SQS message received"
PROCESSING = "message-processor:Message status updated/processing"
NOTIFIER_IN = "notification-service:Invocation started"
POSTING = "notification-service:Sending notification to ntfy.sh"
NOTIFIER_OUT = "notification-service:Invocation completed"
COMPLETED = "message-processor:Message status updated/completed"
HOPS = (  # label, from, to, on the path POST -> ntfy
    ("client sends POST -> web-api handler starts (API Gateway in)", "sent", API_IN, True),
    ("web-api: start -> message stored and published", API_IN, PUBLISHED, True),
    ("web-api: published -> handler returns", PUBLISHED, API_OUT, False),
    ("web-api returns -> 202 at the client (API Gateway out)", API_OUT, "answered", False),
    ("published -> processor has it (SNS, SQS, poller, invoke)", PUBLISHED, TAKEN, True),
    ("processor: has it -> marked processing", TAKEN, PROCESSING, True),
    ("processor: processing -> notifier starts (read, Invoke)", PROCESSING, NOTIFIER_IN, True),
    ("notifier: start -> about to post (read, circuit breaker)", NOTIFIER_IN, POSTING, True),
    ("notifier: post -> ntfy has it (HTTP)", POSTING, "ntfy", True),
    ("ntfy has it -> notifier returns (records the id)", "ntfy", NOTIFIER_OUT, False),
    ("notifier returns -> processor marked completed", NOTIFIER_OUT, COMPLETED, False),
)


def _timelines(
    result: dict[str, Any], events: dict[str, list[dict[str, Any]]]
) -> list[dict[str, float]]:
    """Per message of the end-to-end phase: epoch of each point (client, function log lines
    keyed `<function>:<line text>`, the mock ntfy)."""
    by_function = {
        part: _points(events.get(part, []), per_request=part != "message-processor")
        for part in FUNCTIONS[1:4]
    }
    timelines = []
    for i, message_id in enumerate(result["ids"]):
        points = {"sent": result["sent"][i], "answered": result["answered"][i]}
        if i in result["received"]:
            points["ntfy"] = result["received"][i]
        for part, found in by_function.items():
            for text, at in found.get(message_id, {}).items():
                points[f"{part}:{text}"] = at
        timelines.append(points)
    return timelines


def print_hops(result: dict[str, Any], events: dict[str, list[dict[str, Any]]]) -> None:
    """Where the end-to-end time goes: each hop's p50/p95 over the messages (from the
    functions' own log lines, ms precision, same clock as here)."""
    timelines = _timelines(result, events)
    e2e = result["e2e_ms"]
    total = _percentile(e2e, 0.5) if e2e else 0.0
    _say(
        "  by hop (p50/p95 of each hop; * = on the way to ntfy, with its p50's share of the "
        "end-to-end p50):"
    )
    on_path = 0.0
    for label, start, end, path in HOPS:
        values = [(t[end] - t[start]) * 1000 for t in timelines if start in t and end in t]
        if not values:
            _say(f"    {label:<62} n/a (points not found in the logs)")
            continue
        p50 = _percentile(values, 0.5)
        share = ""
        if path:
            on_path += p50
            share = f"  * {p50 / total:4.0%}" if total else "  *"
        _say(
            f"    {label:<62} p50 {p50:7.1f}  p95 {_percentile(values, 0.95):7.1f} ms"
            f"  n={len(values)}{share}"
        )
    if total:
        _say(f"    {'sum of the * p50s':<62}     {on_path:7.1f} ms (end-to-end p50 {total:.1f} ms)")


def print_functions(
    events: dict[str, list[dict[str, Any]]],
    window: tuple[float, float],
    parts: tuple[str, ...],
    messages: int,
) -> None:
    """Each function's invocations in `window` (its "Invocation completed" lines)."""
    _say("  function durations in this window (the handler's own duration_ms per invocation):")
    for part in parts:
        invocations = _invocations(events.get(part, []), *window)
        if not invocations:
            cached = " (API Gateway caches its answer per token)" if "authorizer" in part else ""
            _say(f"    {part:<22} no invocations{cached}")
            continue
        durations = [duration for duration, _ in invocations]
        cold = sum(1 for _, is_cold in invocations if is_cold)
        per = f", {messages / len(durations):.1f} messages each" if "processor" in part else ""
        _say(
            f"    {part:<22} {len(durations):4d} invocations{per}: "
            f"p50 {_percentile(durations, 0.5):7.1f}  p95 {_percentile(durations, 0.95):7.1f} ms;"
            f" {cold} cold start(s)"
        )


def print_throughput(result: dict[str, Any], count: int, concurrency: int) -> None:
    rate = result["completed"] / result["elapsed_s"] if result["elapsed_s"] > 0 else 0.0
    _say(
        f"Sustained throughput: {rate:.2f} messages/s completed ({result['completed']}/{count} "
        f"completed, {result['failed']} failed, in {result['elapsed_s']:.1f} s from the first POST"
        f" to the last record completed; {concurrency} concurrent POSTers)"
    )
    _say(
        f"  POSTs accepted at {count / result['posted_s']:.1f}/s "
        f"(all {count} answered in {result['posted_s']:.1f} s)"
    )
    _say(f"  API latency under this load   {_ms(result['api_ms'])}")
    _say(f"  end-to-end under this load    {_ms(result['e2e_ms'])}")


def print_cold(results: dict[str, dict[str, Any]], flow: dict[str, list[float]]) -> None:
    _say(
        "Cold starts, forced (UpdateFunctionConfiguration adds an environment variable, so the"
        " next invoke starts a new environment):"
    )
    _say(
        "  Init Duration = process start to handler imported, first Duration = that first"
        " invoke's handler time (lazy set-up included), both from the runtime's REPORT line;"
        " round trips are Invoke calls from here, cold then warm"
    )
    for part in FUNCTIONS:
        result = results[part]
        report = result["report"]
        cold, warm = result["rounds"]
        init = f"{report[1]:6.0f}" if report and report[1] is not None else "   n/a"
        first = f"{report[0]:6.0f}" if report else "   n/a"  # the first invoke's Duration
        seen = flow.get(part) or []
        in_flow = (
            f"  | in the flow: {len(seen)} environment(s), first's Init {seen[0]:.0f} ms"
            if seen
            else "  | not invoked in the flow"
        )
        error = f" [{result['error']}]" if result["error"] else ""
        _say(
            f"  {part:<22} Init Duration {init} ms, first Duration {first} ms; "
            f"round trip {cold:6.0f} ms cold, {warm:4.0f} ms warm{error}{in_flow}"
        )


def print_api(result: dict[str, Any], paused: bool = False) -> None:
    api_ms = result["api_ms"]
    meanwhile = (
        "the pipeline paused (the processor's mapping disabled; the queue is drained after)"
        if paused
        else "the pipeline processes them meanwhile"
    )
    _say(
        f"API latency, warm ({len(api_ms)} POST /api/messages through API Gateway, one after "
        f"the other, one keep-alive connection, one token; {meanwhile}; the hop table above "
        "splits a round trip):"
    )
    _slo_rows(
        api_ms, (("p50", 0.5, None), ("p95", 0.95, SLO_API_P95_MS), ("p99", 0.99, SLO_API_P99_MS))
    )


# ---------------------------------------------------------------------------- main


def _interrupt(signum: int, _frame: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the clean-up short
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def _captured_output() -> Iterator[None]:
    """The deploy's subprocesses (packaging) print on our stdout/stderr: keep it, show it only
    when the deploy fails."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except Exception:
            sys.stdout.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace")[-4000:])
            raise
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def _localstack_pid(aws: local_aws.Harness) -> int | None:
    if not aws.started or aws.port is None:
        return None
    try:
        pid = local_aws.launcher("status", "--port", str(aws.port)).get("pid")
    except local_aws.HarnessError:
        return None
    return int(pid) if pid else None


def measure(aws: local_aws.Harness, args: argparse.Namespace, clock: _Stopwatch) -> None:
    target = Target.resolve(stage=STAGE, endpoint=aws.endpoint)
    cpu = CpuMeter(_localstack_pid(aws))
    phase = clock()
    marks: list[float] = []

    def mark(_: str) -> None:
        marks.append(clock())

    with _captured_output():
        deploy_all(STAGE, aws.endpoint, parameters=local_parameters(aws.ntfy, TOPIC), out=mark)
    packaged = (marks[0] if marks else clock()) - phase
    _say(
        f"deploy, every stack: {clock() - phase:.1f} s "
        f"({packaged:.1f} s packaging the zips, then CloudFormation)"
    )
    deploy_end = time.time()
    bench = Bench(target, api_base_url(target), aws.ntfy, mint_token(EMAIL, target=target))
    _say(f"API: {bench.api}")
    _say("")

    phase = clock()
    warm_up(bench, wait=True)
    before = cpu.sample()
    e2e = end_to_end(bench, args.samples, args.interval)
    used = cpu.describe(before)
    print_end_to_end(e2e, args.interval)
    count = len(e2e["ids"])
    expect = {"web-api": count, "notification-service": count}
    events = bench.events(FUNCTIONS[:4], e2e["since"] - 1, expect)
    print_hops(e2e, events)
    print_functions(events, (e2e["since"], e2e["until"]), FUNCTIONS[:4], count)
    p95 = _percentile(e2e["api_ms"], 0.95)
    _say(
        f"  API round trip at this rate   {_ms(e2e['api_ms'])}  "
        f"(p95: {p95 / SLO_API_P95_MS:.3f} of its SLO)"
    )
    _say(f"  {used}")
    _say(f"  ({clock() - phase:.0f} s with the warm-up)")
    _say("")

    phase = clock()
    before = cpu.sample()
    tput = throughput(bench, args.messages, args.concurrency)
    used = cpu.describe(before)
    print_throughput(tput, args.messages, args.concurrency)
    expect = {"web-api": args.messages, "notification-service": args.messages}
    events = bench.events(FUNCTIONS[:4], tput["since"] - 1, expect)
    print_functions(events, (tput["since"], tput["until"] + 1), FUNCTIONS[:4], args.messages)
    _say(f"  {used}")
    _say(f"  ({clock() - phase:.0f} s)")
    _say("")

    flow = {
        part: [r[2] for r in sorted(_reports(found)) if r[2] is not None]
        for part, found in bench.events(FUNCTIONS, deploy_end).items()
    }
    phase = clock()
    saved: dict[str, dict[str, str]] = {}
    try:
        done = [r for r in e2e["records"].values() if r["status"] == "completed"]
        print_cold(cold_starts(bench, done[0] if done else None, saved), flow)
        _say(f"  ({clock() - phase:.0f} s)")
        _say("")

        phase = clock()
        warm_up(bench, wait=False)  # the functions just got new environments
        before = cpu.sample()
        api = api_latency(bench, args.api_samples)
        used = cpu.describe(before)
        print_api(api)
        _say(f"  {used}")
        _say(f"  ({clock() - phase:.0f} s with the warm-up; its messages are not waited for)")
        _say("")

        phase = clock()
        with pipeline_paused(bench):
            before = cpu.sample()
            api = api_latency(bench, args.api_samples)
            used = cpu.describe(before)
        print_api(api, paused=True)
        _say(f"  {used}")
        _say(f"  ({clock() - phase:.0f} s; its messages are not waited for)")
    finally:
        if not aws.started:
            restore(bench, saved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=120, help="throughput: messages")
    parser.add_argument("--concurrency", type=int, default=8, help="throughput: POST threads")
    parser.add_argument("--samples", type=int, default=25, help="end-to-end: paced POSTs")
    parser.add_argument("--interval", type=float, default=0.8, help="end-to-end: s between POSTs")
    parser.add_argument("--api-samples", type=int, default=100, help="API latency: POSTs")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")  # LocalStack's fixed test credentials
    clock = _Stopwatch()
    load = os.getloadavg()
    _say(
        f"machine: {os.cpu_count()} cores, load average at start "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1/5/15 min)"
    )
    port = None if os.environ.get("LOCALSTACK_ENDPOINT") else _free_port()
    ntfy_port = None if port is None else _free_port()
    # Until start() answers, what to stop is known by its port alone (the launcher records it).
    aws = local_aws.Harness("", "", port, started=port is not None)
    try:
        aws = local_aws.start(port=port, ntfy_port=ntfy_port)
        origin = "started here" if aws.started else "already running (left running)"
        _say(f"harness: {aws.endpoint}, mock ntfy {aws.ntfy}, {origin}: {clock():.1f} s")
        measure(aws, args, clock)
    finally:
        stopping = clock()
        local_aws.stop(aws)
        if aws.started:
            _say(f"harness stopped in {clock() - stopping:.1f} s")
        load = os.getloadavg()
        _say(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        _say(f"total run time: {clock():.0f} s")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted: what this run started is stopped", file=sys.stderr)
        sys.exit(130)
