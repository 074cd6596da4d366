"""Fault injection: AWS errors in each service's wire protocol, latency, windows, crash points.

The errors are the ones AWS documents for these operations, with their HTTP statuses:
- DynamoDB ``ProvisionedThroughputExceededException`` / ``ThrottlingException`` (400),
  ``InternalServerError`` (500):
  https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html
- Lambda ``TooManyRequestsException`` (429):
  https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
- SNS ``InternalError`` (500): https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
- SQS ``InternalError`` (500), its query protocol answering XML:
  https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html
- Secrets Manager ``InternalServiceError`` (500):
  https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import REGION, invoke_json, short_uid, wait_until

CRASH_POINTS_SOURCE = (
    Path(__file__).resolve().parents[2] / "libs/messages/src/rez_messages/crash_points.py"
).read_text()


def control(harness: Any, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{harness.endpoint}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def faults(harness: Any) -> Iterator[Callable[..., dict[str, Any]]]:
    """Add rules; every rule and crash point is cleared after the test."""

    def add(**rule: Any) -> dict[str, Any]:
        status, body = control(harness, "POST", "/_rez/faults", rule)
        assert status == 201, body
        return dict(body)

    yield add
    control(harness, "DELETE", "/_rez/faults")
    control(harness, "DELETE", "/_rez/faults/crash")


@pytest.fixture(scope="module")
def no_retry(harness: Any) -> Callable[[str], Any]:
    """Clients that make one attempt, so the injected answer is what the test sees."""
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
    )
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    return lambda service: session.client(service, endpoint_url=harness.endpoint, config=config)


def make_table(dynamodb: Any) -> str:
    name = f"t-{short_uid()}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def error_of(call: Callable[[], Any]) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"].get("Message", ""),
    )


def test_dynamodb_error_for_the_next_n_calls_on_one_table(
    faults: Callable[..., dict[str, Any]], no_retry: Callable[[str], Any], harness: Any
) -> None:
    dynamodb = no_retry("dynamodb")
    table, other = make_table(dynamodb), make_table(dynamodb)
    # GIVEN PutItem on one table throttled for its next 2 calls
    rule = faults(
        service="dynamodb",
        operation="PutItem",
        resource=table,
        count=2,
        error={
            "code": "ProvisionedThroughputExceededException",
            "status": 400,
            "message": "The level of configured provisioned throughput for the table was exceeded.",
        },
    )
    item = {"pk": {"S": "a"}}
    # THEN the other table and the other operations are untouched
    dynamodb.put_item(TableName=other, Item=item)
    dynamodb.get_item(TableName=table, Key=item)
    # AND the next two PutItem get AWS's error, in DynamoDB's JSON protocol
    for _ in range(2):
        code, status, message = error_of(lambda: dynamodb.put_item(TableName=table, Item=item))
        assert (code, status) == ("ProvisionedThroughputExceededException", 400)
        assert "provisioned throughput" in message
    # AND the third succeeds; the rule counted its hits and is spent
    dynamodb.put_item(TableName=table, Item=item)
    listed = {r["id"]: r for r in control(harness, "GET", "/_rez/faults")[1]["rules"]}
    assert listed[rule["id"]]["hits"] == 2 and listed[rule["id"]]["expired"] is True


def test_contains_narrows_a_rule_to_requests_naming_a_value(
    faults: Callable[..., dict[str, Any]], no_retry: Callable[[str], Any]
) -> None:
    dynamodb = no_retry("dynamodb")
    table = make_table(dynamodb)
    faults(
        service="dynamodb",
        operation="PutItem",
        contains="needle-42",
        error={"code": "ThrottlingException", "status": 400},
    )
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "hay"}})
    code, _, _ = error_of(
        lambda: dynamodb.put_item(TableName=table, Item={"pk": {"S": "x-needle-42-y"}})
    )
    assert code == "ThrottlingException"


def test_transaction_matches_by_its_tables(
    faults: Callable[..., dict[str, Any]], no_retry: Callable[[str], Any]
) -> None:
    dynamodb = no_retry("dynamodb")
    table = make_table(dynamodb)
    faults(service="dynamodb", resource=table, error={"code": "InternalServerError", "status": 500})
    code, status, _ = error_of(
        lambda: dynamodb.transact_write_items(
            TransactItems=[{"Put": {"TableName": table, "Item": {"pk": {"S": "x"}}}}]
        )
    )
    assert (code, status) == ("InternalServerError", 500)


def test_sns_sqs_lambda_secrets_errors_in_their_protocols(
    faults: Callable[..., dict[str, Any]],
    no_retry: Callable[[str], Any],
    sqs_queue: Callable[..., str],
    create_function: Callable[..., str],
) -> None:
    sns, sqs, lam, secrets = (no_retry(s) for s in ("sns", "sqs", "lambda", "secretsmanager"))
    topic = sns.create_topic(Name=f"topic-{short_uid()}")["TopicArn"]
    queue = sqs_queue()
    function = create_function({"app.py": "def handler(event, context):\n    return 'ok'\n"})
    secret = f"s-{short_uid()}"
    secrets.create_secret(Name=secret, SecretString="x")
    faults(
        service="sns",
        operation="Publish",
        resource=topic.rsplit(":", 1)[1],
        count=1,
        error={"code": "InternalError", "status": 500, "message": "Internal error"},
    )
    faults(
        service="sqs",
        operation="SendMessage",
        resource=queue.rsplit("/", 1)[1],
        count=1,
        error={"code": "InternalError", "status": 500},
    )
    faults(
        service="lambda",
        operation="Invoke",
        resource=function,
        count=1,
        error={"code": "TooManyRequestsException", "status": 429, "message": "Rate exceeded"},
    )
    faults(
        service="secretsmanager",
        operation="GetSecretValue",
        resource=secret,
        count=1,
        error={"code": "InternalServiceError", "status": 500},
    )

    # SNS speaks query/XML, SQS JSON (botocore's current protocol), Lambda REST-JSON
    assert error_of(lambda: sns.publish(TopicArn=topic, Message="m"))[:2] == ("InternalError", 500)
    assert error_of(lambda: sqs.send_message(QueueUrl=queue, MessageBody="m"))[:2] == (
        "InternalError",
        500,
    )
    code, status, message = error_of(lambda: lam.invoke(FunctionName=function, Payload=b"{}"))
    assert (code, status, message) == ("TooManyRequestsException", 429, "Rate exceeded")
    assert error_of(lambda: secrets.get_secret_value(SecretId=secret))[:2] == (
        "InternalServiceError",
        500,
    )
    # each for one call only
    sns.publish(TopicArn=topic, Message="m")
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    assert invoke_json(lam, function)[1] == "ok"
    assert secrets.get_secret_value(SecretId=secret)["SecretString"] == "x"


def test_sqs_query_protocol_gets_an_xml_error(
    faults: Callable[..., dict[str, Any]], sqs_queue: Callable[..., str], harness: Any
) -> None:
    queue = sqs_queue()
    faults(
        service="sqs",
        operation="SendMessage",
        resource=queue.rsplit("/", 1)[1],
        count=1,
        error={"code": "InternalError", "status": 500, "message": "boom"},
    )
    request = urllib.request.Request(
        f"{harness.endpoint}/",
        data=f"Action=SendMessage&QueueUrl={queue}&MessageBody=m&Version=2012-11-05".encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request",
        },
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)
    assert caught.value.code == 500
    body = caught.value.read().decode()
    assert "<Code>InternalError</Code>" in body and "<Message>boom</Message>" in body


def test_internal_rule_hits_sns_to_sqs_delivery_not_clients(
    faults: Callable[..., dict[str, Any]],
    client: Callable[[str], Any],
    sqs_queue: Callable[..., str],
    harness: Any,
) -> None:
    sns, sqs = client("sns"), client("sqs")
    queue = sqs_queue()
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    topic = sns.create_topic(Name=f"topic-{short_uid()}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    rule = faults(
        service="sqs",
        resource=queue.rsplit("/", 1)[1],
        source="internal",
        operation="SendMessage*",
        error={"code": "InternalError", "status": 500},
    )
    # a client's own SendMessage is not an internal call
    sqs.send_message(QueueUrl=queue, MessageBody="direct")
    # SNS's delivery to the queue is, and meets the fault
    sns.publish(TopicArn=topic, Message="via sns")
    wait_until(
        lambda: any(
            r["id"] == rule["id"] and r["hits"] >= 1
            for r in control(harness, "GET", "/_rez/faults")[1]["rules"]
        )
    )
    bodies = [
        m["Body"]
        for m in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1, MaxNumberOfMessages=10).get(
            "Messages", []
        )
    ]
    assert bodies == ["direct"]


def test_latency_probability_and_time_window(
    faults: Callable[..., dict[str, Any]], no_retry: Callable[[str], Any], harness: Any
) -> None:
    dynamodb = no_retry("dynamodb")
    table = make_table(dynamodb)
    key = {"pk": {"S": "k"}}
    # latency alone: the call still succeeds, and the rule counts it
    slow = faults(service="dynamodb", operation="GetItem", resource=table, latency_ms=50, count=1)
    dynamodb.get_item(TableName=table, Key=key)
    rules = {r["id"]: r for r in control(harness, "GET", "/_rez/faults")[1]["rules"]}
    assert rules[slow["id"]]["hits"] == 1
    # a fraction: over 60 calls at 50 %, some fail and some pass (all one way: p = 2**-59)
    faults(
        service="dynamodb",
        operation="DescribeTable",
        resource=table,
        probability=0.5,
        error={"code": "ThrottlingException", "status": 400},
    )
    outcomes = set()
    for _ in range(60):
        try:
            dynamodb.describe_table(TableName=table)
            outcomes.add("ok")
        except ClientError as error:
            outcomes.add(error.response["Error"]["Code"])
    assert outcomes == {"ok", "ThrottlingException"}
    # a window: the rule applies while it lasts, then expires by itself
    window = faults(
        service="dynamodb",
        operation="PutItem",
        resource=table,
        duration_s=1,
        error={"code": "ThrottlingException", "status": 400},
    )
    wait_until(
        lambda: {r["id"]: r for r in control(harness, "GET", "/_rez/faults")[1]["rules"]}[
            window["id"]
        ]["expired"]
    )
    dynamodb.put_item(TableName=table, Item=key)


def test_bad_rules_are_refused_with_the_reason(harness: Any) -> None:
    cases = [
        ({}, "'service'"),
        ({"service": "dynamodb"}, "needs an 'error'"),
        ({"service": "sqs", "error": {"code": "X", "status": 200}}, "'error.status'"),
        ({"service": "sqs", "latency_ms": 5, "probability": 0}, "'probability'"),
        ({"service": "sqs", "latency_ms": 5, "source": "elsewhere"}, "'source'"),
    ]
    for body, reason in cases:
        status, answer = control(harness, "POST", "/_rez/faults", body)
        assert status == 400 and reason in answer["error"], (body, answer)


CRASHING_HANDLER = """
from crash_points import crash_point

