"""A case is linked to one subject (issue 12, item 14; and item 7's linking throttle).

Through the real gateway over a real courts adapter in its own process: raj presenting ana's
access code is refused and sees nothing, ana's access log shows the attempt, the ledger has
it; a newer access code the agency issued takes the link over, and the previous holder's
access log says so; re-linking by the holder stays idempotent.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from adapters.reference.catalog import synthetic
from adapters.reference.demo_store import DemoStore
from aggregator.bootstrap import ledger_reference_key
from aggregator.consent.linking import LinkError, LinkService
from aggregator.consent.shared_throttle import RedisAccessCodeThrottle
from aggregator.consent.throttle import AccessCodeThrottle, LocalLinkThrottle, whole_seconds
from aggregator.ledger.storage import EntryFilter
from aggregator.migrations import SchemaBehind
from aggregator.migrations import upgrade as migrate
from aggregator.shared_limits import RedisLimits, SharedLimits
from aggregator.state import StatePaths
from aggregator.store import Store, make_engine
from aggregator.vault import Keyring
from caseline.v1.lib.sealed import DataKey
from support.courts_gateway import TODAY, CourtsGateway, courts_gateway, seed_courts
from support.redis_limits import closed_port_url, unique_limits

pytestmark = pytest.mark.integration

(ANA_CASE,) = synthetic("courts").persona_cases(TODAY)["ana"]
NUMBER = ANA_CASE.number
POSTGRES_URL = os.environ.get("CASELINE_TEST_POSTGRES",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")

LINK = """mutation ($n: String!, $c: String!) { linkCase(number: $n, accessCode: $c) {
  alreadyLinked case { number } receipt { leafIndex } } }"""
MINE = """{ viewer { cases { number agency { id } }
  timeline { events { caseNumber hearing { judge } } } } }"""
LOG = """{ viewer { accessLog { kind actor agencies decision reason consentId
  consents { scope consentId } leafIndex } } }"""


class Gateway(CourtsGateway):
    """The courts gateway with the link operations these tests repeat."""

    async def link(self, who: str, code: str, language: str = "en") -> dict[str, Any]:
        return await self.ask(who, LINK, language, n=NUMBER, c=code)

    async def log(self, who: str) -> list[dict[str, Any]]:
        body = await self.ask(who, LOG)
        assert "errors" not in body, body
        entries: list[dict[str, Any]] = body["data"]["viewer"]["accessLog"]
        return entries

    def link_entries(self, subject: str) -> list[dict[str, Any]]:
        rows = self.service.ledger.store.find(EntryFilter(
            subject=self.service.pseudonym(subject), kind="link", limit=100))
        return [orjson.loads(row.leaf) for row in rows]


@pytest.fixture(scope="module")
def courts_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small seeded courts store holding ana's case (no links: everyone links by code)."""
    return seed_courts(tmp_path_factory.mktemp("courts") / "courts.sqlite3")


@pytest.fixture
async def gateway(courts_store: Path, tmp_path: Path) -> AsyncIterator[Gateway]:
    """A fresh aggregator state (no links yet) and the courts adapter on a loopback port."""
    async with courts_gateway(courts_store, tmp_path) as running:
        yield Gateway(running.service, running.client, running.tokens, running.store_path)


def _error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None or body["data"].get("linkCase") is None, body
    (error,) = body["errors"]
    return dict(error)


async def _sees_the_case(gateway: Gateway, who: str) -> bool:
    body = await gateway.ask(who, MINE)
    assert "errors" not in body, body
    viewer = body["data"]["viewer"]
    numbers = {c["number"] for c in viewer["cases"]}
    judges = [e["hearing"]["judge"] for e in viewer["timeline"]["events"] if e["hearing"]]
    return NUMBER in numbers or bool(judges)


