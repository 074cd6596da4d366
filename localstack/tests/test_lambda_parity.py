"""Lambda as AWS answers it: payload quotas, /var/task paths, a delete racing invokes, warm caps.

Each test states Lambda's behaviour and where it is documented.
"""

from __future__ import annotations

import base64
import concurrent.futures
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from rez_localstack.lambda_runtime import warm_pool
from rez_localstack.settings import DEFAULT_MAX_WARM_PER_FUNCTION
from tests.conftest import ROLE, build_zip, invoke_json, short_uid, wait_until

RESPONSE_LIMIT = 6291556  # the figure AWS's error message names
ECHO_SIZE = "def handler(event, context):\n    return 'x' * event['n']\n"


def test_a_response_over_6_mb_is_function_response_size_too_large(
    create_function: Callable[..., str], client: Callable[[str], Any]
) -> None:
    # Lambda quotas: "Invocation payload (request and response): 6 MB each for request and
    # response (synchronous)"; a larger response is a function error
    # {"errorType": "Function.ResponseSizeTooLarge", ...} with FunctionError: Unhandled.
    # https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
    # https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html
    lam = client("lambda")
    name = create_function({"app.py": ECHO_SIZE})
    # A JSON string is the characters plus two quotes: exactly at the limit passes.
    response, body = invoke_json(lam, name, {"n": RESPONSE_LIMIT - 2})
    assert "FunctionError" not in response and len(body) == RESPONSE_LIMIT - 2
    response, body = invoke_json(lam, name, {"n": RESPONSE_LIMIT - 1})
    assert response["FunctionError"] == "Unhandled"
    assert body == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        "(6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }


@pytest.mark.parametrize(
    ("invocation_type", "limit"),
    [("RequestResponse", 6 * 1024 * 1024), ("Event", 1024 * 1024)],
)
def test_a_request_over_the_quota_is_request_too_large(
    create_function: Callable[..., str],
    client: Callable[[str], Any],
    invocation_type: str,
    limit: int,
) -> None:
    # Invoke: "For synchronous invocations, the maximum payload size is 6 MB. For asynchronous
    # invocations, the maximum payload size is 1 MB"; over it, RequestTooLargeException (413)
    # "<n> byte payload is too large for the <type> invocation type (limit <limit> bytes)".
    # https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
    lam = client("lambda")
    name = create_function({"app.py": "def handler(event, context):\n    return len(event)\n"})
    at_limit = json.dumps("y" * (limit - 2)).encode()
    answer = lam.invoke(FunctionName=name, InvocationType=invocation_type, Payload=at_limit)
    assert answer["StatusCode"] in (200, 202) and "FunctionError" not in answer
    with pytest.raises(ClientError) as refused:
        lam.invoke(FunctionName=name, InvocationType=invocation_type, Payload=at_limit + b" ")
    error = refused.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert error["Error"]["Code"] == "RequestTooLargeException"
    assert error["Error"]["Message"] == (
        f"{limit + 1} byte payload is too large for the {invocation_type} invocation type "
        f"(limit {limit} bytes)"
    )


FAILING = """
import json
import logging
from pathlib import Path

def handler(event, context):
    assert Path(__file__).with_name("data.txt").read_text() == "beside me"
    try:
        json.loads("{not json")
    except ValueError:
        logging.getLogger().exception("caught")
    raise ValueError("boom")
"""


def test_errors_and_logs_name_var_task_not_the_host_path(
    create_function: Callable[..., str], client: Callable[[str], Any]
) -> None:
    # AWS runs a function's code from /var/task (LAMBDA_TASK_ROOT) and Python from /var/lang:
    # the error payload's stackTrace and the logged traceback name those paths.
    # https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
    # https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html
    name = create_function({"app.py": FAILING, "data.txt": "beside me"})
    response, body = invoke_json(client("lambda"), name, {}, LogType="Tail")
    logs = base64.b64decode(response["LogResult"]).decode()
    assert response["FunctionError"] == "Unhandled" and body["errorType"] == "ValueError"
    assert body["stackTrace"][0].startswith('  File "/var/task/app.py", line 12, in handler')
    assert (
        '[ERROR] ValueError: boom\nTraceback (most recent call last):\n  File "/var/task/app.py"'
        in logs
    )
    # the function's own logging of an exception from the standard library
    assert 'File "/var/task/app.py", line 9, in handler' in logs
    assert "/var/lang/lib/python3.13/json/" in logs
    assert "/.state/" not in logs and "/.state/" not in json.dumps(body)
    assert "bootstrap.py" not in logs


