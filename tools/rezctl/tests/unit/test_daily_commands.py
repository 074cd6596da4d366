"""`--profile`, `--output`, AWS_ENDPOINT_URL, the shipped sample events, `invoke` and `logs`
glue, and `dashboard` drawn by CloudWatch's GetMetricWidgetImage on AWS (a stubbed client)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import ANY, Stubber
from support import REGION

from rezctl import invoke, live_logs
from rezctl.cli import build_parser, main
from rezctl.dashboard import collect, draw
from rezctl.logs import LogLine
from rezctl.target import Target

ROOT = Path(__file__).resolve().parents[4]
SERVICE_EVENTS = {
    "apigw-rest-proxy": "services/web-api/tests/events/health.json",
    "apigw-token-authorizer": "services/authorizer/tests/events/tokenAuthorizerEvent.json",
    "sqs-raw": "services/processor/tests/events/sqs_record_raw.json",
    "sqs-sns-envelope": "services/processor/tests/events/sqs_record_sns_envelope.json",
    "eventbridge-scheduler": "services/scheduler/tests/events/eventbridge_scheduler_event.json",
}


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A shared config and credentials file with one named profile, as the aws CLI reads."""
    config = tmp_path / "config"
    config.write_text("[profile ops]\nregion = eu-west-2\n")
    credentials = tmp_path / "credentials"
    credentials.write_text("[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = s\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)


def test_profile_and_region_are_parsed_before_or_after_the_command():
    parser = build_parser()
    before = parser.parse_args(["--profile", "ops", "--region", "eu-west-1", "samples"])
    after = parser.parse_args(["samples", "--profile", "ops", "--output", "table"])
    assert (before.profile, before.region) == ("ops", "eu-west-1")
    assert (after.profile, after.output) == ("ops", "table")
    assert parser.parse_args(["samples"]).profile is None


def test_a_profile_gives_its_region_and_credentials(aws_files: None):
    target = Target.resolve(profile="ops")
    assert target.region == "eu-west-2"
    credentials = target.client("sts")._request_signer._credentials
    assert credentials.access_key == "AKIAOPS"
    # an explicit --region wins over the profile's, as in the aws CLI
    assert Target.resolve(profile="ops", region="us-west-2").region == "us-west-2"


def test_an_unknown_profile_is_a_usage_error(aws_files: None):
    err = io.StringIO()
    code = main(["--profile", "nope", "samples"], stdout=io.StringIO(), stderr=err)
    assert code == 2
    assert "nope" in err.getvalue()


def test_aws_endpoint_url_is_the_harness_like_localstack_endpoint(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4599/")
    target = Target.resolve()
    assert (target.endpoint, target.is_local) == ("http://127.0.0.1:4599", True)
    monkeypatch.setenv("LOCALSTACK_ENDPOINT", "http://127.0.0.1:4600")
    assert Target.resolve().endpoint == "http://127.0.0.1:4600"
    assert Target.resolve(endpoint="http://127.0.0.1:1").endpoint == "http://127.0.0.1:1"


@pytest.mark.parametrize("argv", [["--output", "json", "samples"], ["samples", "--json"]])
def test_output_json_and_json_flag_print_one_json_document(argv):
    out = io.StringIO()
    assert main(argv, stdout=out, stderr=io.StringIO()) == 0
    names = [row["name"] for row in json.loads(out.getvalue())]
    assert names == list(invoke.SAMPLES)


def test_output_table_prints_a_table():
    out = io.StringIO()
    assert main(["--output", "table", "samples"], stdout=out, stderr=io.StringIO()) == 0
    assert "apigw-token-authorizer" in out.getvalue()
    assert not out.getvalue().lstrip().startswith(("{", "["))


def test_bad_output_value_is_a_usage_error():
    assert main(["--output", "yaml", "samples"], stdout=io.StringIO(), stderr=io.StringIO()) == 2


@pytest.mark.parametrize("name", sorted(SERVICE_EVENTS))
def test_each_sample_is_the_event_its_service_is_tested_with(name):
    shipped = invoke.sample_event(name)
    tested = json.loads((ROOT / SERVICE_EVENTS[name]).read_text())
    assert shipped == tested


def test_a_placeholder_token_is_replaced_and_a_real_one_kept(monkeypatch):
    monkeypatch.setattr("rezctl.tokens.mint_token", lambda email, target: "minted")
    event = invoke.sample_event("apigw-token-authorizer")
    assert invoke.with_token(event, Target())["authorizationToken"] == "Bearer minted"
    real = {**event, "authorizationToken": "Bearer abc.def.ghi"}
    assert invoke.with_token(real, Target()) == real
    other = invoke.sample_event("sqs-raw")
    assert invoke.with_token(other, Target()) is other


def test_invoke_refuses_an_unknown_sample_and_a_bad_file(tmp_path: Path):
    err = io.StringIO()
    assert main(["invoke", "web-api", "--sample", "nope"], stdout=io.StringIO(), stderr=err) == 2
    assert "apigw-rest-proxy" in err.getvalue()
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    err = io.StringIO()
    assert main(["invoke", "web-api", "--event", str(bad)], stdout=io.StringIO(), stderr=err) == 2
    assert "is not JSON" in err.getvalue()
    code = main(["invoke", "nosuch"], stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert code == 2
    assert "unknown service 'nosuch'" in err.getvalue()


def test_logs_merge_groups_in_time_order_and_never_repeat_a_line():
    # GIVEN two groups whose events interleave, and a poll that sees the same millisecond again
    base = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp() * 1000)
    events = {
        "/aws/lambda/rez-agent-web-api-dev": [(base + 1, "a"), (base + 5, "c")],
        "/aws/lambda/rez-agent-message-processor-dev": [(base + 3, "b"), (base + 5, "d")],
    }
    logs = boto3.client("logs", region_name=REGION)
    stubber = Stubber(logs)
    for _round in range(2):
        for group, items in events.items():
            start = base if _round == 0 else base + 5
            page = [
                {"eventId": f"{group}{t}{m}", "timestamp": t, "message": m, "logStreamName": "s"}
                for t, m in items
                if t >= start
            ]
            stubber.add_response(
                "filter_log_events",
                {"events": page},
                {"logGroupName": group, "startTime": start},
            )
    target = Target().with_client("logs", logs)
    stream = live_logs.LogStream(
        target, list(events), dt.datetime.fromtimestamp(base / 1000, dt.UTC)
    )
    with stubber:
        first = [line.message for line in stream.poll()]
        second = stream.poll()
    # THEN one stream in time order, and the second poll repeats nothing
    assert first == ["a", "b", "c", "d"]
    assert second == []


def test_log_lines_are_coloured_by_service():
    when = dt.datetime(2026, 1, 1, 12, 0, 1, 234000, tzinfo=dt.UTC)
    line = LogLine(
        when,
        "/aws/lambda/rez-agent-message-processor-dev",
        '{"level": "ERROR", "message": "boom"}',
        {"level": "ERROR", "message": "boom"},
    )
    text, style = live_logs.styled(line, width=17)
    assert text == "12:00:01.234 message-processor ERROR boom"
    assert style == "bold green"
    assert live_logs.service_names(["processor", "web-api"]) == ["message-processor", "web-api"]


def _png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    buffer = io.BytesIO()
    Figure(figsize=(1, 1)).savefig(buffer, format="png")
    return buffer.getvalue()


def test_on_aws_cloudwatch_draws_the_graphs_and_rezctl_the_single_values():
    # GIVEN a dashboard with two graphs and a single value, on AWS
    graph = {
        "type": "metric",
        "x": 0,
        "y": 0,
        "width": 12,
        "height": 6,
        "properties": {
            "title": "Processed",
            "view": "timeSeries",
            "region": "eu-west-1",
            "stat": "Sum",
            "period": 300,
            "metrics": [["RezAgent", "MessagesProcessed", "Stage", "dev", "Status", "failed"]],
        },
    }
    pie = {**graph, "x": 12, "properties": {**graph["properties"], "view": "pie", "title": "Pie"}}
    single = {
        "type": "metric",
        "x": 0,
        "y": 6,
        "width": 6,
        "height": 3,
        "properties": {
            "title": "Created",
            "view": "singleValue",
            "stat": "Sum",
            "period": 3600,
            "metrics": [["RezAgent", "MessagesCreated", "Stage", "dev"]],
        },
    }
    body = {"widgets": [graph, pie, single]}
    cloudwatch = boto3.client("cloudwatch", region_name="eu-west-1")
    stubber = Stubber(cloudwatch)
    stubber.add_response(
        "get_dashboard",
        {"DashboardName": "rez-agent-dev-overview", "DashboardBody": json.dumps(body)},
        {"DashboardName": "rez-agent-dev-overview"},
    )
    png = _png()
    sent: list[dict] = []
    for _ in range(2):
        stubber.add_response(
            "get_metric_widget_image",
            {"MetricWidgetImage": png},
            {"MetricWidget": ANY, "OutputFormat": "png"},
        )
    now = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    stubber.add_response(
        "get_metric_data",
        {"MetricDataResults": [{"Id": "m0", "Label": "x", "Timestamps": [now], "Values": [7.0]}]},
    )
    target = Target(stage="dev", region="eu-west-1").with_client("cloudwatch", cloudwatch)
    original = cloudwatch.get_metric_widget_image

    def spy(**kwargs):
        sent.append(json.loads(kwargs["MetricWidget"]))
        return original(**kwargs)

    cloudwatch.get_metric_widget_image = spy  # type: ignore[method-assign]
    # WHEN collected over the last 3 hours
    with stubber:
        board = collect(target, since=dt.timedelta(hours=3), now=now)
    stubber.assert_no_pending_responses()
    # THEN CloudWatch drew both graphs from the widgets' own properties, sized on the grid
    assert [p.image for p in board.panels[:2]] == [png, png]
    assert sent[0]["metrics"] == graph["properties"]["metrics"]
    assert (sent[0]["view"], sent[1]["view"]) == ("timeSeries", "pie")
    assert (sent[0]["width"], sent[0]["height"], sent[0]["start"]) == (900, 450, "-PT180M")
    # AND the single value came from GetMetricData, drawn here
    single_panel = board.panels[2]
    assert single_panel.image is None
    assert single_panel.latest() == [("MessagesCreated", 7.0)]
    assert [p.as_dict()["drawn_by"] for p in board.panels] == ["cloudwatch"] * 2 + ["rezctl"]
    # AND the picture has one axes per widget, CloudWatch's images shown as they came
    assert len(draw(board).axes) == 3


def test_on_the_harness_every_widget_is_drawn_here():
    target = Target(stage="dev", endpoint="http://127.0.0.1:1")
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    stubber = Stubber(cloudwatch)
    widget = {"type": "metric", "properties": {"view": "timeSeries", "metrics": []}}
    stubber.add_response(
        "get_dashboard",
        {"DashboardName": "d", "DashboardBody": json.dumps({"widgets": [widget]})},
    )
    with stubber:  # no GetMetricWidgetImage call is expected (the stubber would refuse it)
        board = collect(target.with_client("cloudwatch", cloudwatch))
    assert board.panels[0].image is None
    assert board.panels[0].error is None
