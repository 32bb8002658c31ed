"""The gettext catalogs: every text the code asks for is translated, placeholders intact."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

import gateway
from gateway.messages import LANGUAGES, catalog, message

ROOT = Path(gateway.__file__).parent.parent


def _code_message_ids() -> set[str]:
    # ``message(language, "id", ...)``: the id is the call's second argument.
    ids: set[str] = set()
    for package in ("gateway", "aggregator", "deploy"):
        for _file, _line, msgid, _comments, _context in extract_from_dir(
                ROOT / package, method_map=[("**.py", "python")],
                keywords={"message": (2,)}):
            if isinstance(msgid, str) and msgid:
                ids.add(msgid)
    # The pages' templates say ``t("id", ...)``, the same call with the language bound.
    # (deploy/demo/templates: the demo sign-in provider's persona page.)
    for templates in (ROOT / "gateway" / "web" / "templates",
                      ROOT / "deploy" / "demo" / "templates"):
        for _file, _line, msgid, _comments, _context in extract_from_dir(
                templates, method_map=[("**.html", "jinja2.ext:babel_extract")],
                keywords={"t": (1,)}):
            if isinstance(msgid, str) and msgid:
                ids.add(msgid)
    return ids


def test_the_pages_texts_are_among_the_ids() -> None:
    """The templates' texts are found, so an untranslated page text fails the test above."""
    assert {"Check a case status", "The agency's own words"} <= _code_message_ids()


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_message_in_the_code_is_translated(language: str) -> None:
    missing = sorted(_code_message_ids() - set(catalog(language)))
    assert not missing, f"add to gateway/messages/{language}.po: {missing}"


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_translations_keep_their_placeholders(language: str) -> None:
    for msgid, translated in catalog(language).items():
        assert _placeholders(translated) == _placeholders(msgid), msgid


def test_a_translated_message_is_filled_after_translation() -> None:
    catalog.cache_clear()
    try:
        entries = catalog("es")
        if not entries:
            pytest.fail("the Spanish catalog is empty")
        msgid = next(iter(entries))
        params = {name: "X" for name in _placeholders(msgid)}
        assert message("es", msgid, **params) == entries[msgid].format(**params)
        assert message("en", msgid, **params) == msgid.format(**params)
    finally:
        catalog.cache_clear()


def test_each_message_is_translated_once() -> None:
    """Babel keeps the last of two entries with one msgid: a second translation would
    silently replace the first."""
    from babel.messages.pofile import read_po

    po = Path(gateway.__file__).parent / "messages" / "es.po"
    ids = [line for line in po.read_text(encoding="utf-8").splitlines()
           if line.startswith("msgid ")]
    with po.open("rb") as source:
        distinct = len(read_po(source))
    assert len(ids) - 1 == distinct  # less the header's empty msgid
