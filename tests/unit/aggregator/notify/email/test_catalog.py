"""The e-mails' texts: every ``t("...")`` in the e-mail templates has a Spanish translation
with the same placeholders in the gateway's catalog, which the aggregator reads by path."""

from __future__ import annotations

import string
from pathlib import Path

from babel.messages.extract import extract_from_dir

from aggregator.notify.email import catalog as email_catalog
from aggregator.notify.email.catalog import CATALOG_DIR, catalog, message

TEMPLATES = Path(email_catalog.__file__).parent / "templates"


def _template_ids() -> set[str]:
    ids: set[str] = set()
    for _file, _line, msgid, _comments, _context in extract_from_dir(
            TEMPLATES, method_map=[("**.html", "jinja2.ext:babel_extract"),
                                   ("**.txt", "jinja2.ext:babel_extract")],
            keywords={"t": (1,)}):
        if isinstance(msgid, str) and msgid:
            ids.add(msgid)
    return ids


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_catalog_is_the_gateways_es_po() -> None:
    """One catalog for every text people read: the pages' file, found beside the package."""
    assert (CATALOG_DIR / "es.po").is_file()
    assert CATALOG_DIR.parts[-2:] == ("gateway", "messages")


def test_every_e_mail_text_is_translated_with_its_placeholders() -> None:
    """A text added to a template without its Spanish entry fails here."""
    ids = _template_ids()
    assert "A case at {agency} changed" in ids and "Hello," in ids
    spanish = catalog("es")
    missing = sorted(ids - set(spanish))
    assert not missing, f"add to gateway/messages/es.po: {missing}"
    for msgid in ids:
        assert _placeholders(spanish[msgid]) == _placeholders(msgid), msgid


def test_a_message_is_filled_after_translation() -> None:
    """Word order may change: placeholders are filled in the translated text."""
    assert message("es", "A case at {agency} changed", agency="USCIS") == (
        "Hubo un cambio en un caso: USCIS")
    assert message("en", "A case at {agency} changed", agency="USCIS") == (
        "A case at USCIS changed")
    assert catalog("fr") == {}
