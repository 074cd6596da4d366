"""UTF-8 truncation never splits a character and never exceeds its budget."""

from __future__ import annotations

import pytest

from rez_notifier.truncation import truncate_utf8


def test_text_within_budget_is_unchanged() -> None:
    assert truncate_utf8("héllo", 6) == "héllo"


@pytest.mark.parametrize("budget", range(0, 13))
def test_multibyte_characters_are_dropped_whole(budget: int) -> None:
    # GIVEN text of 1-, 2-, 3- and 4-byte characters (a, é, €, 😀) = 10 bytes, repeated
    text = "aé€😀" * 2
    # WHEN it is cut to every budget
    cut = truncate_utf8(text, budget)
    # THEN the result is a prefix, fits, and no longer prefix would fit
    assert text.startswith(cut)
    assert len(cut.encode("utf-8")) <= budget
    if cut != text:
        assert len(text[: len(cut) + 1].encode("utf-8")) > budget


def test_negative_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="max_bytes must be >= 0"):
        truncate_utf8("x", -1)
