"""Benchmark of the local AWS harness: prints figures, asserts nothing.

Run: ``uv run --project localstack python bench/harness.py``

Starts its own harness on a free port (never 4566), then measures:
- harness start (s to healthy),
- a bare function's cold start (ms from invoke to answer on a new environment, and the
  ``Init Duration`` the runtime reports),
- warm invoke round trip (median, p95 over N invokes),
- SQS -> Lambda delivery latency (send_message to the handler running, per message).
Targets: warm median < 40 ms, bare function ready < 300 ms.
"""

from __future__ import annotations

import base64
import io
import json
import re
import socket
import statistics
import time
import zipfile
from typing import Any

import boto3

from rez_localstack import launcher

ROLE = "arn:aws:iam::000000000000:role/bench"
WARM_INVOKES = 200
COLD_STARTS = 7
SQS_MESSAGES = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _create(lam: Any, name: str, source: str, env: dict[str, str] | None = None) -> None:
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": _zip(source)},
        Environment={"Variables": env or {}},
    )
    while lam.get_function(FunctionName=name)["Configuration"]["State"] != "Active":
        time.sleep(0.05)


def main() -> None:
    started = time.monotonic()
    handle = launcher.start(port=_free_port(), with_mock_ntfy=False)
    print(f"harness start:            {time.monotonic() - started:8.2f} s to healthy")
    try:
        session = boto3.session.Session(
            aws_access_key_id="test",
            aws_secret_access_key="test",  # noqa: S106 - LocalStack's fixed test credentials
            region_name="us-east-1",
        )
        lam = session.client("lambda", endpoint_url=handle.endpoint)
        sqs = session.client("sqs", endpoint_url=handle.endpoint)

        # warm LocalStack's own lazily loaded services, so they do not count as cold start
        lam.list_functions()
        sqs.list_queues()

        _create(lam, "bare", "def handler(event, context):\n    return event\n")
        # The very first environment also loads LocalStack's STS (credentials): not counted.
        lam.invoke(FunctionName="bare", Payload=b"{}")["Payload"].read()
        colds, inits = [], []
        for i in range(COLD_STARTS):
            # a configuration change makes a new version: the next invoke starts a new environment
            lam.update_function_configuration(
                FunctionName="bare", Environment={"Variables": {"N": str(i)}}
            )
            while lam.get_function(FunctionName="bare")["Configuration"]["LastUpdateStatus"] != (
                "Successful"
            ):
                time.sleep(0.05)
            t0 = time.perf_counter()
            response = lam.invoke(FunctionName="bare", Payload=b"{}", LogType="Tail")
            response["Payload"].read()
            colds.append((time.perf_counter() - t0) * 1000)
            tail = base64.b64decode(response["LogResult"]).decode()
            if init := re.search(r"Init Duration: ([\d.]+) ms", tail):
                inits.append(float(init.group(1)))
        print(
            f"cold start (bare):        median {statistics.median(colds):6.1f} ms, "
            f"max {max(colds):6.1f} ms: invoke round trip on a new environment ({COLD_STARTS} runs)"
        )
        print(
            f"  runtime init duration:  median {statistics.median(inits):6.1f} ms "
            "(process start to handler imported, as REPORT's Init Duration)"
        )

        samples = []
        for _ in range(WARM_INVOKES):
            t0 = time.perf_counter()
            lam.invoke(FunctionName="bare", Payload=b'{"k": 1}')["Payload"].read()
            samples.append((time.perf_counter() - t0) * 1000)
        samples = samples[10:]
        print(
            f"warm invoke round trip:   median {statistics.median(samples):6.1f} ms, "
            f"p95 {_percentile(samples, 0.95):6.1f} ms ({len(samples)} invokes)"
        )

        report = sqs.create_queue(QueueName="bench-report")["QueueUrl"]
        source = sqs.create_queue(QueueName="bench-source")["QueueUrl"]
        _create(
            lam,
            "consumer",
            "import boto3, json, os, time\nsqs = boto3.client('sqs')\n"
            "def handler(event, context):\n"
            "    now = time.time()\n"
            "    for r in event['Records']:\n"
            "        sent = json.loads(r['body'])['sent']\n"
            "        sqs.send_message(\n"
            "            QueueUrl=os.environ['REPORT'], MessageBody=str(now - sent))\n",
            env={"REPORT": report},
        )
        arn = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        uuid = lam.create_event_source_mapping(
            EventSourceArn=arn,
            FunctionName="consumer",
            BatchSize=10,
            MaximumBatchingWindowInSeconds=0,
        )["UUID"]
        while lam.get_event_source_mapping(UUID=uuid)["State"] != "Enabled":
            time.sleep(0.1)
        # one message to start the environment, not counted
        sqs.send_message(QueueUrl=source, MessageBody=json.dumps({"sent": time.time()}))
        sqs.receive_message(QueueUrl=report, WaitTimeSeconds=20)
        sqs.purge_queue(QueueUrl=report)
        for _ in range(SQS_MESSAGES):
            sqs.send_message(QueueUrl=source, MessageBody=json.dumps({"sent": time.time()}))
            time.sleep(0.1)
        latencies: list[float] = []
        deadline = time.monotonic() + 60
        while len(latencies) < SQS_MESSAGES and time.monotonic() < deadline:
            for message in sqs.receive_message(
                QueueUrl=report, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", []):
                latencies.append(float(message["Body"]) * 1000)
                sqs.delete_message(QueueUrl=report, ReceiptHandle=message["ReceiptHandle"])
        if latencies:
            print(
                f"SQS -> Lambda delivery:   median {statistics.median(latencies):6.1f} ms, "
                f"p95 {_percentile(latencies, 0.95):6.1f} ms ({len(latencies)} messages, "
                "send_message to handler start)"
            )
        else:
            print("SQS -> Lambda delivery:   no message arrived within 60 s")
    finally:
        started = time.monotonic()
        launcher.stop(handle)
        print(f"harness stop:             {time.monotonic() - started:8.2f} s")


if __name__ == "__main__":
    main()
