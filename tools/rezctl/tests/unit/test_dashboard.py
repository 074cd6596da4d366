"""`rezctl dashboard`: the deployed dashboard's twelve widgets drawn from metric data."""

from __future__ import annotations

import datetime as dt
import io
import json
import textwrap
from pathlib import Path

import pytest
from support import REGION, client

from rezctl.cli import main
from rezctl.dashboard import collect, draw, render_dashboard
from rezctl.metric_math import Evaluator, Line, parse_search
from rezctl.metrics import MetricId
from rezctl.target import Target

TEMPLATE = Path(__file__).resolve().parents[4] / "infra" / "cloudformation" / "monitoring.yaml"


def deployed_body(stage: str = "dev") -> str:
    """The dashboard body exactly as the monitoring stack's !Sub deploys it."""
    text = TEMPLATE.read_text(encoding="utf-8")
    block = text.split("DashboardBody: !Sub |", 1)[1].split("\nOutputs:", 1)[0]
    body = textwrap.dedent(block).strip()
    return body.replace("${Stage}", stage).replace("${AWS::Region}", REGION)


def put(name: str, value: float, dims: dict[str, str], namespace: str = "RezAgent") -> None:
    client("cloudwatch").put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": name,
                "Value": value,
                "Timestamp": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2),
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
            }
        ],
    )


@pytest.fixture
def dashboard(target: Target) -> None:
    client("cloudwatch").put_dashboard(
        DashboardName="rez-agent-dev-overview", DashboardBody=deployed_body()
    )


def test_the_twelve_widgets_are_drawn_as_twelve_axes(target: Target, dashboard: None, tmp_path):
    # GIVEN published metrics for a few widgets
    put("MessagesCreated", 3, {"Stage": "dev", "MessageType": "manual", "CreatedBy": "a@b.c"})
    put("MessagesProcessed", 2, {"Stage": "dev", "Status": "completed"})
    put("MessagesProcessed", 1, {"Stage": "dev", "Status": "failed"})
    # WHEN the dashboard is rendered
    out = tmp_path / "dashboard.png"
    board, figure = render_dashboard(target, out, cloudwatch_images=False)
    # THEN one axes per widget, a PNG written, and the data where the widgets ask for it
    assert len(board.panels) == 12
    assert len(figure.axes) == 12
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    panels = {panel.title: panel for panel in board.panels}
    created = {
        line.label: sum(line.points.values()) for line in panels["Messages Created (24h)"].lines
    }
    assert created["manual"] == 3
    assert "scheduled_hello" not in created or created["scheduled_hello"] == 0
    rate = panels["Success Rate (24h)"].latest()
    assert rate[0][1] == pytest.approx(200 / 3)
    assert [a.get_title(loc="left") for a in figure.axes][:3] == [
        "Messages Created (24h)",
        "Messages Processed (24h)",
        "Success Rate (24h)",
    ]


def test_html_output_embeds_the_picture(target: Target, dashboard: None, tmp_path):
    out = tmp_path / "dashboard.html"
    render_dashboard(target, out, cloudwatch_images=False)
    assert "data:image/png;base64," in out.read_text()


def test_cli_dashboard_json_and_usage_errors(target: Target, dashboard: None, tmp_path):
    out = io.StringIO()
    path = tmp_path / "d.png"
    assert (
        main(
            ["dashboard", "--out", str(path), "--json", "--renderer", "local"],
            stdout=out,
            stderr=io.StringIO(),
        )
        == 0
    )
    document = json.loads(out.getvalue())
    assert len(document["panels"]) == 12
    assert path.stat().st_size > 0
    assert (
        main(
            ["dashboard", "--out", str(tmp_path / "d.txt")],
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        == 2
    )


def test_missing_dashboard_exits_3(target: Target, tmp_path: Path):
    out = str(tmp_path / "none.png")
    assert main(["dashboard", "--out", out], stdout=io.StringIO(), stderr=io.StringIO()) == 3


def test_a_widget_that_cannot_be_fetched_still_gets_its_panel(target: Target):
    body = {
        "widgets": [
            {
                "type": "metric",
                "x": 0,
                "y": 0,
                "width": 8,
                "height": 6,
                "properties": {
                    "title": "broken",
                    "metrics": [[{"expression": "NOPE(x)", "id": "e"}]],
                },
            }
        ]
    }
    client("cloudwatch").put_dashboard(
        DashboardName="rez-agent-dev-overview", DashboardBody=json.dumps(body)
    )
    board = collect(target, cloudwatch_images=False)
    assert board.panels[0].error is not None
    assert len(draw(board).axes) == 1


# -- metric math ---------------------------------------------------------------------
T = [dt.datetime(2026, 1, 1, 0, m, tzinfo=dt.UTC) for m in range(3)]


def test_search_matches_the_exact_dimension_set_and_or_groups():
    query = parse_search(
        '{AWS/DynamoDB,Operation,TableName} MetricName="ThrottledRequests" '
        '(TableName="a" OR TableName="b")'
    )

    def metric(**dims: str) -> MetricId:
        return MetricId.of("AWS/DynamoDB", "ThrottledRequests", dims)

    assert query.matches(metric(Operation="PutItem", TableName="a"))
    assert query.matches(metric(Operation="GetItem", TableName="b"))
    assert not query.matches(metric(Operation="PutItem", TableName="c"))
    assert not query.matches(metric(TableName="a"))  # another dimension set


def test_fill_and_arithmetic_give_the_success_rate():
    ids = {
        "completed": Line("c", {T[0]: 3.0, T[1]: 1.0}),
        "failed": Line("f", {T[1]: 1.0, T[2]: 2.0}),
    }
    evaluator = Evaluator(ids, lambda q, p: [], lambda n, m: [], 60)
    value = evaluator.evaluate("100 * FILL(completed, 0) / (FILL(completed, 0) + FILL(failed, 0))")
    assert isinstance(value, Line)
    assert value.points == {T[0]: 100.0, T[1]: 50.0, T[2]: 0.0}


def test_sum_of_search_adds_the_found_series():
    found = [
        MetricId.of(
            "RezAgent",
            "MessagesCreated",
            {"Stage": "dev", "CreatedBy": who, "MessageType": "manual"},
        )
        for who in ("a", "b")
    ]
    fetched: list[tuple[MetricId, str]] = []

    def fetcher(queries, period):
        fetched.extend(queries)
        return [{T[0]: 1.0}, {T[0]: 2.0, T[1]: 5.0}]

    evaluator = Evaluator({}, fetcher, lambda ns, name: found, 300)
    value = evaluator.evaluate(
        'SUM(SEARCH(\'{RezAgent,CreatedBy,MessageType,Stage} MetricName="MessagesCreated" '
        'Stage="dev" MessageType="manual"\', \'Sum\', 300))'
    )
    assert isinstance(value, Line)
    assert value.points == {T[0]: 3.0, T[1]: 5.0}
    assert [stat for _, stat in fetched] == ["Sum", "Sum"]