async def test_someone_elses_case_is_refused_and_the_holder_sees_the_attempt(
        gateway: Gateway) -> None:
    body = await gateway.link("ana", ANA_CASE.access_code)
    assert body["data"]["linkCase"]["alreadyLinked"] is False, body
    assert await _sees_the_case(gateway, "ana")

    refused = _error(await gateway.link("raj", ANA_CASE.access_code))
    assert refused["extensions"]["code"] == "ALREADY_LINKED"
    assert "consent" in refused["message"] and "new access code" in refused["message"]
    spanish = _error(await gateway.link("raj", ANA_CASE.access_code, language="es"))
    assert spanish["extensions"]["code"] == "ALREADY_LINKED"
    assert "consentimiento" in spanish["message"]
    assert "nuevo código de acceso" in spanish["message"]
    assert not await _sees_the_case(gateway, "raj")

    attempts = [e for e in await gateway.log("ana") if e["kind"] == "LINK_ATTEMPT"]
    assert len(attempts) == 2
    assert all(e["actor"] == "raj" and e["decision"] == "DENY"
               and e["reason"] == "ALREADY_LINKED" and e["agencies"] == ["courts"]
               for e in attempts), attempts

    # The ledger holds the attempt in ana's record, by raj's pseudonym, with no plaintext.
    refusals = [e for e in gateway.link_entries("ana") if e["event"] == "LINK_REFUSED"]
    assert len(refusals) == 2
    assert all(e["actor"] == gateway.service.pseudonym("raj") for e in refusals)
    for entry in refusals:
        leaf = orjson.dumps(entry).decode()
        assert NUMBER not in leaf
        # Pseudonyms are random base32, so "ana" may occur inside one: compare whole values.
        assert not {"ana", "raj"} & {v for v in entry.values() if isinstance(v, str)}
        assert ANA_CASE.access_code not in leaf


async def test_attempts_on_a_held_case_are_throttled(gateway: Gateway) -> None:
    # Each is an entry in the holder's access log: a copied code must not let anyone flood it.
    assert "errors" not in await gateway.link("ana", ANA_CASE.access_code)
    codes = [_error(await gateway.link("raj", ANA_CASE.access_code))["extensions"]["code"]
             for _ in range(6)]
    assert codes == ["ALREADY_LINKED"] * 5 + ["RATE_LIMITED"]
    limited = _error(await gateway.link("raj", ANA_CASE.access_code, language="es"))
    assert 0 < limited["extensions"]["retryAfterSeconds"] <= 900
    assert limited["message"].startswith("demasiados intentos de vincular rechazados")
    assert len([e for e in await gateway.log("ana") if e["kind"] == "LINK_ATTEMPT"]) == 5


async def test_relinking_by_the_holder_stays_idempotent(gateway: Gateway) -> None:
    first = await gateway.link("ana", ANA_CASE.access_code)
    again = await gateway.link("ana", ANA_CASE.access_code.lower().replace("-", " "))
    assert first["data"]["linkCase"]["alreadyLinked"] is False, first
    assert again["data"]["linkCase"]["alreadyLinked"] is True, again
    assert [c["number"] for c in (await gateway.ask("ana", MINE))["data"]["viewer"]["cases"]] \
        == [NUMBER]
    assert not [e for e in await gateway.log("ana")
                if e["kind"] in ("LINK_ATTEMPT", "LINK_REPLACED")]


