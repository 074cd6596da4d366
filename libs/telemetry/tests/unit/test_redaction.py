"""Secrets are masked before a line is written: keys, nested values, bearer tokens, JWTs."""

from __future__ import annotations

import pytest

from rez_telemetry.logging import MASK, logger, redact_text, redact_value

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    "key",
    [
        "authorization",
        "Authorization",
        "TOKEN",
        "ntfy_token",
        "password",
        "client_secret",
        "api_key",
        "X-Api-Key",
        "Cookie",
        "set-cookie",
    ],
)
def test_sensitive_keys_are_masked_whatever_their_case(key):
    # GIVEN a field whose name marks a secret
    # WHEN it is redacted
    # THEN the whole value is masked
    assert redact_value(key, "s3cr3t-value") == MASK


def test_nested_dicts_and_lists_are_redacted():
    # GIVEN headers nested in a list inside a dict
    value = {"request": {"headers": [{"Authorization": "Basic dXNlcjpwYXNz"}, {"Accept": "*/*"}]}}
    # WHEN redacted
    redacted = redact_value("payload", value)
    # THEN only the secret is masked, the rest kept
    assert redacted == {"request": {"headers": [{"Authorization": MASK}, {"Accept": "*/*"}]}}


def test_bearer_tokens_and_jwts_in_free_text_are_masked():
    # GIVEN free text holding a bearer token and a bare JWT
    text = f"got bearer abc.def-123 then token {JWT} end"
    # WHEN redacted
    redacted = redact_text(text)
    # THEN neither secret survives, the surrounding words do
    assert "abc.def-123" not in redacted
    assert JWT not in redacted
    assert redacted == f"got bearer {MASK} then token {MASK} end"


@pytest.mark.parametrize(
    "key",
    [
        "SecretString",
        "secret_string",
        "password",
        "private_key",
        "client_secret",
        "access_token",
        "refresh_token",
        "id_token",
    ],
)
def test_secret_string_like_keys_are_masked_in_structured_values(key):
    # GIVEN an AWS answer or a token response logged as a value
    value = {"Name": "rez-agent/dev/ntfy-token", key: "s3cr3t-value"}
    # WHEN redacted THEN only the secret is masked
    assert redact_value("answer", value) == {"Name": "rez-agent/dev/ntfy-token", key: MASK}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # botocore's DEBUG dump of a response body (the bytes' repr of JSON)
        (
            """Response body:\nb'{"ARN": "arn:x", "SecretString": "s3cr3t\\n", "Name": "n"}'""",
            """Response body:\nb'{"ARN": "arn:x", "SecretString": "***", "Name": "n"}'""",
        ),
        # a dict's repr (botocore's request params)
        ("{'SecretString': 's3cr3t', 'Name': 'n'}", "{'SecretString': '***', 'Name': 'n'}"),
        ("{'X-Amz-Security-Token': b's3cr3t'}", "{'X-Amz-Security-Token': b'***'}"),
        # JSON escaped inside another JSON string
        ('{\\"access_token\\":\\"s3cr3t\\",\\"n\\":1}', '{\\"access_token\\":\\"***\\",\\"n\\":1}'),
        # key: value and key=value
        ("client_secret: s3cr3t, next", "client_secret: ***, next"),
        ("refresh_token=s3cr3t&grant_type=x", "refresh_token=***&grant_type=x"),
        ("Password: s3cr3t", "Password: ***"),
        ('"id_token": "s3cr3t"', '"id_token": "***"'),
        ("private_key = s3cr3t", "private_key = ***"),
        ("secret_string:s3cr3t", "secret_string:***"),
    ],
)
def test_secret_pairs_inside_text_are_masked(text, expected):
    # GIVEN text holding a secret-named pair WHEN redacted THEN only the value is masked
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Retry delay not applied: next token in 9.2s",
        "Invalid token: expired",
        "passwordless: true",
        "id_token_hint: abc",
        "secret_id: rez-agent/dev/ntfy-token",
    ],
)
def test_prose_and_other_keys_are_left_alone(text):
    assert redact_text(text) == text


def test_plain_text_is_untouched():
    assert redact_text("Scheduled message created for bearer-less user") == (
        "Scheduled message created for bearer-less user"
    )


def test_secrets_never_reach_a_written_line(logs):
    # GIVEN a log call with a secret in a field, in a nested header and in the message
    logger.info(
        f"Calling ntfy with Bearer {JWT}",
        ntfy_token="tk_live_123",
        headers={"Authorization": f"Bearer {JWT}", "Content-Type": "text/plain"},
        note=f"jwt={JWT}",
    )
    # WHEN the line is written
    (raw,) = logs.raw
    # THEN no secret appears anywhere in it
    assert "tk_live_123" not in raw
    assert JWT not in raw
    line = logs.lines[0]
    assert line["ntfy_token"] == MASK
    assert line["headers"] == {"Authorization": MASK, "Content-Type": "text/plain"}
    assert line["message"] == f"Calling ntfy with Bearer {MASK}"


def test_exception_messages_are_redacted(logs):
    # GIVEN an exception whose message holds a JWT
    try:
        raise PermissionError(f"rejected token {JWT}")
    except PermissionError:
        logger.exception("Authorization failed")
    # THEN the structured exception does not carry it
    line = logs.lines[0]
    assert JWT not in line["exception"]["message"]
    assert JWT not in line["exception"]["traceback"]
