"""The agency's own Spanish wording end to end: a real immigration adapter whose source
supplies USCIS-style Spanish for every status seals it with the English (DETAILS); the
gateway opens it for a reader holding DETAILS and shows it to a Spanish reader (GraphQL and
the timeline page), withholds it without DETAILS, and a public lookup never shows it."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.reference.catalog import profile
from adapters.reference.demo_store import DemoStore
from adapters.sdk import AdapterServer, AdapterServicer, ConsentTokenVerifier, MappingTable
from adapters.sdk.records import AgencyWording, CaseRecord, ChangeRecord
from adapters.sdk.sealing import CaseSealer, CustodianKeys
from aggregator.bootstrap import bootstrap, consent_issuer
from aggregator.state import StatePaths
from aggregator.vault.key_files import load_or_create_ed25519
from deploy.demo.personas import PERSONAS
from deploy.processes.launcher import registry_with
from gateway.app import GatewaySettings, create_app
from gateway.auth import DevIssuer, SignedIn, TokenVerifier
from gateway.web.app import WebSettings
from support.pages import SESSION_COOKIE, session_cookie
from support.reference_adapter import seeded_store

pytestmark = pytest.mark.integration

I_765, ACCESS_CODE = "IOE0990000001", "7KQ2-M9DX-R4PW"  # ana's I-765 in every seeded store
SECRET = b"s" * 32
MARK = "Texto de USCIS: "  # begins the agency's Spanish of every status here
OWN = """query($language: Language) { viewer { timeline(language: $language) {
  events { caseNumber agencyText withheld { field scope } } } } }"""
CLIENT = """query($language: Language) { viewer { client(subject: "ana") {
  timeline(language: $language) { events { caseNumber agencyText withheld { field } } } } } }"""
GRANT = """mutation ($until: DateTime!) {
  grantConsent(input: {grantee: "lee", agencies: ["immigration"], scopes: [STATUS],
                       purpose: "LEGAL_REPRESENTATION", validUntil: $until}) { id } }"""
PUBLIC = """query($number: String!) { caseStatus(number: $number, language: ES) {
  ... on CaseStatus { number title description nextStep agencyCode caseTypeName } } }"""


def spanish(text: str) -> str:
    """The Spanish this test's agency gives for its English ``text``."""
    return f"{MARK}{text}"


class SpanishSpeakingStore:
    """The seeded demo store, with the agency's Spanish beside each status's English, as
    USCIS gives it (its own title and description)."""

    def __init__(self, store: DemoStore) -> None:
        self._store = store

    def find_cases(self, numbers: Sequence[str], *, with_history: bool
                   ) -> dict[str, CaseRecord]:
        found = self._store.find_cases(numbers, with_history=with_history)
        return {n: replace(r, events=tuple(
            replace(e, wordings=(AgencyWording("es", f"Título: {e.code}", spanish(e.text)),))
            for e in r.events)) for n, r in found.items()}

    def verify_access_code(self, number: str, access_code: str) -> bool:
        return self._store.verify_access_code(number, access_code)

    def latest_cursor(self) -> int:
        return self._store.latest_cursor()

    def changes_since(self, cursor: int, limit: int) -> list[ChangeRecord]:
        return self._store.changes_since(cursor, limit)


@dataclass
class Running:
    client: httpx.AsyncClient
    issuer: DevIssuer

    async def ask(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        token = self.issuer.issue(who, PERSONAS[who].role, PERSONAS[who].name)
        self.client.cookies.clear()
        response = await self.client.post("/graphql", json={
            "query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"})
        body: dict[str, Any] = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def page(self, who: str, path: str) -> str:
        self.client.cookies.clear()
        self.client.cookies.set(SESSION_COOKIE, session_cookie(
            SECRET, SignedIn(who, PERSONAS[who].role, PERSONAS[who].name)))
        response = await self.client.get(path)
        assert response.status_code == 200, response.text
        return html.unescape(response.text)


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    """The gateway over the Spanish-speaking immigration adapter; ana's I-765 linked."""
    paths = StatePaths(tmp_path)
    consent_issuer(paths)
    agency = profile("immigration")
    store = SpanishSpeakingStore(seeded_store(tmp_path, "immigration", cases=5))
    server = AdapterServer(AdapterServicer(
        agency, store, MappingTable.load(agency.mapping_path),
        ConsentTokenVerifier("immigration", paths.jwks),
        CaseSealer("immigration", CustodianKeys(paths.jwks))))
    port = await server.start()
    service = bootstrap(registry_with({"immigration": port}), tmp_path)
    for who in ("ana", "lee"):
        service.store.ensure_account(who, PERSONAS[who].role)
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    app = create_app(service, TokenVerifier(key.public_key()),
                     GatewaySettings(web=WebSettings(session_secret=SECRET)))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://127.0.0.1") as client:
            ran = Running(client, DevIssuer(key))
            linked = await ran.ask("ana", 'mutation ($c: String!) { linkCase(number: "'
                                   + I_765 + '", accessCode: $c) { alreadyLinked } }',
                                   c=ACCESS_CODE)
            assert linked["linkCase"]["alreadyLinked"] is False
            yield ran
    finally:
        await service.close()
        await server.stop(0)


def _events(data: dict[str, Any]) -> list[dict[str, Any]]:
    viewer = data["viewer"]
    timeline = viewer.get("client", viewer)["timeline"]
    events: list[dict[str, Any]] = timeline["events"]
    assert events
    return events


async def test_a_spanish_reader_with_details_reads_the_agencys_spanish(
        running: Running) -> None:
    """ana reads her own timeline in ES: every agencyText is the agency's Spanish, opened."""
    events = _events(await running.ask("ana", OWN, language="ES"))
    assert all(e["agencyText"].startswith(MARK) for e in events), events
    assert all(e["withheld"] == [] for e in events)


async def test_an_english_reader_reads_the_agencys_english(running: Running) -> None:
    """The same timeline in EN: the agency's English, as before."""
    events = _events(await running.ask("ana", OWN, language="EN"))
    assert all(e["agencyText"] and MARK not in e["agencyText"] for e in events), events
    spanish_texts = {e["agencyText"] for e in _events(await running.ask("ana", OWN,
                                                                          language="ES"))}
    assert {spanish(e["agencyText"]) for e in events} == spanish_texts


async def test_without_details_the_agencys_words_are_withheld_in_every_language(
        running: Running) -> None:
    """lee holds a STATUS-only consent: agencyText is null and listed as withheld."""
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    await running.ask("ana", GRANT, until=until)
    events = _events(await running.ask("lee", CLIENT, language="ES"))
    assert all(e["agencyText"] is None for e in events)
    assert all({"field": "agencyText"} in e["withheld"] for e in events)


async def test_a_public_lookup_never_shows_the_agencys_words(running: Running) -> None:
    """caseStatus in ES and the public status page carry no wording of the agency's own."""
    data = await running.ask("ana", PUBLIC, number=I_765)
    assert data["caseStatus"]["number"] == I_765
    assert MARK not in str(data)
    running.client.cookies.clear()
    page = await running.client.get("/status", params={"number": I_765, "lang": "es"})
    assert page.status_code == 200 and MARK not in html.unescape(page.text)


async def test_the_timeline_page_shows_the_spanish_marked_as_spanish(running: Running) -> None:
    """ana's page in Spanish quotes the agency's Spanish inside lang="es"."""
    page = await running.page("ana", "/me?lang=es")
    assert f'<p lang="es">{MARK}' in page
    english = await running.page("ana", "/me?lang=en")
    assert MARK not in english and '<p lang="en">' in english
