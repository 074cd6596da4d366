"""Identifiers quoted into Logs Insights queries follow the API's correlation-id rule exactly."""

from __future__ import annotations

import pytest

from rezctl.errors import UsageError
from rezctl.queries import checked_identifier


def test_an_id_of_the_rule_is_kept() -> None:
    assert checked_identifier("660e9500-f39c-52e5-b827-557766551111") == (
        "660e9500-f39c-52e5-b827-557766551111"
    )


@pytest.mark.parametrize("value", ["", "a b", 'x" | filter 1=1', "abc\n", "x" * 129])
def test_anything_else_is_refused_before_it_reaches_a_query(value: str) -> None:
    # GIVEN text that could break out of the quoted string (a quote, a trailing newline...)
    with pytest.raises(UsageError):
        checked_identifier(value)
