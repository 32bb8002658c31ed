"""An agency's texts per language: tags and texts checked, English always first."""

from __future__ import annotations

import pytest

from adapters.sdk.texts import (
    MAX_TEXT_LENGTH,
    LocalizedTextError,
    check_texts,
    in_languages,
    localized_strings,
    well_formed_tag,
)


@pytest.mark.parametrize("tag", ["en", "es", "es-419", "es-mx", "zh-hant-tw", "haw"])
def test_lower_case_bcp47_tags_are_well_formed(tag: str) -> None:
    assert well_formed_tag(tag)


@pytest.mark.parametrize("tag", ["", "ES", "Spanish", "es_MX", "e", "es-", "es-mexico1"])
def test_other_tags_are_not(tag: str) -> None:
    assert not well_formed_tag(tag)


@pytest.mark.parametrize(("texts", "says"), [
    ({"Spanish": "Hola"}, "language 'Spanish' is not a lower-case BCP 47 tag"),
    ({"es": "  "}, "the 'es' text is empty"),
    ({"es": "two\nlines"}, "one line"),
    ({"es": "x" * (MAX_TEXT_LENGTH + 1)}, f"at most {MAX_TEXT_LENGTH} characters"),
])
def test_malformed_texts_are_refused_saying_which_and_why(texts: dict[str, str],
                                                          says: str) -> None:
    with pytest.raises(LocalizedTextError, match="case type I-130") as caught:
        check_texts("case type I-130", texts)
    assert says in str(caught.value)


def test_english_comes_first_from_the_english_field_then_tags_in_order() -> None:
    assert in_languages("Name", {"fr": "Nom", "es": "Nombre"}) == (
        ("en", "Name"), ("es", "Nombre"), ("fr", "Nom"))


def test_an_explicit_english_entry_wins_and_empty_texts_are_left_out() -> None:
    assert in_languages("key", {"en": "Display", "es": ""}) == (("en", "Display"),)
    assert in_languages("", {}) == ()


def test_pairs_become_contract_messages() -> None:
    (message,) = localized_strings([("es", "Nombre")])
    assert (message.language, message.text) == ("es", "Nombre")
