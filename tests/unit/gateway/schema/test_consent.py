"""Linking, consents, access log and audit through GraphQL, with in-memory agencies."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregator.bootstrap import bootstrap
from aggregator.config import parse_config
from aggregator.ledger.merkle import verify_consistency, verify_inclusion
from aggregator.model import Case, Event, LookupOutcome, Status, SubjectCases, Text
from aggregator.vault.key_files import load_or_create_ed25519
from aggregator.vault.opening import Release
from caseline.v1.lib import consent_token as fmt
from gateway.app import GatewaySettings, create_app
from gateway.auth import DevIssuer, TokenVerifier

T0 = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)
STATUS = Status("ACTIVE", "EVIDENCE_REQUESTED", True, "Request for Evidence Was Sent",
                "Officer note: missing birth certificate of the beneficiary",
                {"en": Text("Evidence requested", "Send the evidence.", "Reply by the date.")})
ACCESS_CODE = "K7Q2-M9XD"
TIMELINE = ("{ viewer { clients { subject timeline { events { agency { id } caseNumber title "
            "agencyText dueDate office withheld { field scope } } } } } }")


class Agency:
    """An in-memory agency with one case per agency; records every token it receives."""

    def __init__(self, agency_id: str, number: str) -> None:
        self.agency_id = agency_id
        self.number = number
        self.tokens: list[dict[str, Any]] = []

    def _case(self) -> Case:
        return Case(self.agency_id, self.number, "I-765", "Work permit", STATUS, T0, T0)

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        return [self._case() for _ in numbers]

    async def subject_cases(self, consent_token: str, timeout: float,
                            release: Release) -> SubjectCases:
        import jwt

        self.tokens.append(jwt.decode(consent_token, options={"verify_signature": False}))
        event = Event(self.agency_id, self.number, "e1", 0, T0, STATUS,
                      due_date=date(2026, 7, 1), office="National Benefits Center")
        return SubjectCases((self._case(),), (event,))

    async def verify_ownership(self, number: str, access_code: str,
                               timeout: float) -> Case | None:
        await asyncio.sleep(0.005)  # a network round trip: other requests run meanwhile
        return self._case() if (number, access_code) == (self.number, ACCESS_CODE) else None

    async def close(self) -> None:
        return None


CONFIG = parse_config({"agencies": [
    {"id": "immigration", "name": "USCIS", "name_es": "USCIS", "address": "unused:1",
     "numbers": "^IOE", "number_format": "IOE and 10 digits"},
    {"id": "courts", "name": "EOIR", "name_es": "EOIR", "address": "unused:2",
     "numbers": "^A", "number_format": "A and 9 digits", "case_number_scope": "IDENTITY"}]})
NUMBERS = {"immigration": "IOE0990000001", "courts": "A201555123"}


class World:
    def __init__(self, client: httpx.AsyncClient, issuer: DevIssuer,
                 agencies: dict[str, Agency]) -> None:
        self.client = client
        self.issuer = issuer
        self.agencies = agencies
        self.tokens = {"ana": issuer.issue("ana", "applicant", "Ana"),
                       "lee": issuer.issue("lee", "representative", "Lee"),
                       "kim": issuer.issue("kim", "representative", "Kim"),
                       "audrey": issuer.issue("audrey", "auditor", "Audrey")}

    async def gql(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.tokens[who]}"})
        body: dict[str, Any] = response.json()
        return body

    async def ok(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.gql(who, query, **variables)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def grant(self, agencies: list[str], scopes: list[str], days: int = 30,
                    grantee: str = "lee") -> dict[str, Any]:
        until = (datetime.now(UTC) + timedelta(days=days)).isoformat()
        data = await self.ok("ana", GRANT, grantee=grantee, agencies=agencies, scopes=scopes,
                             purpose="my lawyer", until=until)
        consent: dict[str, Any] = data["grantConsent"]
        return consent

    async def client_events(self, who: str = "lee") -> list[dict[str, Any]]:
        data = await self.ok(who, TIMELINE)
        return [e for c in data["viewer"]["clients"] for e in c["timeline"]["events"]]


GRANT = """mutation($grantee: ID!, $agencies: [ID!]!, $scopes: [ConsentScope!]!,
  $purpose: String!, $until: DateTime!) {
  grantConsent(input: {grantee: $grantee, agencies: $agencies, scopes: $scopes,
                       purpose: $purpose, validUntil: $until}) {
    id state version signature receipt { leafIndex treeSize rootHash inclusionProof leafHash }
  }
}"""


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    agencies = {a: Agency(a, n) for a, n in NUMBERS.items()}
    service = bootstrap(CONFIG, tmp_path, adapters=dict(agencies))
    for agency_id, number in NUMBERS.items():
        service.store.add_link("ana", agency_id, number)
    # Grantees must be accounts: as if lee and kim had signed in once.
    for grantee in ("lee", "kim"):
        service.store.ensure_account(grantee, "representative")
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    app = create_app(service, TokenVerifier(key.public_key()), GatewaySettings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://gw") as client:
        yield World(client, DevIssuer(key), agencies)
    await service.close()


async def test_status_scope_releases_status_fields_only_and_says_why(world: World) -> None:
    consent = await world.grant(["immigration"], ["STATUS"])
    events = await world.client_events()
    assert [e["agency"]["id"] for e in events] == ["immigration"]
    (event,) = events
    assert event["title"] == "Evidence requested" and event["caseNumber"] == "IOE0990000001"
    assert (event["agencyText"], event["dueDate"], event["office"]) == (None, None, None)
    assert {(w["field"], w["scope"]) for w in event["withheld"]} == {
        ("agencyText", "DETAILS"), ("dueDate", "DETAILS"), ("office", "DETAILS"),
        ("hearing", "DETAILS")}
    # The agency was asked under a token naming only what the consent allows.
    token = world.agencies["immigration"].tokens[-1]
    assert token[fmt.CLAIM_SCOPES] == ["STATUS"] and token[fmt.CLAIM_CONSENT_ID] == consent["id"]
    assert token["aud"] == "immigration" and token["sub"].startswith("psn_")
    assert world.agencies["courts"].tokens == []
    # The key custodian was allowed to open nothing sealed for this read.
    assert "opened" not in await _last_access_entry(world)


async def _last_access_entry(world: World) -> dict[str, Any]:
    rows = (await world.ok("audrey", '{ audit { entries(kind: "access") { entry } } }')
            )["audit"]["entries"]
    entry: dict[str, Any] = json.loads(rows[-1]["entry"])
    return entry


async def test_details_scope_releases_details(world: World) -> None:
    await world.grant(["immigration", "courts"], ["STATUS", "DETAILS"])
    events = await world.client_events()
    assert {e["agency"]["id"] for e in events} == {"immigration", "courts"}
    assert all(e["agencyText"] and e["dueDate"] == "2026-07-01" for e in events)
    # Nothing withheld but the court's A-number, which needs IDENTITY.
    assert all(e["withheld"] == ([{"field": "caseNumber", "scope": "IDENTITY"}]
                                 if e["agency"]["id"] == "courts" else []) for e in events)
    # Opening DETAILS is part of the read's access record.
    assert (await _last_access_entry(world))["opened"] == ["DETAILS"]


async def test_a_number_is_masked_without_the_identity_scope(world: World) -> None:
    """At the court the case number is the A-number: a grantee without IDENTITY sees it
    masked (and why); with IDENTITY, and for the subject, it is whole."""
    query = ("{ viewer { timeline { events { agency { id } caseNumber } } } }")
    own = (await world.ok("ana", query))["viewer"]["timeline"]["events"]
    assert {e["caseNumber"] for e in own if e["agency"]["id"] == "courts"} == {"A201555123"}
    await world.grant(["immigration", "courts"], ["STATUS", "DETAILS"])
    events = await world.client_events()
    courts = [e for e in events if e["agency"]["id"] == "courts"]
    immigration = [e for e in events if e["agency"]["id"] == "immigration"]
    assert courts and all(e["caseNumber"] == "A•••••5123" for e in courts)
    assert all({"field": "caseNumber", "scope": "IDENTITY"} in e["withheld"] for e in courts)
    assert all(e["caseNumber"] == "IOE0990000001" for e in immigration)
    await world.grant(["courts"], ["STATUS", "IDENTITY"])
    events = await world.client_events()
    assert {e["caseNumber"] for e in events if e["agency"]["id"] == "courts"} == {"A201555123"}


async def test_pause_resume_and_revoke_take_effect_on_the_next_request(world: World) -> None:
    consent = await world.grant(["immigration"], ["STATUS"])
    assert len(await world.client_events()) == 1
    change = "mutation($id: ID!) { %s(id: $id) { state version receipt { leafIndex } } }"
    paused = await world.ok("ana", change % "pauseConsent", id=consent["id"])
    assert paused["pauseConsent"]["state"] == "PAUSED"
    assert await world.client_events() == []
    resumed = await world.ok("ana", change % "resumeConsent", id=consent["id"])
    assert (resumed["resumeConsent"]["state"], resumed["resumeConsent"]["version"]) == (
        "ACTIVE", 3)
    assert len(await world.client_events()) == 1
    await world.ok("ana", change % "revokeConsent", id=consent["id"])
    assert await world.client_events() == []
    again = await world.gql("ana", change % "resumeConsent", id=consent["id"])
    assert again["errors"][0]["extensions"]["code"] == "INVALID_TRANSITION"
    # Another grantee's consent from the same subject does not leak to lee.
    await world.grant(["courts"], ["STATUS"], grantee="kim")
    assert await world.client_events() == []
    assert {e["agency"]["id"] for e in await world.client_events("kim")} == {"courts"}


async def test_only_the_subject_can_change_their_consent(world: World) -> None:
    consent = await world.grant(["immigration"], ["STATUS"])
    body = await world.gql("lee", 'mutation($id: ID!) { revokeConsent(id: $id) { state } }',
                           id=consent["id"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(("variables", "code", "fragment"), [
    ({"grantee": "ana"}, "INVALID_GRANTEE", "your own"),
    ({"agencies": ["nasa"]}, "INVALID_AGENCY", "unknown: nasa"),
    ({"until": "2020-01-01T00:00:00+00:00"}, "INVALID_VALIDITY", "later than now"),
    ({"until": "2099-01-01T00:00:00+00:00"}, "INVALID_VALIDITY", "two years"),
    ({"purpose": "   "}, "INVALID_PURPOSE", "what the access is for"),
])
async def test_bad_grants_say_what_is_wrong(world: World, variables: dict[str, Any], code: str,
                                            fragment: str) -> None:
    base = {"grantee": "lee", "agencies": ["immigration"], "scopes": ["STATUS"],
            "purpose": "my lawyer",
            "until": (datetime.now(UTC) + timedelta(days=3)).isoformat()}
    body = await world.gql("ana", GRANT, **{**base, **variables})
    error = body["errors"][0]
    assert error["extensions"]["code"] == code and fragment in error["message"]


async def test_receipts_prove_inclusion_and_the_ledger_only_grows(world: World) -> None:
    first = await world.grant(["immigration"], ["STATUS"])
    second = await world.grant(["courts"], ["STATUS"])
    for consent in (first, second):
        receipt = consent["receipt"]
        verify_inclusion(base64.b64decode(receipt["leafHash"]), receipt["leafIndex"],
                         receipt["treeSize"], [base64.b64decode(h)
                                               for h in receipt["inclusionProof"]],
                         base64.b64decode(receipt["rootHash"]))
    audit = (await world.ok("audrey", """query($a: Int!) { audit {
        checkpoint { treeSize rootHash }
        consistencyProof(firstSize: $a) { firstSize secondSize firstRoot secondRoot hashes }
        entries(kind: "consent") { index kind entry } } }""",
                            a=first["receipt"]["treeSize"]))["audit"]
    proof = audit["consistencyProof"]
    assert proof["firstRoot"] == first["receipt"]["rootHash"]
    verify_consistency(proof["firstSize"], proof["secondSize"],
                       base64.b64decode(proof["firstRoot"]),
                       base64.b64decode(proof["secondRoot"]),
                       [base64.b64decode(h) for h in proof["hashes"]])
    entries = audit["entries"]
    assert [e["index"] for e in entries] == [first["receipt"]["leafIndex"],
                                             second["receipt"]["leafIndex"]]
    # Pseudonyms and codes only: no account ids or free text in the ledger.
    for entry in entries:
        # Pseudonyms are random base32 and may hold "ana": compare whole values.
        values = {v for v in json.loads(entry["entry"]).values() if isinstance(v, str)}
        assert not {"ana", "lee"} & values
        assert "my lawyer" not in entry["entry"]


async def test_access_log_shows_reads_and_refusals_for_the_subject_only(world: World) -> None:
    consent = await world.grant(["immigration"], ["STATUS"])
    await world.client_events()
    await world.ok("ana", 'mutation($id: ID!) { revokeConsent(id: $id) { state } }',
                   id=consent["id"])
    await world.ok("lee", '{ viewer { client(subject: "ana") { timeline { events { title } } '
                          '} } }')
    await world.ok("ana", "{ viewer { timeline { events { title } } } }")
    log = (await world.ok("ana", "{ viewer { accessLog { actor decision consentId purpose "
                                 "purposeText agencies scopes reason } } }"))["viewer"]["accessLog"]
    assert [(e["actor"], e["decision"]) for e in log] == [("lee", "DENY"), ("lee", "ALLOW")], log
    assert log[1]["consentId"] == consent["id"] and log[1]["purposeText"] == "my lawyer"
    assert log[1]["agencies"] == ["immigration"] and log[1]["scopes"] == ["STATUS"]
    assert log[0]["reason"].split(",") == ["CONSENT_REVOKED", "NO_CONSENT"]
    own = (await world.ok("ana", "{ viewer { accessLog(includeOwn: true) { actor consentId } } }"
                          ))["viewer"]["accessLog"]
    assert own[0] == {"actor": "ana", "consentId": "self"}
    denied = await world.gql("lee", "{ viewer { accessLog { actor } } }")
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_audit_is_for_auditors_only(world: World) -> None:
    for who in ("ana", "lee"):
        body = await world.gql(who, "{ audit { checkpoint { treeSize } } }")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    response = await world.client.get("/ledger/export",
                                      headers={"Authorization": f"Bearer {world.tokens['lee']}"})
    assert response.status_code == 403


async def test_linking_needs_the_access_code_and_wrong_codes_are_throttled(world: World) -> None:
    link = ("mutation($n: String!, $c: String!) { linkCase(number: $n, accessCode: $c) { "
            "alreadyLinked case { number } receipt { leafIndex } } }")
    ok = await world.ok("ana", link, n="ioe0990000001", c=ACCESS_CODE)
    assert ok["linkCase"]["alreadyLinked"] is True
    codes = []
    for _ in range(6):
        body = await world.gql("ana", link, n="IOE0990000001", c="WRONG")
        codes.append(body["errors"][0]["extensions"]["code"])
    assert codes == ["WRONG_ACCESS_CODE"] * 5 + ["RATE_LIMITED"]
    bad = await world.gql("ana", link, n="XYZ", c=ACCESS_CODE)
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_NUMBER"
    unlink = "mutation($n: String!) { unlinkCase(number: $n) { number agency } }"
    gone = await world.ok("ana", unlink, n="A201555123")
    assert gone["unlinkCase"] == {"number": "A201555123", "agency": "courts"}
    events = (await world.ok("ana", "{ viewer { timeline { events { agency { id } } } } }"))
    assert {e["agency"]["id"] for e in events["viewer"]["timeline"]["events"]} == {"immigration"}
    entries = (await world.ok("audrey", '{ audit { entries(kind: "link") { entry } } }'))
    kinds = [e["entry"] for e in entries["audit"]["entries"]]
    assert sum('"LINK_REFUSED"' in e for e in kinds) == 5
    assert sum('"UNLINKED"' in e for e in kinds) == 1
    assert all("IOE0990000001" not in e and "A201555123" not in e for e in kinds)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grants=st.lists(st.tuples(st.sampled_from(["lee", "kim"]),
                                 st.lists(st.sampled_from(["immigration", "courts"]),
                                          min_size=1, unique=True),
                                 st.lists(st.sampled_from(["STATUS", "DETAILS"]), min_size=1,
                                          unique=True),
                                 st.sampled_from(["keep", "pause", "revoke"])),
                       max_size=4),
       reader=st.sampled_from(["lee", "kim"]))
async def test_no_response_contains_more_than_the_consents_allow(
        world: World, grants: list[tuple[str, list[str], list[str], str]], reader: str) -> None:
    """Random consents for random grantees: what the reader receives is exactly what an
    oracle computed from the grants allows, and never a DETAILS value without DETAILS."""
    # Start from a clean slate: revoke whatever earlier examples left active.
    existing = (await world.ok("ana", "{ viewer { consents { id state } } }"))["viewer"]
    for c in existing["consents"]:
        if c["state"] in ("ACTIVE", "PAUSED"):
            await world.ok("ana", 'mutation($id: ID!) { revokeConsent(id: $id) { state } }',
                           id=c["id"])
    granted: dict[str, set[str]] = {}
    for grantee, agencies, scopes, fate in grants:
        consent = await world.grant(agencies, scopes, grantee=grantee)
        if fate != "keep":
            mutation = "pauseConsent" if fate == "pause" else "revokeConsent"
            await world.ok("ana", f'mutation($id: ID!) {{ {mutation}(id: $id) {{ state }} }}',
                           id=consent["id"])
        elif grantee == reader:
            for agency in agencies:
                granted.setdefault(agency, set()).update(scopes)
    # The oracle: an agency shows when some active consent gives STATUS there; its details
    # show when some active consent gives DETAILS there.
    allowed = {agency: scopes for agency, scopes in granted.items() if "STATUS" in scopes}
    events = await world.client_events(reader)
    assert {e["agency"]["id"] for e in events} == set(allowed)
    for event in events:
        has_details = "DETAILS" in allowed[event["agency"]["id"]]
        assert (event["agencyText"] is not None) == has_details
        assert (event["office"] is not None) == has_details


async def test_a_burst_of_guesses_cannot_outrun_the_throttle(world: World) -> None:
    """Twenty wrong codes sent at once: only five reach the agency."""
    link = ("mutation($n: String!, $c: String!) { linkCase(number: $n, accessCode: $c) { "
            "alreadyLinked } }")
    bodies = await asyncio.gather(*(world.gql("ana", link, n="IOE0990000001", c=f"W{i}")
                                    for i in range(20)))
    codes = sorted(b["errors"][0]["extensions"]["code"] for b in bodies)
    assert codes.count("WRONG_ACCESS_CODE") == 5 and codes.count("RATE_LIMITED") == 15
