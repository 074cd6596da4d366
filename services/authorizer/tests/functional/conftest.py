"""Functional fixtures: moto Secrets Manager, a JWKS server on 127.0.0.1, captured logs/metrics."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from moto import mock_aws

SECRET_NAME = "rez-agent/dev/jwt-signing-secret"


@dataclass
class LambdaContext:
    function_name: str = "rez-agent-jwt-authorizer-dev"
    function_version: str = "$LATEST"
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:123456789012:function:rez-agent-jwt-authorizer-dev"
    )
    memory_limit_in_mb: int = 256
    aws_request_id: str = "0a6e5a53-9c0f-4c2e-9a37-0c8b2f3c1d11"
    log_group_name: str = "/aws/lambda/rez-agent-jwt-authorizer-dev"
    log_stream_name: str = "2026/11/27/[$LATEST]abc"

    def get_remaining_time_in_millis(self) -> int:
        return 3000


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext()


@dataclass
class Captured:
    """Log lines and EMF metric documents written during the test."""

    raw_logs: list[str] = field(default_factory=list)
    raw_metrics: list[str] = field(default_factory=list)

    @property
    def logs(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.raw_logs]

    def decisions(self) -> list[dict[str, Any]]:
        return [line for line in self.logs if line["message"] == "Authorizer decision"]

    def metric_values(self, name: str) -> list[dict[str, Any]]:
        documents = [json.loads(line) for text in self.raw_metrics for line in text.splitlines()]
        return [doc for doc in documents if name in doc]

    def everything(self) -> str:
        return "\n".join(self.raw_logs + self.raw_metrics)


@pytest.fixture
def captured(monkeypatch) -> Captured:
    from rez_telemetry import metrics
    from rez_telemetry.logging import configure_logging

    sink = Captured()
    configure_logging(sink=sink.raw_logs.append, level="INFO", sample_rate=1.0)
    metrics.configure(backend="emf", stage="dev", write=sink.raw_metrics.append)
    return sink


@pytest.fixture
def aws(monkeypatch) -> Iterator[None]:
    """Fake credentials, one region, every AWS call served by moto."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "STAGE": "dev",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


@pytest.fixture
def hs256_env(aws, monkeypatch, kit) -> None:
    """The authorizer configured for HS256 with its secret stored in (moto's) Secrets Manager."""
    boto3.client("secretsmanager").create_secret(Name=SECRET_NAME, SecretString=kit.SECRET)
    monkeypatch.setenv("JWT_ALGORITHMS", "HS256")
    monkeypatch.setenv("JWT_SECRET_NAME", SECRET_NAME)
    monkeypatch.setenv("JWT_ISSUER", kit.ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", kit.AUDIENCE)
    monkeypatch.setenv("JWT_WRITE_SCOPE", kit.WRITE_SCOPE)


class JwksServer:
    """Serves `document` at /.well-known/jwks.json on 127.0.0.1 and counts the requests."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = {"keys": []}
        self.requests = 0
        self.status = 200
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                body = json.dumps(server.document).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/.well-known/jwks.json"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    with JwksServer() as server:
        yield server


@pytest.fixture
def jwks_env(aws, monkeypatch, kit, jwks_server) -> JwksServer:
    """The authorizer configured for RS256/ES256 with keys from the local JWKS server."""
    jwks_server.document = {
        "keys": [kit.public_jwk(kit.rsa, "rsa-1", "RS256"), kit.public_jwk(kit.ec, "ec-1")]
    }
    monkeypatch.setenv("JWT_ALGORITHMS", "RS256,ES256")
    monkeypatch.setenv("JWKS_URL", jwks_server.url)
    monkeypatch.setenv("JWT_ISSUER", kit.ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", kit.AUDIENCE)
    monkeypatch.setenv("JWT_WRITE_SCOPE", kit.WRITE_SCOPE)
    return jwks_server
