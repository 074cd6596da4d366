"""Bad tokens get 401, a token without the write (read) scope gets 403 on writes (reads), and
none creates a message."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

BODY = {"message": "must not exist"}


def count_messages(aws, table: str) -> int:
    return int(aws("dynamodb").scan(TableName=table, Select="COUNT", ConsistentRead=True)["Count"])


def unsigned(claims: dict) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def bad_tokens(tokens) -> dict[str, str | None]:
    now = int(time.time())
    claims = jwt.decode(tokens.mint(), options={"verify_signature": False})
    return {
        "no token": None,
        "expired": tokens.mint(iat=now - 600, exp=now - 300),
        "bad signature": jwt.encode(claims, "not-the-secret-" * 4, algorithm="HS256"),
        "alg none": unsigned(claims),
        "wrong audience": tokens.mint(aud="someone-else"),
        "garbage": "not.a.jwt",
        # still valid, but issued for longer than the stage's maximum lifetime (a day in dev)
        "lifetime too long": tokens.mint(iat=now - 86_400, exp=now + 600),
    }


@pytest.mark.parametrize(
    "case",
    [
        "no token",
        "expired",
        "bad signature",
        "alg none",
        "wrong audience",
        "garbage",
        "lifetime too long",
    ],
)
def test_a_bad_token_is_unauthorized_and_creates_nothing(case, api, tokens, aws, system):
    # GIVEN the number of stored messages
    before = count_messages(aws, system.messages_table)
    token = bad_tokens(tokens)[case]
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    # WHEN the bad request is made
    response = api.post("/messages", json=BODY, headers=headers)

    # THEN API Gateway answers 401 as AWS does, and nothing was stored
    assert response.status_code == 401, (case, response.text)
    assert response.json() == {"message": "Unauthorized"}
    assert count_messages(aws, system.messages_table) == before


def test_a_token_without_the_write_scope_is_forbidden(api, tokens, aws, system):
    before = count_messages(aws, system.messages_table)
    token = tokens.mint(scopes="messages:read")

    response = api.post("/messages", json=BODY, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 403, response.text
    assert count_messages(aws, system.messages_table) == before
    # the same token may still read
    listed = api.get("/messages", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200, listed.text


def test_a_token_without_the_read_scope_is_forbidden_to_read_but_may_write(api, tokens):
    token = tokens.mint(scopes="messages:write")
    headers = {"Authorization": f"Bearer {token}"}

    listed = api.get("/messages", headers=headers)
    one = api.get("/messages/00000000-0000-4000-8000-000000000000", headers=headers)

    assert listed.status_code == 403, listed.text
    assert one.status_code == 403, one.text
    assert listed.json() == {
        "Message": "User is not authorized to access this resource with an explicit deny"
    }
    created = api.post("/messages", json={"message": "write-only caller"}, headers=headers)
    assert created.status_code == 202, created.text
