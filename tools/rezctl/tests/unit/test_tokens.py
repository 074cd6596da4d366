"""`rezctl token`: JWTs the deployed authorizer accepts, and never for prod."""

from __future__ import annotations

import io
import json

import jwt
import pytest

from rezctl.cli import main
from rezctl.errors import UsageError
from rezctl.target import Target
from rezctl.tokens import mint_token


def test_token_is_signed_with_the_stage_secret_and_carries_the_authorizers_iss_and_aud(
    target: Target, authorizer: dict[str, str]
):
    # GIVEN the stage's secret and an authorizer expecting rez-agent / rez-agent-api
    # WHEN a token is minted
    token = mint_token("alice@example.com", target=target, scopes=["messages:write"], now=1000)
    # THEN it verifies with that secret, issuer and audience, with the requested claims
    claims = jwt.decode(
        token,
        authorizer["secret"],
        algorithms=["HS256"],
        issuer=authorizer["issuer"],
        audience=authorizer["audience"],
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    assert claims["email"] == "alice@example.com"
    assert claims["scope"] == "messages:write"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["sub"].startswith("rezctl:")


def test_token_signed_with_another_secret_does_not_verify(
    target: Target, authorizer: dict[str, str]
):
    token = mint_token("alice@example.com", target=target)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            token,
            "another-secret-another-secret-another!",
            algorithms=["HS256"],
            audience=authorizer["audience"],
        )


def test_prod_is_refused_before_reading_any_secret(moto_aws: None):
    # GIVEN prod, where no secret exists in this account: a read would fail with exit 3
    with pytest.raises(UsageError, match="prod"):
        mint_token("alice@example.com", target=Target.resolve(stage="prod"))


def test_cli_prints_the_token_and_exits_0(authorizer: dict[str, str]):
    out, err = io.StringIO(), io.StringIO()
    code = main(["token", "--email", "bob@example.com", "--ttl", "15m"], stdout=out, stderr=err)
    assert code == 0
    token = out.getvalue().strip()
    claims = jwt.decode(
        token,
        authorizer["secret"],
        algorithms=["HS256"],
        audience=authorizer["audience"],
        issuer=authorizer["issuer"],
    )
    assert claims["exp"] - claims["iat"] == 900
    assert "bob@example.com" in err.getvalue()


def test_cli_refuses_prod_with_exit_2(moto_aws: None):
    err = io.StringIO()
    code = main(
        ["token", "--email", "a@example.com", "--stage", "prod"], stdout=io.StringIO(), stderr=err
    )
    assert code == 2
    assert "prod" in err.getvalue()


def test_cli_exits_3_when_the_secret_cannot_be_read(moto_aws: None):
    # GIVEN a stage with nothing deployed: Secrets Manager answers ResourceNotFound
    code = main(["token", "--email", "a@example.com"], stdout=io.StringIO(), stderr=io.StringIO())
    assert code == 3


def test_cli_rejects_a_bad_ttl_with_exit_2(authorizer: dict[str, str]):
    code = main(
        ["token", "--email", "a@example.com", "--ttl", "forever"],
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert code == 2


def test_where_options_work_before_and_after_the_command(authorizer: dict[str, str]):
    # the top-level form (`rezctl --stage prod token ...`) is not hidden by the command's own
    assert (
        main(
            ["--stage", "prod", "token", "--email", "a@example.com"],
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        == 2
    )
    assert (
        main(
            ["token", "--email", "a@example.com", "--stage", "prod"],
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        == 2
    )
    out = io.StringIO()
    assert (
        main(["--json", "token", "--email", "a@example.com"], stdout=out, stderr=io.StringIO()) == 0
    )
    assert json.loads(out.getvalue())["claims"]["email"] == "a@example.com"
