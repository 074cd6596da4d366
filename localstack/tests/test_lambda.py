"""The host-process Lambda executor, driven through LocalStack's Lambda API with boto3."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.conftest import invoke_json, short_uid, wait_until

ECHO = """
import json, os, sys

def handler(event, context):
    print("event:", json.dumps(event))
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "log_group": context.log_group_name,
        "log_stream": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "trace": os.environ.get("_X_AMZN_TRACE_ID"),
        "endpoint": os.environ.get("AWS_ENDPOINT_URL"),
        "custom": os.environ.get("CUSTOM"),
        "region": os.environ.get("AWS_REGION"),
        "task_root": os.environ.get("LAMBDA_TASK_ROOT"),
        "cwd": os.getcwd(),
        "pid": os.getpid(),
        "python": "%d.%d" % sys.version_info[:2],
        "harness_env_leaked": "GATEWAY_LISTEN" in os.environ,
        "home": os.path.expanduser("~"),
        "tmp": __import__("tempfile").gettempdir(),
    }
"""


def test_request_response_invoke_gets_event_context_and_env(
    create_function: Callable[..., str], client: Callable[[str], Any], harness: Any
) -> None:
    # GIVEN a function with an environment variable
    lam = client("lambda")
    name = create_function({"app.py": ECHO}, env={"CUSTOM": "yes"}, timeout=7)

    # WHEN it is invoked twice synchronously
    first, body = invoke_json(lam, name, {"hello": "world"})
    _, second = invoke_json(lam, name, {"n": 2})

    # THEN the event, the context object and the environment arrive as on AWS
    assert first["StatusCode"] == 200 and "FunctionError" not in first
    assert body["event"] == {"hello": "world"}
    assert body["function_name"] == name
    assert body["function_version"] == "$LATEST"
    assert body["arn"].endswith(f":function:{name}")
    assert body["memory"] == "128"
    assert body["log_group"] == f"/aws/lambda/{name}"
    assert body["log_stream"]
    assert 5000 < body["remaining"] <= 7000
    assert body["custom"] == "yes" and body["region"] == "us-east-1"
    assert body["endpoint"] == harness.endpoint
    assert body["cwd"] == body["task_root"]
    assert body["python"] == "3.13"
    assert body["harness_env_leaked"] is False
    # home and temp dir are the environment's own, not the harness user's
    assert body["home"] == body["tmp"] and body["tmp"] != "/tmp" and "rez-lambda" in body["tmp"]
    # a fresh trace id per invoke, from the one LocalStack passes
    assert body["trace"].startswith("Root=1-") and second["trace"].startswith("Root=1-")
    assert body["trace"] != second["trace"]
    assert body["request_id"] != second["request_id"]
    # the same warm environment served both
    assert body["pid"] == second["pid"]


def test_log_tail_and_cloudwatch_log_group(
    create_function: Callable[..., str], client: Callable[[str], Any]
) -> None:
    lam, logs = client("lambda"), client("logs")
    name = create_function({"app.py": ECHO})

    response, body = invoke_json(lam, name, {"marker": "tail-me"}, LogType="Tail")

    tail = base64.b64decode(response["LogResult"]).decode()
    request_id = body["request_id"]
    assert f"START RequestId: {request_id} Version: $LATEST" in tail
    assert 'event: {"marker": "tail-me"}' in tail
    assert f"END RequestId: {request_id}" in tail
    assert f"REPORT RequestId: {request_id}\tDuration:" in tail
    assert "Init Duration:" in tail  # first invoke of a fresh environment

    def logged() -> str:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return ""  # the log group appears with the first batch of logs
        return "".join(e["message"] for e in events)

    text = wait_until(lambda: "tail-me" in logged() and logged(), timeout=15)
    assert f"START RequestId: {request_id}" in text and f"REPORT RequestId: {request_id}" in text


def test_handler_error_comes_back_as_function_error(
    create_function: Callable[..., str], client: Callable[[str], Any]
) -> None:
    source = "def handler(event, context):\n    raise ValueError('bad input: ' + event['x'])\n"
    name = create_function({"app.py": source})

    response, body = invoke_json(client("lambda"), name, {"x": "42"})

    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "bad input: 42"
    assert any("app.py" in frame and "in handler" in frame for frame in body["stackTrace"])
    assert not any("bootstrap.py" in frame for frame in body["stackTrace"])


def test_timeout_is_reported_and_environment_recovers(
    create_function: Callable[..., str], client: Callable[[str], Any]
) -> None:
    source = (
        "import time\n"
        "def handler(event, context):\n"
        "    print('working')\n"
        "    time.sleep(event.get('sleep', 0))\n"
        "    return 'done'\n"
    )
    lam = client("lambda")
    name = create_function({"app.py": source}, timeout=1)

    started = time.monotonic()
    response, body = invoke_json(lam, name, {"sleep": 5}, LogType="Tail")
    elapsed = time.monotonic() - started

    assert response["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in body["errorMessage"]
    assert elapsed < 4
    tail = base64.b64decode(response["LogResult"]).decode()
    assert "working" in tail and "Task timed out after 1.00 seconds" in tail
    # the sandbox is reset: the next invoke runs normally
    response, body = invoke_json(lam, name, {"sleep": 0})
    assert "FunctionError" not in response and body == "done"


def test_a_runtime_that_dies_mid_invocation_fails_it_and_is_replaced(
    create_function: Callable[..., str], client: Callable[[str], Any]
) -> None:
    source = (
        "import os\n"
        "def handler(event, context):\n"
        "    if event.get('die'):\n"
        "        os._exit(3)\n"
        "    return 'alive'\n"
    )
    lam = client("lambda")
    name = create_function({"app.py": source})

    response, body = invoke_json(lam, name, {"die": True})

    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in body["errorMessage"]
    # a new process initialises for the next invoke, as on AWS
    response, body = invoke_json(lam, name, {})
    assert "FunctionError" not in response and body == "alive"


def test_missing_dependency_fails_with_import_module_error(
    create_function: Callable[..., str], client: Callable[[str], Any]
) -> None:
    # `requests` is on the harness's path, but not in the zip nor in the Lambda runtime
    source = "import requests\ndef handler(event, context):\n    return 1\n"
    name = create_function({"app.py": source})

    response, body = invoke_json(client("lambda"), name)

    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"] == "Unable to import module 'app': No module named 'requests'"


def test_only_code_and_runtime_are_importable(
    create_function: Callable[..., str], client: Callable[[str], Any]
) -> None:
    source = (
        "import importlib.util\n"
        "import helper\n"
        "def handler(event, context):\n"
        "    found = {m: importlib.util.find_spec(m) is not None\n"
        "             for m in ('boto3', 'botocore', 'localstack', 'moto', 'rez_localstack')}\n"
        "    return {'helper': helper.VALUE, **found}\n"
    )
    name = create_function({"app.py": source, "helper.py": "VALUE = 7\n"})

    _, body = invoke_json(client("lambda"), name)

    assert body == {
        "helper": 7,
        "boto3": True,
        "botocore": True,
        "localstack": False,
        "moto": False,
        "rez_localstack": False,
    }


def test_event_invoke_runs_the_function(
    create_function: Callable[..., str], client: Callable[[str], Any], sqs_queue: Any
) -> None:
    # GIVEN a function that reports to a queue through boto3 (AWS_ENDPOINT_URL -> the harness)
    sqs = client("sqs")
    url = sqs_queue()
    source = (
        "import boto3, json, os\n"
        "def handler(event, context):\n"
        "    boto3.client('sqs').send_message(\n"
        "        QueueUrl=os.environ['QUEUE'], MessageBody=json.dumps(event))\n"
    )
    name = create_function({"app.py": source}, env={"QUEUE": url})

    # WHEN it is invoked asynchronously
    response = client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=b'{"async": true}'
    )

    # THEN the call is accepted at once and the function runs later
    assert response["StatusCode"] == 202

    def received() -> list[Any]:
        return sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])

    messages = wait_until(received, timeout=20)
    assert messages[0]["Body"] == '{"async": true}'


def test_function_uses_dynamodb_through_the_harness(
    create_function: Callable[..., str], client: Callable[[str], Any]
) -> None:
    ddb = client("dynamodb")
    table = f"tbl-{short_uid()}"
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    source = (
        "import boto3, os\n"
        "table = boto3.resource('dynamodb').Table(os.environ['TABLE'])\n"
        "def handler(event, context):\n"
        "    table.put_item(Item={'pk': event['id'], 'by': context.function_name})\n"
        "    return table.get_item(Key={'pk': event['id']})['Item']\n"
    )
    name = create_function({"app.py": source}, env={"TABLE": table})

    response, body = invoke_json(client("lambda"), name, {"id": "m-1"})

    assert "FunctionError" not in response
    assert body == {"pk": "m-1", "by": name}
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "m-1"}})["Item"]["by"] == {"S": name}
    ddb.delete_table(TableName=table)


def test_concurrent_invokes_use_several_environments(
    create_function: Callable[..., str], client: Callable[[str], Any]
) -> None:
    source = (
        "import os, time\n"
        "def handler(event, context):\n"
        "    time.sleep(0.8)\n"
        "    return os.getpid()\n"
    )
    lam = client("lambda")
    name = create_function({"app.py": source})

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=3) as pool:
        pids = list(pool.map(lambda _: invoke_json(lam, name)[1], range(3)))
    elapsed = time.monotonic() - started

    assert len(set(pids)) == 3
    assert elapsed < 3 * 0.8 + 1.0  # they overlapped


def test_python312_runtime_runs_on_python312(
    create_function: Callable[..., str], client: Callable[[str], Any]
) -> None:
    name = create_function({"app.py": ECHO}, runtime="python3.12")

    _, body = invoke_json(client("lambda"), name)

    assert body["python"] == "3.12"


def test_runtime_it_cannot_serve_is_refused_clearly(
    create_function: Callable[..., str], client: Callable[[str], Any]
) -> None:
    lam = client("lambda")
    name = create_function(
        {"index.js": "exports.handler = async () => 1;"},
        handler="index.handler",
        runtime="nodejs20.x",
    )

    response, body = invoke_json(lam, name)

    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.InvalidRuntime"
    assert "nodejs20.x" in body["errorMessage"]
    assert "Python zip functions only" in body["errorMessage"]
    # and the function can still be deleted (the fixture's teardown does it)
