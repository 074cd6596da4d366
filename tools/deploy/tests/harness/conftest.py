"""A harness for rez_deploy's own tests: the one LOCALSTACK_ENDPOINT names (`make test` shares
one), else one started through the launcher on free ports and stopped afterwards.

The stacks deployed here are small stand-ins for the real ones (a function, a queue) under the
`stage` and `prod` stages, so they never meet the dev system other suites deploy on a shared
harness; they are deleted afterwards.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest

from rez_deploy.catalog import STACKS

ROOT = Path(__file__).resolve().parents[4]
REGION = "us-east-1"

FUNCTION_TEMPLATE = """\
Parameters:
  Stage: {Type: String}
  CodeBucket: {Type: String}
  CodeKey: {Type: String}
  Greeting: {Type: String, Default: hello}
  TimeoutSeconds: {Type: Number, Default: 10} # never set: its default must not read as drift
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
  Function:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub rez-deploy-test-${Stage}
      Runtime: python3.13
      Handler: handler.handler
      Timeout: !Ref TimeoutSeconds
      Role: !GetAtt Role.Arn
      Code: {S3Bucket: !Ref CodeBucket, S3Key: !Ref CodeKey}
      Environment:
        Variables: {GREETING: !Ref Greeting}
"""
QUEUE_TEMPLATE = """\
Parameters:
  Stage: {Type: String}
  CodeBucket: {Type: String}
  CodeKey: {Type: String}
  QueueName: {Type: String}
Resources:
  Marker:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub /rez-deploy-test/${Stage}/marker
      Type: String
      Value: !Ref QueueName
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Ref QueueName
"""
EMPTY_TEMPLATE = "Parameters:\n  Stage: {Type: String}\nResources: {}\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _launcher(*args: str) -> dict[str, str]:
    uv = shutil.which("uv")
    command = [*([uv] if uv else [sys.executable, "-m", "uv"]), "run", "--project",
               str(ROOT / "localstack"), "--frozen", "--quiet",
               "python", "-m", "rez_localstack.launcher", *args]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"launcher {args[0]} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    named = os.environ.get("LOCALSTACK_ENDPOINT")
    if named:
        yield named.rstrip("/")
        return
    handle = _launcher("up", "--port", str(_free_port()), "--ntfy-port", str(_free_port()))
    try:
        yield str(handle["endpoint"])
    finally:
        _launcher("down", "--port", str(handle["port"]))


@pytest.fixture(scope="session")
def aws(endpoint: str) -> Iterator[object]:
    """boto3 clients at the harness; the deploy reads the same endpoint from the environment."""
    saved = {k: os.environ.get(k) for k in ("LOCALSTACK_ENDPOINT", "AWS_REGION")}
    os.environ["LOCALSTACK_ENDPOINT"] = endpoint
    os.environ["AWS_REGION"] = REGION

    def client(name: str) -> object:
        return boto3.client(
            name,
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    yield client
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def handler_zip(path: Path, answer: str) -> Path:
    """A function that answers `{"code": answer, "greeting": $GREETING}`."""
    source = (
        "import os\n\ndef handler(event, context):\n"
        f"    return {{'code': {answer!r}, 'greeting': os.environ.get('GREETING')}}\n"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("handler.py", date_time=(2020, 1, 1, 0, 0, 0)), source)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture(scope="session")
def write_code() -> Callable[[Path, str], Path]:
    """`handler_zip` for the test modules (pytest imports them in importlib mode)."""
    return handler_zip


@pytest.fixture(scope="session")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkout's infra/: `scheduler` is a function, `notifier` a queue, the rest empty."""
    root = tmp_path_factory.mktemp("checkout")
    templates = root / "infra" / "cloudformation"
    templates.mkdir(parents=True)
    for name in STACKS:
        body = {"scheduler": FUNCTION_TEMPLATE, "notifier": QUEUE_TEMPLATE}.get(name)
        (templates / f"{name}.yaml").write_text(body or EMPTY_TEMPLATE)
    (root / "infra" / "parameters").mkdir()
    (root / "build").mkdir()
    return templates
