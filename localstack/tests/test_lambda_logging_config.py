"""Lambda's advanced logging controls reach the function as AWS sets them.

With ``LoggingConfig.LogFormat=JSON`` Lambda gives the function ``AWS_LAMBDA_LOG_FORMAT=JSON``
and ``AWS_LAMBDA_LOG_LEVEL`` = its ApplicationLogLevel, upper case as configured (TRACE, DEBUG,
INFO, WARN, ERROR, FATAL); a configuration change starts new environments that see the new values.
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from tests.conftest import invoke_json, wait_until

LEVELS = """
import logging, os

def handler(event, context):
    logging.getLogger("app").debug("a debug line")
    logging.getLogger("app").warning("a warning line")
    return {
        "format": os.environ.get("AWS_LAMBDA_LOG_FORMAT"),
        "level": os.environ.get("AWS_LAMBDA_LOG_LEVEL"),
    }
"""


def _set_logging(lam: Any, name: str, config: dict[str, str]) -> None:
    lam.update_function_configuration(FunctionName=name, LoggingConfig=config)
    wait_until(
        lambda: (
            lam.get_function_configuration(FunctionName=name)["LastUpdateStatus"] == "Successful"
        ),
        timeout=30,
    )


def test_logging_config_reaches_the_function_and_a_change_takes_effect(
    create_function: Callable[..., str], client: Callable[[str], Any]
) -> None:
    lam = client("lambda")
    name = create_function({"app.py": LEVELS})

    # GIVEN the default text format: no advanced logging controls in the environment
    _, body = invoke_json(lam, name, {})
    assert body == {"format": None, "level": None}

    # WHEN the function's logging configuration asks for JSON at DEBUG
    _set_logging(lam, name, {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"})
    response, body = invoke_json(lam, name, {}, LogType="Tail")
    # THEN the function sees both, as Lambda sets them, and its DEBUG line is logged
    assert body == {"format": "JSON", "level": "DEBUG"}
    assert "a debug line" in _tail(response)

    # WHEN the level is raised to WARN
    _set_logging(lam, name, {"LogFormat": "JSON", "ApplicationLogLevel": "WARN"})
    response, body = invoke_json(lam, name, {}, LogType="Tail")
    # THEN the new environment sees WARN, and only the warning is logged
    assert body == {"format": "JSON", "level": "WARN"}
    tail = _tail(response)
    assert "a warning line" in tail and "a debug line" not in tail


def _tail(response: dict[str, Any]) -> str:
    return base64.b64decode(response["LogResult"]).decode()