def test_an_invoke_during_delete_function_runs_or_is_resource_not_found(
    client: Callable[[str], Any],
) -> None:
    # DeleteFunction: once deleted, Invoke answers ResourceNotFoundException ("Function not
    # found: <arn>"); an invoke racing the delete never fails inside the runtime.
    # https://docs.aws.amazon.com/lambda/latest/api/API_DeleteFunction.html
    # https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
    lam = client("lambda")
    outcomes: list[str] = []
    for _ in range(3):
        name = f"fn-{short_uid()}"
        lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": build_zip({"app.py": "def handler(e, c):\n    return 'ok'\n"})},
        )
        wait_until(
            lambda n=name: lam.get_function(FunctionName=n)["Configuration"]["State"] == "Active"
        )

        def invoke(function: str = name) -> str:
            try:
                answer = lam.invoke(FunctionName=function, Payload=b"{}")
            except lam.exceptions.ResourceNotFoundException as gone:
                assert gone.response["Error"]["Message"].startswith("Function not found: arn:")
                return "not found"
            assert "FunctionError" not in answer, answer["Payload"].read()
            return "ran"

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(invoke) for _ in range(8)]
            time.sleep(0.05)
            lam.delete_function(FunctionName=name)
            futures += [pool.submit(invoke) for _ in range(8)]
            outcomes += [f.result() for f in futures]
    assert set(outcomes) <= {"ran", "not found"} and "not found" in outcomes


def _environments_of(function: str) -> list[int]:
    """PIDs of runtime processes serving ``function`` (found by their environment)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if b"bootstrap.py" not in (proc / "cmdline").read_bytes():
                continue
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"AWS_LAMBDA_FUNCTION_NAME={function}".encode() in environ:
            found.append(int(proc.name))
    return found


def test_warm_environments_beyond_the_cap_are_stopped(
    create_function: Callable[..., str], client: Callable[[str], Any]
) -> None:
    # AWS may shut down an idle execution environment at any time (the next invoke is a cold
    # start); the harness keeps at most REZ_LAMBDA_MAX_WARM_PER_FUNCTION idle per function once
    # they have been idle REZ_LAMBDA_WARM_GRACE_SECONDS (the harness under test: 1 s).
    # https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-shutdown
    lam = client("lambda")
    name = create_function({"app.py": "import time\ndef handler(e, c):\n    time.sleep(1)\n"})
    with concurrent.futures.ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda _: lam.invoke(FunctionName=name, Payload=b"{}"), range(5)))
    assert all("FunctionError" not in a for a in answers)
    wait_until(lambda: len(_environments_of(name)) <= DEFAULT_MAX_WARM_PER_FUNCTION, timeout=30)
    assert "FunctionError" not in lam.invoke(FunctionName=name, Payload=b"{}")


class _Env:
    def __init__(self, last: float, busy: bool = False) -> None:
        from localstack.services.lambda_.invocation.execution_environment import RuntimeStatus
        from localstack.services.lambda_.invocation.lambda_models import InitializationType

        self.last_returned = last
        self.status = RuntimeStatus.INVOKING if busy else RuntimeStatus.READY
        self.initialization_type = InitializationType.on_demand


def test_the_least_recently_used_idle_environments_go_first() -> None:
    a_old, a_new, a_busy = _Env(1), _Env(5), _Env(0, busy=True)
    b_old, b_new = _Env(2), _Env(6)
    envs = {"a": {"1": a_old, "2": a_new, "3": a_busy}, "b": {"4": b_old, "5": b_new}}
    # per function 2: a loses its oldest idle one; total 3: then the oldest idle overall (b_old)
    chosen = warm_pool.over_the_caps(envs, per_function=2, total=3)
    assert [env for _, env in chosen] == [a_old, b_old]
    assert warm_pool.over_the_caps(envs, per_function=5, total=50) == []
    # only environments idle since before the grace are candidates
    assert [env for _, env in warm_pool.over_the_caps(envs, 2, 3, idle_before=1.5)] == [a_old]
    # busy environments are never chosen, even over the caps
    assert all(env is not a_busy for _, env in warm_pool.over_the_caps(envs, 0, 0))