def handler(event, context):
    print("started")
    crash_point("mid")
    return "finished"
"""


def test_crash_point_kills_the_runtime_mid_invocation_once(
    faults: Callable[..., dict[str, Any]],
    create_function: Callable[..., str],
    client: Callable[[str], Any],
    harness: Any,
) -> None:
    lam = client("lambda")
    name = create_function({"app.py": CRASHING_HANDLER, "crash_points.py": CRASH_POINTS_SOURCE})
    assert invoke_json(lam, name)[1] == "finished"  # unarmed: a no-op
    # GIVEN the point armed for one pass
    status, _ = control(
        harness, "POST", "/_rez/faults/crash", {"function": name, "point": "mid", "count": 1}
    )
    assert status == 201
    # WHEN invoked THEN the process dies there: the invocation fails as an OOM kill does
    response, body = invoke_json(lam, name)
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    # AND the next invocation runs on a new process to the end
    assert invoke_json(lam, name)[1] == "finished"
    armed = control(harness, "GET", "/_rez/faults/crash")[1]["functions"][name]
    assert armed["hits"] == {"mid": 1} and armed["points"]["mid"]["remaining"] == 0


def test_crash_point_hang_times_the_invocation_out(
    faults: Callable[..., dict[str, Any]],
    create_function: Callable[..., str],
    client: Callable[[str], Any],
    harness: Any,
) -> None:
    lam = client("lambda")
    name = create_function(
        {"app.py": CRASHING_HANDLER, "crash_points.py": CRASH_POINTS_SOURCE}, timeout=1
    )
    control(
        harness, "POST", "/_rez/faults/crash", {"function": name, "point": "mid", "mode": "hang"}
    )
    response, body = invoke_json(lam, name)
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert invoke_json(lam, name)[1] == "finished"


CALLING_HANDLER = """
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

