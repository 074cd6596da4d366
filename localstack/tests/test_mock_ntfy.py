"""The mock ntfy: ntfy's publish API, its errors, recording, faults, load, and PyPI clients."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
import pytest
import requests
from aiontfy import Message, Ntfy
from aiontfy.exceptions import (
    NtfyBadRequestError,
    NtfyForbiddenError,
    NtfyTooManyRequestsError,
    NtfyUnauthorizedError,
)
from python_ntfy import NtfyClient

from rez_localstack.mock_ntfy import MockNtfy
from rez_localstack.mock_ntfy.protocol import fingerprint, mask_authorization


@pytest.fixture
def ntfy() -> Iterator[MockNtfy]:
    mock = MockNtfy(port=0).start()
    yield mock
    mock.stop()


def post(mock: MockNtfy, path: str, body: bytes | str = b"", **headers: str) -> requests.Response:
    return requests.post(mock.url + path, data=body, headers=headers, timeout=10)


def control(mock: MockNtfy, method: str, path: str, payload: Any = None) -> Any:
    response = requests.request(method, mock.url + path, json=payload, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


# ---------------------------------------------------------------- publishing


def test_publish_answers_with_ntfy_message_object(ntfy: MockNtfy) -> None:
    before = int(time.time())
    response = post(ntfy, "/alerts", "Backup successful 😀")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    message = response.json()
    assert set(message) == {"id", "time", "expires", "event", "topic", "message"}
    assert len(message["id"]) == 12 and message["id"].isalnum()
    assert message["event"] == "message" and message["topic"] == "alerts"
    assert message["message"] == "Backup successful 😀"
    assert before <= message["time"] <= int(time.time())
    assert message["expires"] == message["time"] + 12 * 3600


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {"X-Title": "T", "X-Priority": "5", "X-Tags": "warning,skull"},
            {"title": "T", "priority": 5, "tags": ["warning", "skull"]},
        ),
        (
            {"Title": "T2", "Priority": "high", "Tags": "a, b"},
            {"title": "T2", "priority": 4, "tags": ["a", "b"]},
        ),
        ({"t": "T3", "p": "min", "ta": "x"}, {"title": "T3", "priority": 1, "tags": ["x"]}),
        ({"X-Priority": "urgent"}, {"priority": 5}),
        ({"Priority": "max"}, {"priority": 5}),
        ({"Priority": "low"}, {"priority": 2}),
        ({"Priority": "default"}, {"priority": 3}),
        ({"X-Click": "https://example.com/x"}, {"click": "https://example.com/x"}),
        ({"X-Markdown": "yes"}, {"content_type": "text/markdown"}),
        ({"Content-Type": "text/markdown"}, {"content_type": "text/markdown"}),
    ],
)
def test_header_aliases(ntfy: MockNtfy, headers: dict[str, str], expected: dict[str, Any]) -> None:
    message = post(ntfy, "/topic1", "body", **headers).json()
    for key, value in expected.items():
        assert message[key] == value


def test_put_query_parameters_and_publish_suffix(ntfy: MockNtfy) -> None:
    put = requests.put(ntfy.url + "/q?title=Hi&priority=4&tags=a,b", data="x", timeout=5).json()
    assert (put["title"], put["priority"], put["tags"]) == ("Hi", 4, ["a", "b"])
    get = requests.get(ntfy.url + "/q/publish?message=from+get&t=G", timeout=5).json()
    assert (get["message"], get["title"]) == ("from get", "G")
    assert post(ntfy, "/q", "").json()["message"] == "triggered"


def test_json_publish_to_root(ntfy: MockNtfy) -> None:
    payload = {
        "topic": "jt",
        "message": "hi",
        "title": "T",
        "priority": 4,
        "tags": ["t1"],
        "click": "https://x.y",
        "markdown": True,
    }
    message = post(ntfy, "/", json.dumps(payload)).json()
    assert message["topic"] == "jt" and message["message"] == "hi" and message["title"] == "T"
    assert message["priority"] == 4 and message["tags"] == ["t1"]
    assert message["click"] == "https://x.y" and message["content_type"] == "text/markdown"

    bad = post(ntfy, "/", "{not json")
    assert bad.status_code == 400 and bad.json()["code"] == 40017


# ---------------------------------------------------------------- errors


def test_bad_priority_is_ntfy_40007(ntfy: MockNtfy) -> None:
    for value in ("6", "0x", "loud"):
        response = post(ntfy, "/t", "x", Priority=value)
        assert response.status_code == 400
        assert response.json() == {
            "code": 40007,
            "http": 400,
            "error": "invalid priority parameter",
            "link": "https://ntfy.sh/docs/publish/#message-priority",
        }
    assert post(ntfy, "/", json.dumps({"topic": "t", "priority": 9})).json()["code"] == 40007


def test_message_over_4096_bytes_is_refused(ntfy: MockNtfy) -> None:
    assert post(ntfy, "/t", "a" * 4096).status_code == 200
    response = post(ntfy, "/t", "a" * 4097)
    assert response.status_code == 400
    assert response.json()["code"] == 40014
    assert response.json()["error"] == "invalid request: attachments not allowed"
    assert ntfy.recorder.messages("t")[-1]["message"] == "a" * 4096  # the refused one is not kept


def test_invalid_topic_and_unknown_path(ntfy: MockNtfy) -> None:
    assert post(ntfy, "/bad%20topic", "x").json()["code"] == 40009
    assert post(ntfy, "/a/b/c", "x").json() == {
        "code": 40401,
        "http": 404,
        "error": "page not found",
    }


def test_token_auth_when_required(ntfy: MockNtfy) -> None:
    control(ntfy, "POST", "/_mock/config", {"tokens": ["tk_good"], "users": {"phil": "pw"}})

    missing = post(ntfy, "/secure", "x")
    assert missing.status_code == 403 and missing.json()["code"] == 40301
    wrong = post(ntfy, "/secure", "x", Authorization="Bearer tk_bad")
    assert wrong.status_code == 401 and wrong.json()["code"] == 40101
    assert wrong.json()["error"] == "unauthorized"
    assert post(ntfy, "/secure", "x", Authorization="Bearer tk_good").status_code == 200
    basic = base64.b64encode(b"phil:pw").decode()
    assert post(ntfy, "/secure", "x", Authorization=f"Basic {basic}").status_code == 200
    token_as_basic = base64.b64encode(b":tk_good").decode()
    assert post(ntfy, "/secure", "x", Authorization=f"Basic {token_as_basic}").status_code == 200
    bad_basic = base64.b64encode(b"phil:nope").decode()
    assert post(ntfy, "/secure", "x", Authorization=f"Basic {bad_basic}").status_code == 401

    # the token arrived and is recorded by fingerprint only, so tests can check which one it was
    recorded = ntfy.recorder.messages("secure")
    assert recorded[0]["headers"]["Authorization"] == f"Bearer {fingerprint('tk_good')}"
    control(ntfy, "DELETE", "/_mock/config")
    assert post(ntfy, "/secure", "x").status_code == 200


def test_rate_limit_answers_429_without_retry_after(ntfy: MockNtfy) -> None:
    control(ntfy, "POST", "/_mock/config", {"rate_limit": 3, "rate_window_s": 60})
    statuses = [post(ntfy, "/r", str(i)) for i in range(5)]

    assert [r.status_code for r in statuses] == [200, 200, 200, 429, 429]
    assert statuses[3].json() == {
        "code": 42901,
        "http": 429,
        "error": "limit reached: too many requests, please be nice",
        "link": "https://ntfy.sh/docs/publish/#limitations",
    }
    assert "Retry-After" not in statuses[3].headers


# ---------------------------------------------------------------- recording


def test_records_messages_with_headers_filter_and_clear(ntfy: MockNtfy) -> None:
    post(ntfy, "/a", "one", **{"X-Correlation-ID": "corr-1"})
    post(ntfy, "/b", "two")
    post(ntfy, "/a", "x", Priority="nope")  # refused: not a message

    everything = control(ntfy, "GET", "/_mock/messages")
    only_a = control(ntfy, "GET", "/_mock/messages?topic=a")
    assert [m["message"] for m in everything] == ["one", "two"]
    assert [m["message"] for m in only_a] == ["one"]
    assert only_a[0]["headers"]["X-Correlation-ID"] == "corr-1"
    requests_seen = control(ntfy, "GET", "/_mock/requests")
    assert [r["outcome"] for r in requests_seen] == [200, 200, 400]
    polled = requests.get(ntfy.url + "/a/json?poll=1", timeout=5).text.splitlines()
    assert [json.loads(line)["message"] for line in polled] == ["one"]

    control(ntfy, "DELETE", "/_mock/messages")
    assert control(ntfy, "GET", "/_mock/messages") == []


# ---------------------------------------------------------------- faults


def test_sequence_id_is_echoed_and_polled_since(ntfy: MockNtfy) -> None:
    # ntfy 2.16+ (docs.ntfy.sh/publish/#updating-notifications): X-Sequence-ID / sid, and the
    # JSON field sequence_id; poll's `since` takes unix seconds or "all".
    first = post(ntfy, "/s", "one", **{"X-Sequence-ID": "m-1"}).json()
    assert first["sequence_id"] == "m-1"
    assert (
        requests.post(ntfy.url + "/s?sid=m-2", data="two", timeout=5).json()["sequence_id"] == "m-2"
    )
    assert "sequence_id" not in post(ntfy, "/s", "three").json()
    polled = requests.get(ntfy.url + "/s/json?poll=1&since=all", timeout=5).text.splitlines()
    assert [json.loads(line).get("sequence_id") for line in polled] == ["m-1", "m-2", None]
    later = requests.get(
        ntfy.url + f"/s/json?poll=1&since={first['time'] + 3600}", timeout=5
    ).text.splitlines()
    assert later == []
    bad = requests.get(ntfy.url + "/s/json?poll=1&since=soon", timeout=5)
    assert bad.status_code == 400
    assert bad.json()["code"] == 40008


def test_fail_next_n_with_status_then_recover(ntfy: MockNtfy) -> None:
    control(ntfy, "POST", "/_mock/faults", {"fail_next": 2, "status": 503})

    answers = [post(ntfy, "/f", str(i)) for i in range(3)]

    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].json()["http"] == 503 and "code" in answers[0].json()
    assert [m["message"] for m in ntfy.recorder.messages("f")] == ["2"]
    control(ntfy, "POST", "/_mock/faults", {"fail_next": 1, "status": 429})
    assert post(ntfy, "/f", "x").json()["code"] == 42901


def test_latency_drop_and_down_then_heal(ntfy: MockNtfy) -> None:
    control(ntfy, "POST", "/_mock/faults", {"latency_ms": 300})
    started = time.monotonic()
    assert post(ntfy, "/l", "slow").status_code == 200
    assert time.monotonic() - started >= 0.3

    control(ntfy, "POST", "/_mock/faults", {"latency_ms": 0, "drop_next": 1})
    with pytest.raises(requests.ConnectionError):
        post(ntfy, "/l", "dropped")
    assert post(ntfy, "/l", "after drop").status_code == 200

    control(ntfy, "POST", "/_mock/faults", {"down_for_s": 0.5})
    with pytest.raises(requests.ConnectionError):
        post(ntfy, "/l", "while down")
    time.sleep(0.6)
    assert post(ntfy, "/l", "back up").status_code == 200

    control(ntfy, "POST", "/_mock/faults", {"down_for_s": 60, "fail_next": 5})
    healed = control(ntfy, "DELETE", "/_mock/faults")
    assert healed == {
        "fail_next": 0,
        "status": 500,
        "latency_ms": 0,
        "drop_next": 0,
        "down_for_s": 0.0,
    }
    assert post(ntfy, "/l", "healed").status_code == 200
    assert [m["message"] for m in ntfy.recorder.messages("l")] == [
        "slow",
        "after drop",
        "back up",
        "healed",
    ]


# ---------------------------------------------------------------- load


def test_hundreds_of_concurrent_posts(ntfy: MockNtfy) -> None:
    def send(i: int) -> int:
        with requests.Session() as session:
            return session.post(f"{ntfy.url}/load", data=f"m{i}", timeout=30).status_code

    with ThreadPoolExecutor(max_workers=64) as pool:
        statuses = list(pool.map(send, range(400)))

    assert statuses == [200] * 400
    received = sorted(m["message"] for m in ntfy.recorder.messages("load"))
    assert received == sorted(f"m{i}" for i in range(400))
    assert len({m["id"] for m in ntfy.recorder.messages("load")}) == 400


# ---------------------------------------------------------------- real clients from PyPI


def test_aiontfy_publishes_and_parses_answers_and_errors(ntfy: MockNtfy) -> None:
    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            client = Ntfy(ntfy.url, session, token="tk_1")
            sent = await client.publish(
                Message(
                    topic="lib",
                    message="from aiontfy",
                    title="Hello",
                    priority=4,
                    tags=["tada"],
                    markdown=True,
                )
            )
            assert sent.topic == "lib" and sent.message == "from aiontfy"
            assert sent.title == "Hello" and sent.tags == ["tada"]
            assert int(sent.priority) == 4 and sent.content_type == "text/markdown"
            assert sent.event.value == "message" and sent.expires is not None

            ntfy.configure(tokens=["tk_other"])
            with pytest.raises(NtfyUnauthorizedError) as unauthorized:
                await client.publish(Message(topic="lib", message="x"))
            assert unauthorized.value.code == 40101
            with pytest.raises(NtfyForbiddenError):
                await Ntfy(ntfy.url, session).publish(Message(topic="lib", message="x"))
            ntfy.configure(tokens=[])
            with pytest.raises(NtfyBadRequestError) as bad:
                await client.publish(Message(topic="lib", message="x" * 4097))
            assert bad.value.code == 40014
            ntfy.configure(rate_limit=1, rate_window_s=60)
            await client.publish(Message(topic="lib", message="ok"))
            with pytest.raises(NtfyTooManyRequestsError):
                await client.publish(Message(topic="lib", message="limited"))

    asyncio.run(scenario())
    first = ntfy.recorder.messages("lib")[0]
    assert first["headers"]["Authorization"] == f"Bearer {fingerprint('tk_1')}"


def test_python_ntfy_sends_with_headers_and_token(ntfy: MockNtfy) -> None:
    ntfy.configure(tokens=["tk_py"])
    client = NtfyClient(topic="pyclient", server=ntfy.url, auth="tk_py")

    answer = client.send("hello from python-ntfy", title="Title", tags=["a", "b"])

    assert answer["topic"] == "pyclient" and answer["message"] == "hello from python-ntfy"
    assert answer["title"] == "Title" and answer["tags"] == ["a", "b"]
    recorded = ntfy.recorder.messages("pyclient")[0]
    sent = "Basic " + base64.b64encode(b":tk_py").decode()
    assert recorded["headers"]["Authorization"] == mask_authorization(sent)


# ---------------------------------------------------------------- what a web page can read


def test_control_api_never_hands_out_credentials_nor_allows_other_origins(ntfy: MockNtfy) -> None:
    # GIVEN a mock configured with a token and a user, and a publish that carried the token
    control(ntfy, "POST", "/_mock/config", {"tokens": ["tk_secret"], "users": {"phil": "pw"}})
    published = post(ntfy, "/private", "x", Authorization="Bearer tk_secret")
    assert published.status_code == 200

    # WHEN anything reads what the mock holds
    answers = [
        requests.get(ntfy.url + path, headers={"Origin": "http://evil.example"}, timeout=5)
        for path in ("/_mock/config", "/_mock/requests", "/_mock/messages", "/private/json?poll=1")
    ]

    # THEN no answer lets another origin read it, and none contains a credential in clear
    for answer in answers:
        assert "Access-Control-Allow-Origin" not in answer.headers
    assert "Access-Control-Allow-Origin" not in published.headers
    for answer in answers[:3]:
        assert "tk_secret" not in answer.text and "pw" not in answer.json().__repr__()
    assert answers[0].json()["tokens"] == [fingerprint("tk_secret")]
    lower_case = post(ntfy, "/private", "y", authorization="Bearer tk_secret")
    assert lower_case.status_code == 200
    assert "tk_secret" not in requests.get(ntfy.url + "/_mock/requests", timeout=5).text