async def test_a_newer_access_code_replaces_the_link_and_tells_the_previous_holder(
        gateway: Gateway) -> None:
    assert "errors" not in await gateway.link("ana", ANA_CASE.access_code)

    # The agency issues a new notice: only its code verifies from now on.
    DemoStore(gateway.store_path).reissue_access_code(NUMBER, "NEW1-CODE-2026")
    taken = await gateway.link("raj", "new1-code-2026")
    assert taken["data"]["linkCase"]["alreadyLinked"] is False, taken
    assert await _sees_the_case(gateway, "raj")
    assert not await _sees_the_case(gateway, "ana")
    (replaced,) = [e for e in await gateway.log("ana") if e["kind"] == "LINK_REPLACED"]
    assert replaced["actor"] == "raj" and replaced["agencies"] == ["courts"]
    assert replaced["reason"] == "NEWER_ACCESS_CODE"
    assert [e["event"] for e in gateway.link_entries("ana")] == ["LINKED", "LINK_REPLACED"]

    # The old code no longer verifies, so the previous holder cannot take it back with it...
    stale = _error(await gateway.link("ana", ANA_CASE.access_code))
    assert stale["extensions"]["code"] == "WRONG_ACCESS_CODE"
    # ...and the code the link was made with does not take it from its holder either.
    DemoStore(gateway.store_path).reissue_access_code(NUMBER, "NEW2-CODE-2026")
    assert "errors" not in await gateway.link("ana", "NEW2-CODE-2026")
    assert _error(await gateway.link("raj", "NEW1-CODE-2026"))["extensions"]["code"] \
        == "WRONG_ACCESS_CODE"
    (told,) = [e for e in await gateway.log("raj") if e["kind"] == "LINK_REPLACED"]
    assert told["actor"] == "ana"
    assert await _sees_the_case(gateway, "ana") and not await _sees_the_case(gateway, "raj")


async def test_a_link_made_without_a_known_code_is_never_taken_over(gateway: Gateway) -> None:
    # Links from before codes were kept (or seeded) cannot tell a newer code from a copy.
    gateway.service.store.add_link("ana", "courts", NUMBER)
    DemoStore(gateway.store_path).reissue_access_code(NUMBER, "NEW1-CODE-2026")
    refused = _error(await gateway.link("raj", "NEW1-CODE-2026"))
    assert refused["extensions"]["code"] == "ALREADY_LINKED"
    assert await _sees_the_case(gateway, "ana") and not await _sees_the_case(gateway, "raj")


async def test_the_linking_throttle_never_says_try_again_in_0_s(gateway: Gateway,
                                                               tmp_path: Path) -> None:
    now = [0.0]
    service = gateway.service
    ledger_key = ledger_reference_key(StatePaths(tmp_path), Keyring.in_state_dir(tmp_path))
    links = LinkService(service.config, service.adapters, service.store, service.ledger,
                        LocalLinkThrottle(AccessCodeThrottle(per_case=2, window_s=60.0,
                                                             clock=lambda: now[0])),
                        service.pseudonym, ledger_key)
    for _ in range(2):
        with pytest.raises(LinkError) as wrong:
            await links.link("raj", NUMBER, "WRONG-CODE-0000")
        assert wrong.value.code == "WRONG_ACCESS_CODE"
    now[0] = 59.7  # 0.3 s left: today this said "try again in 0 s"
    with pytest.raises(LinkError) as limited:
        await links.link("raj", NUMBER, "WRONG-CODE-0000")
    assert limited.value.code == "RATE_LIMITED"
    assert limited.value.retry_after_s == 1
    assert "try again in 1 s" in str(limited.value)
    assert [whole_seconds(w) for w in (0.0, 0.001, 0.5, 1.0, 1.2, 899.1)] \
        == [1, 1, 1, 1, 2, 900]


class _Sealer:
    """One in-memory data key for every subject (the vault's role, without it)."""

    def __init__(self) -> None:
        self.key = DataKey(os.urandom(32), "sk")

    def seal(self, subject_id: str, plaintext: bytes, place: tuple[str, ...]) -> bytes:
        return self.key.seal(plaintext, (*place, subject_id))

    def open(self, subject_id: str, sealed: bytes, place: tuple[str, ...]) -> bytes:
        return self.key.open(sealed, (*place, subject_id))


