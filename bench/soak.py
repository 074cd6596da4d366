"""A bounded soak of the deployed system on the local AWS, faults switched on and off: prints
figures, asserts nothing.

Run: ``uv run --frozen python bench/soak.py [--minutes M] [--rate R] [--phase S]``

Uses ``LOCALSTACK_ENDPOINT`` + ``MOCK_NTFY_URL`` when set (deploying is idempotent), else starts
its own harness on free ports and stops it on the way out. Loopback only. Posts ``R`` messages
a second through the front door for ``M`` minutes; every ``S`` seconds the phase changes:
``calm`` (no fault), then ``faults`` (DynamoDB throttling on 20 % of the processor's and the
notifier's calls, SNS ``InternalError`` on 20 % of web-api's publishes, ntfy answering 503 to
its next 3 posts, one processor and one notifier crash), and so on. The reconciler runs every
10 s with short windows (its schedule, compressed). At the end, after a drain, it prints per
phase: sent, accepted, delivered, duplicated (notifications beyond one), parked (failed),
refused (5xx), stuck (still created/processing), and the p50/p95 end to end (POST sent → ntfy
received it); and over time: the LocalStack process's and the function processes' resident
memory (RSS) and open files, which must stay flat.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from rez_demo import harness as local_aws
from rez_demo.local_parameters import local_parameters
from rez_deploy import deploy_all
from rezctl.faults import FaultInjector
from rezctl.stacks import api_base_url
from rezctl.target import Target
from rezctl.tokens import mint_token

STAGE = "dev"
PROCESSOR = f"rez-agent-message-processor-{STAGE}"
NOTIFIER = f"rez-agent-notification-service-{STAGE}"
WEB_API = f"rez-agent-web-api-{STAGE}"
RECONCILER = f"rez-agent-reconciler-{STAGE}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def system() -> Iterator[tuple[str, str]]:
    """(endpoint, ntfy): the named harness, else one of our own."""
    harness = local_aws.start(port=free_port(), ntfy_port=free_port())
    try:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
        deploy_all(STAGE, harness.endpoint, parameters=local_parameters(harness.ntfy))
        yield harness.endpoint, harness.ntfy
    finally:
        local_aws.stop(harness)


@dataclass
class Sent:
    body: str
    phase: str
    at: float
    status: int = 0
    message_id: str | None = None


@dataclass
class Samples:
    rows: list[dict[str, Any]] = field(default_factory=list)


def _proc_stats(pid: int) -> tuple[int, int]:
    """(RSS in KiB, open file descriptors) of one process, (0, 0) when it is gone (psutil: Linux
    and macOS alike)."""
    try:
        process = psutil.Process(pid)
        return int(process.memory_info().rss) // 1024, int(process.num_fds())
    except psutil.Error:
        return 0, 0


def _children(pid: int) -> list[int]:
    try:
        return [child.pid for child in psutil.Process(pid).children()]
    except psutil.Error:
        return []


def localstack_pid(endpoint: str) -> int | None:
    """The LocalStack process listening on the endpoint's port (from the launcher's state)."""
    port = endpoint.rsplit(":", 1)[1]
    state = Path(__file__).resolve().parents[1] / "localstack" / ".state" / port / "launch.json"
    with contextlib.suppress(OSError, ValueError, KeyError):
        return int(json.loads(state.read_text())["pid"])
    return None


def sample_resources(pid: int | None, samples: Samples, stop: threading.Event) -> None:
    """Every 15 s: LocalStack's RSS/fds and the sum over its function processes."""
    started = time.monotonic()
    while not stop.wait(15):
        if pid is None:
            return
        rss, fds = _proc_stats(pid)
        functions = [_proc_stats(child) for child in _children(pid) if child != pid]
        samples.rows.append(
            {
                "t": round(time.monotonic() - started),
                "localstack_rss_mb": round(rss / 1024),
                "localstack_fds": fds,
                "functions": len(functions),
                "functions_rss_mb": round(sum(r for r, _ in functions) / 1024),
                "functions_fds": sum(f for _, f in functions),
            }
        )


def arm_faults(faults: FaultInjector, ntfy: httpx.Client) -> None:
    for caller in (PROCESSOR, NOTIFIER):
        faults.error("dynamodb", "*Item", error="dynamodb.throughput", caller=caller,
                     probability=0.2)  # fmt: skip
    faults.error("sns", "Publish", error="sns.internal", caller=WEB_API, probability=0.2)
    faults.crash(PROCESSOR, "processor.after_mark_processing")
    faults.crash(NOTIFIER, "notifier.after_post")
    ntfy.post("/_mock/faults", json={"fail_next": 3, "status": 503})


def heal(faults: FaultInjector, ntfy: httpx.Client) -> None:
    faults.clear()
    faults.clear_crashes()
    ntfy.delete("/_mock/faults")


