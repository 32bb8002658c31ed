"""Language negotiation from Accept-Language."""

from __future__ import annotations

import pytest

from gateway.language import from_accept_language


@pytest.mark.parametrize(("header", "language"), [
    (None, "en"),
    ("", "en"),
    ("es-MX,es;q=0.9,en;q=0.8", "es"),
    ("en-US,en;q=0.9,es;q=0.8", "en"),
    ("fr-FR, es;q=0.5", "es"),
    ("fr-FR", "en"),
    ("es;q=0.2, en;q=0.9", "en"),
    ("es;q=bogus, en", "en"),
])
def test_accept_language_picks_the_preferred_supported_language(header: str | None,
                                                                language: str) -> None:
    """The highest-weighted supported language wins; English otherwise."""
    assert from_accept_language(header) == language