@pytest.fixture(params=["sqlite", "postgresql"])
def legacy_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database whose links table is as it was before access codes were kept."""
    binary, stamp = ("BLOB", "DATETIME") if request.param == "sqlite" else ("BYTEA", "TIMESTAMP")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'agg.sqlite3'}"
    else:
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        admin = sa.create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "CREATE TABLE links (subject_id VARCHAR(64) NOT NULL, agency_id VARCHAR(32) NOT "
            f"NULL, case_ref VARCHAR(64) NOT NULL, case_number_sealed {binary} NOT NULL, "
            f"linked_at {stamp} NOT NULL, PRIMARY KEY (subject_id, agency_id, case_ref))"))
    engine.dispose()
    yield url
    if request.param == "postgresql":
        admin = sa.create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_a_store_from_before_one_holder_links_gains_the_code_column(legacy_url: str) -> None:
    """Opening upgrades it on SQLite; PostgreSQL's is refused until `caseline migrate`."""
    if legacy_url.startswith("postgresql"):
        engine = make_engine(legacy_url)
        with pytest.raises(SchemaBehind, match="caseline migrate"):
            Store(engine, _Sealer(), b"r" * 32)
        migrate(engine)
        engine.dispose()
    store = Store(make_engine(legacy_url), _Sealer(), b"r" * 32)
    try:
        assert store.claim_link("ana", "courts", NUMBER, "H4TZ-9QMB-2WKE")
        # The unique index refuses a second holder even past the link service's checks.
        assert not store.claim_link("raj", "courts", NUMBER, "H4TZ-9QMB-2WKE")
        assert not store.add_link("raj", "courts", NUMBER)
        (holder,) = store.holders("courts", NUMBER)
        assert holder.subject_id == "ana"
        assert holder.access_code_ref == store.access_code_ref("courts", NUMBER,
                                                               "h4tz 9qmb 2wke")
        assert not store.claim_link("raj", "courts", NUMBER, "NEW1-CODE", replacing=("lee",))
        assert store.claim_link("raj", "courts", NUMBER, "NEW1-CODE", replacing=("ana",))
        assert [h.subject_id for h in store.holders("courts", NUMBER)] == ["raj"]
        assert [link.case_number for link in store.links_for("raj")] == [NUMBER]
        assert store.links_for("ana") == ()
    finally:
        store.close()


async def test_two_replicas_share_the_linking_throttle_in_redis(gateway: Gateway,
                                                                tmp_path: Path) -> None:
    """Two link services (as two replicas) over one Redis: raj's two wrong codes, one on
    each, use up the case's limit of 2 on both."""
    service = gateway.service
    ledger_key = ledger_reference_key(StatePaths(tmp_path), Keyring.in_state_dir(tmp_path))
    async with unique_limits() as settings:
        replicas = [LinkService(service.config, service.adapters, service.store,
                                service.ledger,
                                RedisAccessCodeThrottle(RedisLimits(settings), per_case=2),
                                service.pseudonym, ledger_key) for _ in range(2)]
        try:
            for links in replicas:
                with pytest.raises(LinkError) as wrong:
                    await links.link("raj", NUMBER, "WRONG-CODE-0000")
                assert wrong.value.code == "WRONG_ACCESS_CODE"
            for links in replicas:
                with pytest.raises(LinkError) as limited:
                    await links.link("raj", NUMBER, ANA_CASE.access_code)
                assert limited.value.code == "RATE_LIMITED"
                assert limited.value.retry_after_s is not None
                assert 890 <= limited.value.retry_after_s <= 900
        finally:
            for links in replicas:
                await links.aclose()


async def test_redis_unreachable_refuses_linking_without_asking_the_agency(
        gateway: Gateway, tmp_path: Path) -> None:
    """The throttle fails closed: with its Redis on a closed port, even the right code is
    refused as THROTTLE_UNAVAILABLE, before the agency is asked: nothing is linked or logged."""
    service = gateway.service
    ledger_key = ledger_reference_key(StatePaths(tmp_path), Keyring.in_state_dir(tmp_path))
    links = LinkService(service.config, service.adapters, service.store, service.ledger,
                        RedisAccessCodeThrottle(RedisLimits(SharedLimits(closed_port_url()))),
                        service.pseudonym, ledger_key)
    try:
        with pytest.raises(LinkError) as refused:
            await links.link("ana", NUMBER, ANA_CASE.access_code)
    finally:
        await links.aclose()
    assert refused.value.code == "THROTTLE_UNAVAILABLE"
    assert str(refused.value) == ("linking cases is paused: wrong access codes cannot be "
                                  "counted just now; try again in a minute")
    assert not service.store.links_for("ana")
    assert gateway.link_entries("ana") == []
