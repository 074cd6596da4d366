"""`rezctl logs` and `rezctl invoke` against the deployed system on the harness.

AWS's documented behaviour these rely on: FilterLogEvents returns a group's events from
`startTime` on, so a follower sees lines written after it started
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html);
a synchronous Invoke with `LogType=Tail` answers the function's result and the last 4 KB of its
log, base64-encoded (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
Runs after the module that measures the SLOs: the scheduler sample creates a real message.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
import uuid
from typing import Any

import pytest

from rezctl import invoke as invoking
from rezctl import live_logs
from rezctl.cli import main
from rezctl.logs import LogLine
from rezctl.target import Target

pytestmark = pytest.mark.harness
ANSWERS = {  # what each sample's function answers, as its own tests state it
    "apigw-rest-proxy": '"statusCode": 200',
    "apigw-token-authorizer": '"Effect": "Allow"',
    "sqs-raw": '"batchItemFailures"',  # the sample's message is not in this table: poison
    "sqs-sns-envelope": '"batchItemFailures"',
    "eventbridge-scheduler": '"status": "created"',
}


def test_logs_tail_shows_a_line_written_after_it_started(deployed: Target):
    group = deployed.names.log_group("scheduler")
    logs = deployed.client("logs")
    stream = live_logs.LogStream(deployed, [group], dt.datetime.now(dt.UTC))
    polls = threading.Semaphore(0)

    def pause(seconds: float) -> None:  # called after each poll
        polls.release()
        time.sleep(seconds)

    seen: list[LogLine] = []
    stop = threading.Event()
    follower = threading.Thread(
        target=live_logs.follow,
        args=(stream, seen.extend),
        kwargs={"tail": True, "stop": stop.is_set, "poll_seconds": 0.2, "sleep": pause},
        daemon=True,
    )
    follower.start()
    try:
        assert polls.acquire(timeout=30)  # following has begun
        # WHEN a line is written after the follower started
        marker = f"rezctl-tail-{uuid.uuid4().hex[:8]}"
        name = f"rezctl-test/{marker}"
        logs.create_log_stream(logGroupName=group, logStreamName=name)
        logs.put_log_events(
            logGroupName=group,
            logStreamName=name,
            logEvents=[
                {
                    "timestamp": int(time.time() * 1000),
                    "message": f'{{"level": "INFO", "message": "{marker}"}}',
                }
            ],
        )
        # THEN it appears, once, with its service
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(line.text == marker for line in seen):
            polls.acquire(timeout=5)
        mine = [line for line in seen if line.text == marker]
        assert len(mine) == 1
        assert mine[0].service == "scheduler"
    finally:
        stop.set()
        follower.join(timeout=10)
    # AND the command prints it among the merged lines
    out = io.StringIO()
    code = main(
        ["--endpoint", deployed.endpoint or "", "--no-color", "logs", "--since", "5m"],
        stdout=out,
        stderr=io.StringIO(),
    )
    assert code == 0
    printed = [line for line in out.getvalue().splitlines() if line.endswith(marker)]
    assert len(printed) == 1
    assert " scheduler " in printed[0]


@pytest.mark.parametrize("sample", sorted(invoking.SAMPLES))
def test_invoke_with_each_sample_prints_the_answer_and_the_log_tail(deployed: Target, sample: str):
    service = invoking.SAMPLES[sample].service
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "--endpoint",
            deployed.endpoint or "",
            "--no-color",
            "invoke",
            service,
            "--sample",
            sample,
        ],
        stdout=out,
        stderr=err,
    )
    text = out.getvalue()
    assert code == 0, text + err.getvalue()
    assert text.startswith(f"{deployed.names.function(service)}: 200\n")
    assert ANSWERS[sample] in text
    tail = text.split("log tail:\n", 1)[1]
    assert "REPORT RequestId:" in tail  # the runtime's last line of the invocation


def test_invoke_json_output_carries_the_decoded_log_tail(deployed: Target):
    out = io.StringIO()
    code = main(
        ["--endpoint", deployed.endpoint or "", "--output", "json", "invoke", "web-api"],
        stdout=out,
        stderr=io.StringIO(),
    )
    import json

    answer: dict[str, Any] = json.loads(out.getvalue())
    assert code == 0
    assert answer["payload"]["statusCode"] == 200
    assert answer["function_error"] is None
    assert "END RequestId:" in answer["log_tail"]


def test_the_dashboard_is_drawn_here_on_the_harness_which_has_no_renderer(
    deployed: Target, tmp_path
):
    out = io.StringIO()
    where = ["--endpoint", deployed.endpoint or ""]
    image = str(tmp_path / "d.png")
    assert main([*where, "--json", "dashboard", "--out", image], stdout=out) == 0
    import json

    panels = json.loads(out.getvalue())["panels"]
    assert len(panels) == 12
    assert {p["drawn_by"] for p in panels} == {"rezctl"}
    # asking the harness's CloudWatch to draw fails per widget, as it has no GetMetricWidgetImage
    out = io.StringIO()
    code = main([*where, "--json", "dashboard", "--out", image, "--renderer", "cloudwatch"],
                stdout=out, stderr=io.StringIO())  # fmt: skip
    assert code == 0
    graphs = [p for p in json.loads(out.getvalue())["panels"] if p["view"] != "singleValue"]
    assert graphs
    assert all("CloudWatch could not draw it" in (p["error"] or "") for p in graphs)
