"""A bad labor number is told in one short sentence: what is wrong, the format most likely
meant with its example, and where the other formats are listed."""

from __future__ import annotations

import pytest

from adapters.labor.numbers import FORMATS, normalize
from adapters.sdk.numbers import OTHER_FORMATS, InvalidNumberError

BAD = ["G-100-2412-123456", "G100-24123-12345", "P-300-24123-123456", "A-12345-12345",
       "X-100-24123-123456", "G-1O0-24123-123456", "I-200-24123-1234567", "G#100-24123-1",
       "", "G", "G-100-24000-123456", "H-400-24123-12345O", "G-100-24123-123456-7"]


@pytest.mark.parametrize("typed", BAD)
def test_the_message_is_one_short_sentence_naming_a_format_and_where_the_rest_are(
        typed: str) -> None:
    with pytest.raises(InvalidNumberError) as caught:
        normalize(typed)
    text = str(caught.value)
    assert len(text) <= 210, (len(text), text)
    # One sentence: no full stop but the one in "e.g." ends a sentence inside it.
    assert ". " not in text.replace("e.g. ", "") and "\n" not in text
    assert f"e.g. {caught.value.expected.example} ({caught.value.expected.name})" in text
    assert text.endswith(OTHER_FORMATS)


def test_the_typical_typo_is_told_in_under_200_characters() -> None:
    with pytest.raises(InvalidNumberError) as caught:
        normalize("G-100-2412-123456")
    text = str(caught.value)
    assert len(text) < 200, text
    assert "date code must be 5 digits, got 4" in text and "G-100-24123-123456" in text
    # Not the whole catalogue: the other programs' descriptions stay out.
    assert not any(f.description in text for f in FORMATS)
