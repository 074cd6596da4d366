"""Every environment variable the harness reads or gives LocalStack, in one place.

Later plugins add their LocalStack settings to ``LOCALSTACK_SETTINGS`` (static values) or to
``localstack_env`` (values that depend on the port or the state folder).
"""

from __future__ import annotations

import os
from pathlib import Path

from rez_localstack.lambda_runtime.runtime_folder import RUNTIME_PATH_ENV

#: Name of the DynamoDB provider plugin: ``PROVIDER_OVERRIDE_DYNAMODB=rez_moto``.
DYNAMODB_PROVIDER_NAME = "rez_moto"
#: Name of the Lambda runtime executor plugin: ``LAMBDA_RUNTIME_EXECUTOR=rez_host``.
LAMBDA_EXECUTOR_NAME = "rez_host"

# ------------------------------------------------------------------ what the launcher reads
#: Port of the LocalStack gateway (127.0.0.1 only).
PORT_ENV = "LOCALSTACK_PORT"
DEFAULT_PORT = 4566
#: A LocalStack someone already runs: ``up`` only checks its health and starts nothing.
ENDPOINT_ENV = "LOCALSTACK_ENDPOINT"
#: Port of the mock ntfy server.
NTFY_PORT_ENV = "MOCK_NTFY_PORT"
DEFAULT_NTFY_PORT = 8090
#: Where state and logs go (default: ``localstack/.state``).
STATE_DIR_ENV = "LOCALSTACK_STATE_DIR"
#: Where the Lambda runtime folder (boto3) is cached (default: ``localstack/.state/runtime``).
RUNTIME_CACHE_ENV = "LOCALSTACK_RUNTIME_CACHE"
#: Seconds ``up`` waits for LocalStack to answer its health check.
START_TIMEOUT_ENV = "LOCALSTACK_START_TIMEOUT"
DEFAULT_START_TIMEOUT = 90.0

#: UDP port of the X-Ray endpoint for functions (chosen by the launcher, printed as xray_daemon).
XRAY_DAEMON_PORT_ENV = "REZ_XRAY_DAEMON_PORT"

PROJECT_DIR = Path(__file__).resolve().parents[2]

# ------------------------------------------------------------------ what our plugins read
# (inside LocalStack; passed through from the caller's environment, defaults here)
#: Seconds between two DynamoDB TTL sweeps (0: no sweeping thread; the endpoint still sweeps).
TTL_SWEEP_ENV = "REZ_DYNAMODB_TTL_SWEEP_SECONDS"
DEFAULT_TTL_SWEEP_SECONDS = 60.0
#: Idle Lambda environments kept warm per function version / in all (least recently used go).
MAX_WARM_PER_FUNCTION_ENV = "REZ_LAMBDA_MAX_WARM_PER_FUNCTION"
DEFAULT_MAX_WARM_PER_FUNCTION = 2
MAX_WARM_TOTAL_ENV = "REZ_LAMBDA_MAX_WARM_TOTAL"
DEFAULT_MAX_WARM_TOTAL = 10
#: Seconds an environment must have been idle before the caps may stop it.
WARM_GRACE_ENV = "REZ_LAMBDA_WARM_GRACE_SECONDS"
DEFAULT_WARM_GRACE_SECONDS = 20.0

