"""Who may read /metrics, and the scraper's networks as given."""

from __future__ import annotations

import pytest

from gateway.metrics import LOOPBACK, parse_networks, scraper_allowed

ALLOWED = (*LOOPBACK, *parse_networks(["10.0.0.0/8", "192.0.2.7"]))


@pytest.mark.parametrize(("client", "headers", "allowed"), [
    ("127.0.0.1", [], True),
    ("::1", [], True),
    ("10.1.2.3", ["host"], True),
    ("192.0.2.7", [], True),
    ("192.0.2.8", [], False),
    ("203.0.113.9", [], False),
    ("127.0.0.1", ["x-forwarded-for"], False),  # came through a proxy
    ("127.0.0.1", ["forwarded"], False),
    (None, [], False),
    ("not-an-address", [], False),
])
def test_only_direct_connections_from_allowed_addresses(
        client: str | None, headers: list[str], allowed: bool) -> None:
    assert scraper_allowed(client, headers, ALLOWED) is allowed


def test_a_bad_network_is_named() -> None:
    assert parse_networks(["", " 10.0.0.0/8 "]) == parse_networks(["10.0.0.0/8"])
    with pytest.raises(ValueError, match="'ten' is not an IP address or network"):
        parse_networks(["10.0.0.1", "ten"])
