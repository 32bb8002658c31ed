"""A grantee's clients by the name they chose to share, and former clients with the reason
their consents no longer let the grantee read, through GraphQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from aggregator.bootstrap import bootstrap
from aggregator.config import parse_config
from aggregator.consent.service import MAX_SHARED_NAME
from aggregator.model import Case, Event, LookupOutcome, Status, SubjectCases, Text
from aggregator.service import CaselineService
from aggregator.vault.key_files import load_or_create_ed25519
from aggregator.vault.opening import Release
from gateway.app import GatewaySettings, create_app
from gateway.auth import DevIssuer, TokenVerifier

T0 = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)
STATUS = Status("ACTIVE", "CASE_RECEIVED", False, "Case Was Received", "",
                {"en": Text("Received", "We received your case.", "Wait.")})
NUMBER = "IOE0990000001"
NAME = "Ana María Pérez"
CONFIG = parse_config({"agencies": [
    {"id": "immigration", "name": "USCIS", "name_es": "USCIS", "address": "unused:1",
     "numbers": "^IOE", "number_format": "IOE and 10 digits"}]})

GRANT = """mutation($agencies: [ID!]!, $until: DateTime!, $name: String) {
  grantConsent(input: {grantee: "lee", agencies: $agencies, scopes: [STATUS],
                       purpose: "my lawyer", validUntil: $until, sharedName: $name}) {
    id sharedName
  }
}"""
CLIENTS = ("{ viewer { clients { subject sharedName timeline { events { caseNumber } } } "
           "formerClients { subject sharedName state since } } }")
CHANGE = "mutation($id: ID!) { %s(id: $id) { state } }"


class Agency:
    """One in-memory case for ana."""

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        return [self._case() for _ in numbers]

    async def subject_cases(self, consent_token: str, timeout: float,
                            release: Release) -> SubjectCases:
        return SubjectCases((self._case(),),
                            (Event("immigration", NUMBER, "e1", 0, T0, STATUS),))

    async def verify_ownership(self, number: str, access_code: str,
                               timeout: float) -> Case | None:
        return None

    async def close(self) -> None:
        return None

    def _case(self) -> Case:
        return Case("immigration", NUMBER, "I-765", "Work permit", STATUS, T0, T0)


class World:
    def __init__(self, client: httpx.AsyncClient, issuer: DevIssuer,
                 service: CaselineService, state: Path) -> None:
        self.client = client
        self.service = service
        self.state = state
        self.tokens = {"ana": issuer.issue("ana", "applicant", "Ana"),
                       "lee": issuer.issue("lee", "representative", "Lee")}

    async def gql(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.tokens[who]}"})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def ok(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.gql(who, query, **variables)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def grant(self, name: str | None = NAME, days: int = 30) -> str:
        until = (datetime.now(UTC) + timedelta(days=days)).isoformat()
        data = await self.ok("ana", GRANT, agencies=["immigration"], until=until, name=name)
        assert data["grantConsent"]["sharedName"] == name
        consent_id: str = data["grantConsent"]["id"]
        return consent_id

    async def change(self, mutation: str, consent_id: str) -> None:
        await self.ok("ana", CHANGE % mutation, id=consent_id)

    async def lees_view(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        viewer = (await self.ok("lee", CLIENTS))["viewer"]
        return viewer["clients"], viewer["formerClients"]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    service = bootstrap(CONFIG, tmp_path, adapters={"immigration": Agency()})
    service.store.add_link("ana", "immigration", NUMBER)
    service.store.ensure_account("lee", "representative")
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    app = create_app(service, TokenVerifier(key.public_key()), GatewaySettings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://gw") as client:
        yield World(client, DevIssuer(key), service, tmp_path)
    await service.close()


def _since(former: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(former["since"])


async def test_a_client_is_shown_by_the_name_they_chose_to_share(world: World) -> None:
    await world.grant()
    clients, former = await world.lees_view()
    assert [(c["subject"], c["sharedName"]) for c in clients] == [("ana", NAME)]
    assert [e["caseNumber"] for e in clients[0]["timeline"]["events"]] == [NUMBER]
    assert former == []


async def test_without_a_shared_name_only_the_subject_id_is_shown(world: World) -> None:
    await world.grant(name=None)
    clients, _ = await world.lees_view()
    assert [(c["subject"], c["sharedName"]) for c in clients] == [("ana", None)]


async def test_a_paused_client_is_former_with_the_reason_and_since_when(world: World) -> None:
    consent_id = await world.grant()
    before = datetime.now(UTC)
    await world.change("pauseConsent", consent_id)
    clients, former = await world.lees_view()
    assert clients == []
    assert [(f["subject"], f["sharedName"], f["state"]) for f in former] == [
        ("ana", NAME, "PAUSED")]
    assert before <= _since(former[0]) <= datetime.now(UTC)
    # Resumed: a client again, and no longer former.
    await world.change("resumeConsent", consent_id)
    clients, former = await world.lees_view()
    assert [c["subject"] for c in clients] == ["ana"] and former == []


async def test_a_revoked_client_is_former_as_revoked(world: World) -> None:
    consent_id = await world.grant()
    await world.change("pauseConsent", consent_id)
    before = datetime.now(UTC)
    await world.change("revokeConsent", consent_id)
    clients, former = await world.lees_view()
    assert clients == []
    assert [(f["subject"], f["sharedName"], f["state"]) for f in former] == [
        ("ana", NAME, "REVOKED")]
    assert _since(former[0]) >= before


async def test_an_expired_client_is_former_since_the_consent_ended(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    await world.grant(days=3)
    (consent,) = world.service.consents.granted_to("lee")
    later = consent.valid_until + timedelta(minutes=1)
    monkeypatch.setattr(world.service.consents, "now", lambda: later)
    clients, former = await world.lees_view()
    assert clients == []
    assert [(f["subject"], f["sharedName"], f["state"]) for f in former] == [
        ("ana", NAME, "EXPIRED")]
    assert _since(former[0]) == consent.valid_until


async def test_a_client_with_one_active_consent_of_several_is_not_former(
        world: World) -> None:
    first = await world.grant()
    await world.grant(name="Ana P.")
    await world.change("revokeConsent", first)
    clients, former = await world.lees_view()
    assert [(c["subject"], c["sharedName"]) for c in clients] == [("ana", "Ana P.")]
    assert former == []


async def test_an_over_long_shared_name_is_refused_saying_the_limit(world: World) -> None:
    until = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    body = await world.gql("ana", GRANT, agencies=["immigration"], until=until,
                           name="x" * (MAX_SHARED_NAME + 1))
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "INPUT_TOO_LONG"
    assert "sharedName" in error["message"] and str(MAX_SHARED_NAME) in error["message"]
    assert world.service.consents.granted_to("lee") == ()


async def test_a_shared_name_with_control_characters_is_refused(world: World) -> None:
    until = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    body = await world.gql("ana", GRANT, agencies=["immigration"], until=until,
                           name="Ana\u202eZepéR")
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "INVALID_SHARED_NAME"
    assert "sharedName" in error["message"]
    assert world.service.consents.granted_to("lee") == ()


async def test_the_shared_name_rests_sealed_and_stays_out_of_the_ledger(
        world: World) -> None:
    consent_id = await world.grant()
    await world.change("revokeConsent", consent_id)
    assert (await world.lees_view())[1][0]["sharedName"] == NAME
    needle = NAME.encode()
    for path in world.state.rglob("*"):
        if path.is_file():
            assert needle not in path.read_bytes(), path


async def test_a_former_client_is_told_by_the_consent_that_ended_last(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    await world.grant(days=3)
    later = await world.grant(days=30, name="Ana P.")
    await world.change("revokeConsent", later)
    clients, _ = await world.lees_view()
    assert [c["sharedName"] for c in clients] == [NAME]  # the active consent's name
    short = next(r for r in world.service.consents.granted_to("lee") if r.id != later)
    monkeypatch.setattr(world.service.consents, "now",
                        lambda: short.valid_until + timedelta(minutes=1))
    clients, former = await world.lees_view()
    assert clients == []
    assert [(f["state"], _since(f), f["sharedName"]) for f in former] == [
        ("EXPIRED", short.valid_until, NAME)]


async def test_limits_inside_a_written_input_object_are_the_fields_own(world: World) -> None:
    """Strings written in a non-null input object are held to their field's limit (they were
    held to the 256-character default: a 300-character purpose was refused, a 101-character
    name let through)."""
    until = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    written = ('mutation($until: DateTime!) { grantConsent(input: {grantee: "lee", '
               'agencies: ["immigration"], scopes: [STATUS], purpose: "%s", validUntil: $until, '
               'sharedName: "%s"}) { id } }')
    accepted = await world.gql("ana", written % ("p" * 300, "Ana"), until=until)
    assert "errors" not in accepted, accepted
    refused = await world.gql("ana", written % ("p", "n" * (MAX_SHARED_NAME + 1)), until=until)
    (error,) = refused["errors"]
    assert error["extensions"] == {"code": "INPUT_TOO_LONG",
                                   "argument": "GrantConsentInput.sharedName",
                                   "limit": MAX_SHARED_NAME}