def run(args: argparse.Namespace) -> None:
    with system() as (endpoint, ntfy_url):
        target = Target(stage=STAGE, endpoint=endpoint)
        api = httpx.Client(base_url=api_base_url(target), timeout=60)
        token = mint_token("soak@example.com", target=target)
        ntfy = httpx.Client(base_url=ntfy_url, timeout=10)
        faults = FaultInjector(endpoint)
        lam = target.client("lambda")
        dynamodb = target.client("dynamodb")
        heal(faults, ntfy)
        samples = Samples()
        stop = threading.Event()
        threading.Thread(
            target=sample_resources, args=(localstack_pid(endpoint), samples, stop), daemon=True
        ).start()

        def reconcile_loop() -> None:
            event = json.dumps({"created_grace_seconds": 20, "processing_grace_seconds": 45})
            while not stop.wait(10):
                with contextlib.suppress(Exception):
                    lam.invoke(FunctionName=RECONCILER, Payload=event.encode())

        threading.Thread(target=reconcile_loop, daemon=True).start()

        sent: list[Sent] = []
        lock = threading.Lock()

        def post(item: Sent) -> None:
            answer = api.post(
                "/messages",
                json={"message": item.body},
                headers={"Authorization": f"Bearer {token}"},
            )
            item.status = answer.status_code
            if answer.status_code == 202:
                item.message_id = answer.json()["message_id"]

        end = time.monotonic() + args.minutes * 60
        phase, phase_end = "calm", time.monotonic() + args.phase
        workers: list[threading.Thread] = []
        while time.monotonic() < end:
            if time.monotonic() >= phase_end:
                phase = "faults" if phase == "calm" else "calm"
                (arm_faults if phase == "faults" else heal)(faults, ntfy)
                phase_end = time.monotonic() + args.phase
            item = Sent(body=f"soak-{uuid.uuid4().hex[:10]}", phase=phase, at=time.time())
            with lock:
                sent.append(item)
            worker = threading.Thread(target=post, args=(item,), daemon=True)
            worker.start()
            workers.append(worker)
            time.sleep(1 / args.rate)
        heal(faults, ntfy)
        for worker in workers:
            worker.join(timeout=60)
        drain_end = time.monotonic() + args.drain
        while time.monotonic() < drain_end and _unsettled(dynamodb, sent):
            time.sleep(5)
        stop.set()
        _report(sent, dynamodb, ntfy, samples)


def _status(dynamodb: Any, message_id: str) -> str:
    item = dynamodb.get_item(
        TableName=f"rez-agent-messages-{STAGE}",
        Key={"message_id": {"S": message_id}},
        ConsistentRead=True,
    ).get("Item")
    return item["status"]["S"] if item else "absent"


def _unsettled(dynamodb: Any, sent: list[Sent]) -> int:
    return sum(
        1
        for item in sent
        if item.message_id and _status(dynamodb, item.message_id) not in ("completed", "failed")
    )


def _report(sent: list[Sent], dynamodb: Any, ntfy: httpx.Client, samples: Samples) -> None:
    received: dict[str, list[float]] = {}
    for message in ntfy.get("/_mock/messages").json():
        body = str(message.get("message", "")).split("\n", 1)[0]
        received.setdefault(body, []).append(float(message.get("time", 0)))
    requests = ntfy.get("/_mock/requests").json()
    arrival: dict[str, float] = {}
    for request in requests:
        if request.get("outcome") == 200 and request.get("body"):
            body = str(request["body"]).split("\n", 1)[0]
            arrival[body] = min(arrival.get(body, float("inf")), float(request["received_at"]))
    print("phase   sent accepted delivered duplicated parked refused stuck  p50_ms  p95_ms")
    for phase in ("calm", "faults"):
        mine = [s for s in sent if s.phase == phase]
        counts = {"delivered": 0, "duplicated": 0, "parked": 0, "refused": 0, "stuck": 0}
        latencies = []
        for item in mine:
            if item.message_id is None:
                counts["refused"] += 1
                continue
            status = _status(dynamodb, item.message_id)
            notified = len(received.get(item.body, []))
            if status == "completed":
                counts["delivered"] += 1
                counts["duplicated"] += max(notified - 1, 0)
                if item.body in arrival:
                    latencies.append((arrival[item.body] - item.at) * 1000)
            elif status == "failed":
                counts["parked"] += 1
            else:
                counts["stuck"] += 1
        accepted = sum(1 for s in mine if s.message_id)
        p50 = statistics.median(latencies) if latencies else float("nan")
        p95 = statistics.quantiles(latencies, n=20)[18] if len(latencies) >= 20 else float("nan")
        print(
            f"{phase:7} {len(mine):4} {accepted:8} {counts['delivered']:9} "
            f"{counts['duplicated']:10} {counts['parked']:6} {counts['refused']:7} "
            f"{counts['stuck']:5} {p50:7.0f} {p95:7.0f}"
        )
    print("\nresources over time (LocalStack process; function processes summed)")
    print("t_s  ls_rss_mb ls_fds functions fn_rss_mb fn_fds")
    for row in samples.rows:
        print(
            f"{row['t']:4} {row['localstack_rss_mb']:9} {row['localstack_fds']:6} "
            f"{row['functions']:9} {row['functions_rss_mb']:9} {row['functions_fds']:6}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=4.0, help="how long to post (max 15)")
    parser.add_argument("--rate", type=float, default=2.0, help="messages a second (max 20)")
    parser.add_argument("--phase", type=float, default=30.0, help="seconds per calm/fault phase")
    parser.add_argument("--drain", type=float, default=180.0, help="seconds to wait at the end")
    args = parser.parse_args()
    if not (0 < args.minutes <= 15 and 0 < args.rate <= 20):
        parser.error("--minutes must be within (0, 15] and --rate within (0, 20]")
    run(args)


if __name__ == "__main__":
    sys.exit(main())
