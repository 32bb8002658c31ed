"""Accounts' addresses: only plain addresses are taken, sealed at rest, a changed claim
starts over unverified, verification is single-use, erasure leaves nothing to send to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from aggregator.notify.email.addresses import (
    MAX_ADDRESS_CHARS,
    AddressError,
    EmailAddresses,
    normalized_address,
)
from aggregator.notify.email.links import LinkError, VerifyClaim
from aggregator.notify.email.tables import email_addresses
from aggregator.store import make_engine
from support.databases import fresh_database_url
from support.sealing import MemorySealer


@pytest.fixture
def sealer() -> MemorySealer:
    return MemorySealer()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLite file, or a fresh PostgreSQL schema: the table is portable."""
    with fresh_database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def addresses(database_url: str, sealer: MemorySealer) -> Iterator[EmailAddresses]:
    engine = make_engine(database_url)
    yield EmailAddresses(engine, sealer, b"r" * 32)
    engine.dispose()


@pytest.mark.parametrize("bad", ["ana", "@example.org", "ana@", "ana@localhost",
                                 "Ana <ana@example.org>", "ana@example.org\r\nBcc: x@y.z",
                                 "a b@example.org", "ana@@example.org", "ana@example.org."])
def test_only_plain_addresses_are_taken(bad: str) -> None:
    """No display names, no header injection, no addresses without a domain."""
    with pytest.raises(AddressError, match="expected an e-mail address like name@example"):
        normalized_address(bad)


def test_an_overlong_address_is_refused_by_its_size_first() -> None:
    with pytest.raises(AddressError) as long:
        normalized_address("a" * 300 + "@example.org")
    assert str(long.value) == (f"an e-mail address has at most {MAX_ADDRESS_CHARS} "
                               "characters, got 312")


def test_the_domain_is_lower_cased_and_the_local_part_kept() -> None:
    assert normalized_address("  Ana.M@Example.ORG ") == "Ana.M@example.org"


def test_the_address_is_sealed_at_rest(addresses: EmailAddresses) -> None:
    """The table holds no plaintext address."""
    addresses.claim("ana", "ana@example.org")
    with addresses.engine.connect() as conn:
        row = conn.execute(select(email_addresses)).one()
    assert b"ana@example.org" not in row.address_sealed
    assert "ana@example.org" not in repr(tuple(row))


def test_a_changed_claim_starts_over_unverified(addresses: EmailAddresses) -> None:
    """A new address gets a new id (old links and deliveries go nowhere) and must be
    verified; the same address claimed again keeps its state."""
    first = addresses.seed_verified("ana", "ana@example.org")
    assert addresses.claim("ana", "ana@example.org").address_id == first.address_id
    assert addresses.targets("ana") == [first.address_id]
    changed = addresses.claim("ana", "ana.m@example.org")
    assert changed.address_id != first.address_id and not changed.verified
    assert addresses.targets("ana") == []
    assert addresses.recipient(first.address_id) is None


def test_only_the_latest_verification_link_works(addresses: EmailAddresses) -> None:
    """Asking again makes earlier links stale."""
    addresses.claim("ana", "ana@example.org")
    begun = addresses.begin_verification("ana")
    again = addresses.begin_verification("ana")
    assert begun is not None and again is not None
    with pytest.raises(LinkError) as stale:
        addresses.confirm(VerifyClaim(*begun))
    assert stale.value.reason == "used"
    assert addresses.confirm(VerifyClaim(*again)) == "ana"


def test_verifying_again_undoes_an_unsubscribe(addresses: EmailAddresses) -> None:
    """The person asked for e-mail again."""
    state = addresses.seed_verified("ana", "ana@example.org")
    assert addresses.unsubscribe(state.address_id) is True
    assert addresses.targets("ana") == []
    begun = addresses.begin_verification("ana")
    assert begun is not None
    addresses.confirm(VerifyClaim(*begun))
    assert addresses.targets("ana") == [state.address_id]


def test_unsubscribing_an_unknown_address_says_so(addresses: EmailAddresses) -> None:
    assert addresses.unsubscribe("em_unknown") is False


def test_an_erased_accounts_address_no_longer_opens(addresses: EmailAddresses,
                                                   sealer: MemorySealer) -> None:
    """Shredding the account's key leaves an address nobody can read."""
    state = addresses.seed_verified("ana", "ana@example.org")
    del sealer.keys["ana"]
    assert addresses.recipient(state.address_id) == ("ana", None)
    after = addresses.state("ana")
    assert after is not None and after.address is None