def handler(event, context):
    client = boto3.client("dynamodb", config=Config(retries={"total_max_attempts": 1}))
    try:
        client.put_item(TableName=event["table"], Item={"pk": {"S": "from-function"}})
    except ClientError as error:
        return error.response["Error"]["Code"]
    return "ok"
"""


def test_caller_narrows_a_rule_to_one_functions_calls(
    faults: Callable[..., dict[str, Any]],
    create_function: Callable[..., str],
    client: Callable[[str], Any],
    no_retry: Callable[[str], Any],
) -> None:
    # GIVEN a rule for the calls one function makes (the executor names it in the User-Agent)
    lam, dynamodb = client("lambda"), no_retry("dynamodb")
    table = make_table(dynamodb)
    name = create_function({"app.py": CALLING_HANDLER})
    other = create_function({"app.py": CALLING_HANDLER})
    faults(
        service="dynamodb",
        operation="PutItem",
        caller=name,
        error={"code": "ProvisionedThroughputExceededException", "status": 400},
    )
    # THEN that function's call fails, another function's and the test's own pass
    assert invoke_json(lam, name, {"table": table})[1] == "ProvisionedThroughputExceededException"
    assert invoke_json(lam, other, {"table": table})[1] == "ok"
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "from-test"}})


def test_contains_reads_an_invoke_payload_and_leaves_it_whole(
    faults: Callable[..., dict[str, Any]],
    create_function: Callable[..., str],
    client: Callable[[str], Any],
    harness: Any,
) -> None:
    lam = client("lambda")
    name = create_function({"app.py": "def handler(event, context):\n    return event\n"})
    rule = faults(service="lambda", operation="Invoke", contains="needle-7", latency_ms=1)
    assert invoke_json(lam, name, {"x": "hay"})[1] == {"x": "hay"}
    assert invoke_json(lam, name, {"x": "needle-7"})[1] == {"x": "needle-7"}
    listed = {r["id"]: r for r in control(harness, "GET", "/_rez/faults")[1]["rules"]}
    assert listed[rule["id"]]["hits"] == 1