# ------------------------------------------------------------------ what LocalStack is given
#: Static LocalStack settings. Add new ones here, with a comment saying why.
LOCALSTACK_SETTINGS: dict[str, str] = {
    # Our plugins (entry points in pyproject.toml).
    "PROVIDER_OVERRIDE_DYNAMODB": DYNAMODB_PROVIDER_NAME,
    "LAMBDA_RUNTIME_EXECUTOR": LAMBDA_EXECUTOR_NAME,
    # No network beyond loopback, no outbound calls.
    "DNS_ADDRESS": "0",  # no DNS server
    "DISABLE_EVENTS": "1",  # no analytics / event reporting
    "SKIP_SSL_CERT_DOWNLOAD": "1",  # no certificate download
    "SKIP_INFRA_DOWNLOADS": "1",
    # Queue URLs as http://127.0.0.1:<port>/queue/<region>/<account>/<queue>: no DNS name
    # needed, and the region is part of the URL as on AWS (sqs.<region>.amazonaws.com), so one
    # queue name in two regions stays two queues ("off" drops the region).
    "SQS_ENDPOINT_STRATEGY": "path",
    # Lambda environments stay warm for 10 minutes (LocalStack's default), as on AWS.
    "LAMBDA_KEEPALIVE_MS": "600000",
    # Event source mappings: LocalStack pauses 1 s between polls and backs off up to 10 s on
    # empty ones; AWS's pollers long-poll and deliver at once. SQS mappings long-poll here
    # (rez_localstack.event_sources.sqs_long_polling), so the pause after a batch can be short;
    # other pollers back off at most 1 s.
    "LAMBDA_EVENT_SOURCE_MAPPING_POLL_INTERVAL_SEC": "0.01",
    "LAMBDA_EVENT_SOURCE_MAPPING_MAX_BACKOFF_ON_EMPTY_POLL_SEC": "1",
    # Internal clients (API Gateway -> Lambda, SNS -> SQS, pollers, log forwarding) call the
    # gateway in-process instead of over HTTP: no socket, no server thread hand-off per call.
    "IN_MEMORY_CLIENT": "1",
    # The missing AWS behaviour (README "Missing AWS behaviour"):
    # an unknown CloudFormation type fails its stack instead of being "deployed as a fallback";
    "CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES": "0",
    # Logs with Insights, query definitions and EMF extraction (rez_localstack.logs_service);
    "PROVIDER_OVERRIDE_LOGS": "rez",
    # a minimal X-Ray: sampling rules + moto's traces (rez_localstack.xray).
    "PROVIDER_OVERRIDE_XRAY": "rez",
    # CloudWatch with percentiles, metric math, alarms on both and AWS's alarm notification
    # (rez_localstack.cloudwatch);
    "PROVIDER_OVERRIDE_CLOUDWATCH": "rez",
    # its alarms evaluated every 2 s instead of CloudWatch's minute: the same states, reached
    # without waiting (tests drive alarms with 10 s periods).
    "REZ_CLOUDWATCH_ALARM_INTERVAL_S": "2",
    # SQS queue metrics every 5 s instead of every minute: alarms on queue depth and age
    # (rez_localstack.sqs_metrics adds ApproximateAgeOfOldestMessage) work with 10 s periods.
    "SQS_CLOUDWATCH_METRICS_REPORT_INTERVAL": "5",
}


def localstack_env(port: int, state_dir: Path, runtime_dir: Path) -> dict[str, str]:
    """The complete environment LocalStack starts with: ours, never the caller's LOCALSTACK_*."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        # LocalStack treats LOCALSTACK_* and PROVIDER_OVERRIDE_* as its own config; ours
        # (LOCALSTACK_PORT, LOCALSTACK_ENDPOINT...) must not leak into it.
        if not k.startswith(("LOCALSTACK_", "PROVIDER_OVERRIDE_", "AWS_"))
        and k not in ("GATEWAY_LISTEN", "SERVICES", "DEBUG", "LS_LOG", "TMPDIR")
    }
    tmp = state_dir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    return {
        **inherited,
        **LOCALSTACK_SETTINGS,
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
        "LOCALSTACK_HOST": f"127.0.0.1:{port}",
        "FILESYSTEM_ROOT": str(state_dir / "filesystem"),
        # Lambda code is unzipped under the temp dir: keep it per harness and cleaned with it.
        "TMPDIR": str(tmp),
        RUNTIME_PATH_ENV: str(runtime_dir),
        "PYTHONUNBUFFERED": "1",
    }


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def state_root() -> Path:
    return Path(os.environ.get(STATE_DIR_ENV) or PROJECT_DIR / ".state")


def runtime_cache() -> Path:
    """The Lambda runtime folder's cache: one per checkout, whatever the state root."""
    return Path(os.environ.get(RUNTIME_CACHE_ENV) or PROJECT_DIR / ".state" / "runtime")
