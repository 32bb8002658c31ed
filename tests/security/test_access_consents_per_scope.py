"""A read relying on several consents names each of them (issue 12, item 21).

Ana grants lee STATUS in one consent and DETAILS in another; lee reads her court case through
the real gateway and a real courts adapter. The access record names both consents with their
scopes, so ana's access log and both consents' use counts are true; an access entry written
before the field existed still reads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.reference.catalog import synthetic
from aggregator.ledger.entries import access_entry
from support.courts_gateway import TODAY, CourtsGateway, courts_gateway, seed_courts

pytestmark = pytest.mark.integration

(ANA_CASE,) = synthetic("courts").persona_cases(TODAY)["ana"]

GRANT = """mutation ($scopes: [ConsentScope!]!, $until: DateTime!) {
  grantConsent(input: {grantee: "lee", agencies: ["courts"], scopes: $scopes,
                       purpose: "LEGAL_REPRESENTATION", validUntil: $until}) { id } }"""
READ = """{ viewer { client(subject: "ana") { timeline { events { caseNumber agencyText
  withheld { field } } } } } }"""
LOG = """{ viewer { accessLog { kind actor scopes decision consentId
  consents { scope consentId } leafIndex } } }"""
USES = "{ viewer { consents { id useCount lastUsedAt } } }"


@pytest.fixture(scope="module")
def courts_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small seeded courts store holding ana's case."""
    return seed_courts(tmp_path_factory.mktemp("courts") / "courts.sqlite3")


@pytest.fixture
async def gateway(courts_store: Path, tmp_path: Path) -> AsyncIterator[CourtsGateway]:
    """Ana's court case linked with her access code; lee a representative."""
    async with courts_gateway(courts_store, tmp_path) as running:
        linked = await running.ask("ana", 'mutation ($c: String!) { linkCase(number: "'
                                   + ANA_CASE.number + '", accessCode: $c) { alreadyLinked } }',
                                   c=ANA_CASE.access_code)
        assert "errors" not in linked, linked
        yield running


async def _data(gateway: CourtsGateway, who: str, query: str, **variables: Any) -> Any:
    body = await gateway.ask(who, query, **variables)
    assert "errors" not in body, body
    return body["data"]


async def _uses(gateway: CourtsGateway) -> dict[str, int]:
    consents = (await _data(gateway, "ana", USES))["viewer"]["consents"]
    return {c["id"]: c["useCount"] for c in consents}


async def test_a_read_under_two_consents_names_both(gateway: CourtsGateway) -> None:
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    status = (await _data(gateway, "ana", GRANT, scopes=["STATUS"], until=until))
    details = (await _data(gateway, "ana", GRANT, scopes=["DETAILS"], until=until))
    status_id = status["grantConsent"]["id"]
    details_id = details["grantConsent"]["id"]
    assert await _uses(gateway) == {status_id: 0, details_id: 0}

    events = (await _data(gateway, "lee", READ))["viewer"]["client"]["timeline"]["events"]
    assert events and all(e["agencyText"] is not None for e in events)  # DETAILS released

    (read,) = [e for e in (await _data(gateway, "ana", LOG))["viewer"]["accessLog"]
               if e["kind"] == "READ" and e["actor"] == "lee"]
    assert read["decision"] == "ALLOW" and read["consentId"] == status_id
    assert sorted(read["scopes"]) == ["DETAILS", "STATUS"]
    assert sorted((c["scope"], c["consentId"]) for c in read["consents"]) == [
        ("DETAILS", details_id), ("STATUS", status_id)]
    assert await _uses(gateway) == {status_id: 1, details_id: 1}


async def test_an_entry_from_before_per_scope_consents_still_reads(
        gateway: CourtsGateway) -> None:
    service = gateway.service
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    granted = await _data(gateway, "ana", GRANT, scopes=["STATUS", "DETAILS"], until=until)
    consent_id = granted["grantConsent"]["id"]
    # As written before reads named a consent per scope: no ``consents`` field.
    old = access_entry(subject=service.pseudonym("ana"), actor=service.pseudonym("lee"),
                       decision="ALLOW", agencies=["courts"], scopes=["STATUS", "DETAILS"],
                       consent_id=consent_id, purpose="LEGAL_REPRESENTATION")
    assert "consents" not in old.fields
    appended = await service.ledger.append(old)
    (entry,) = [e for e in (await _data(gateway, "ana", LOG))["viewer"]["accessLog"]
                if e["leafIndex"] == appended.index]
    assert entry["kind"] == "READ" and entry["actor"] == "lee"
    assert entry["consentId"] == consent_id
    assert sorted((c["scope"], c["consentId"]) for c in entry["consents"]) == [
        ("DETAILS", consent_id), ("STATUS", consent_id)]
    assert await _uses(gateway) == {consent_id: 1}
