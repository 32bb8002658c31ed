"""Agency texts in the reader's language, end to end over real adapters: the immigration
reference adapter supplies Spanish (case-type names, its number format, invalid-number
structure), so a Spanish page and a Spanish GraphQL query show them; the courts adapter is
served as one that predates localized texts, so Spanish readers get its English."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.courts.facts import CASE_TYPES as COURT_TYPES
from adapters.immigration.facts import CASE_TYPE_NAMES, CASE_TYPES
from adapters.reference.catalog import profile
from adapters.sdk import AdapterServer, AdapterServicer, ConsentTokenVerifier, MappingTable
from adapters.sdk.sealing import CaseSealer, CustodianKeys
from aggregator.bootstrap import bootstrap, consent_issuer
from aggregator.state import StatePaths
from aggregator.vault.key_files import load_or_create_ed25519
from deploy.processes.launcher import registry_with
from gateway.app import GatewaySettings, create_app
from gateway.auth import TokenVerifier
from support.english_only import EnglishOnlyServicer
from support.reference_adapter import seeded_store

pytestmark = pytest.mark.integration

I_765 = "IOE0990000001"  # ana's I-765 in every seeded store
REMOVAL = "A201555123"  # ana's removal case at the immigration court
STATUS = """query($number: String!, $language: Language) {
  caseStatus(number: $number, language: $language) {
    ... on CaseStatus { caseType caseTypeName }
    ... on CaseLookupError { code message } } }"""
FORMATS = """query($language: Language) { agencies(language: $language) {
  id numberFormats { name description } } }"""


def _servicer(kind: type[AdapterServicer], agency: str, tmp_path: Path) -> AdapterServicer:
    paths = StatePaths(tmp_path)
    agency_profile = profile(agency)
    return kind(agency_profile, seeded_store(tmp_path, agency, cases=5),
                MappingTable.load(agency_profile.mapping_path),
                ConsentTokenVerifier(agency, paths.jwks),
                CaseSealer(agency, CustodianKeys(paths.jwks)))


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway over a real immigration adapter and an English-only courts adapter."""
    consent_issuer(StatePaths(tmp_path))  # the adapters read the keys the gateway signs with
    servers = {"immigration": AdapterServer(_servicer(AdapterServicer, "immigration", tmp_path)),
               "courts": AdapterServer(_servicer(EnglishOnlyServicer, "courts", tmp_path))}
    ports = {agency: await server.start() for agency, server in servers.items()}
    service = bootstrap(registry_with(ports), tmp_path)
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    app = create_app(service, TokenVerifier(key.public_key()), GatewaySettings())
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://127.0.0.1") as client:
            yield client
    finally:
        await service.close()
        for server in servers.values():
            await server.stop(0)


async def _data(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_graphql_names_the_case_type_in_the_language_asked(
        gateway: httpx.AsyncClient) -> None:
    """caseTypeName is the agency's Spanish with ES, its English without (unchanged)."""
    es = (await _data(gateway, STATUS, number=I_765, language="ES"))["caseStatus"]
    en = (await _data(gateway, STATUS, number=I_765))["caseStatus"]
    assert es == {"caseType": "I-765", "caseTypeName": "Solicitud de Autorización de Empleo"}
    assert en == {"caseType": "I-765", "caseTypeName": CASE_TYPES["I-765"]}


async def test_an_adapter_without_spanish_falls_back_to_english(
        gateway: httpx.AsyncClient) -> None:
    """The English-only courts adapter's case type reads in English to a Spanish reader, and
    its invalid numbers keep their English message."""
    case = (await _data(gateway, STATUS, number=REMOVAL, language="ES"))["caseStatus"]
    assert case == {"caseType": "REMOVAL", "caseTypeName": COURT_TYPES["REMOVAL"]}
    bad = (await _data(gateway, STATUS, number="A1234567", language="ES"))["caseStatus"]
    assert bad["code"] == "INVALID_NUMBER"
    assert bad["message"].startswith("'A1234567' is not a valid case number (7 digits;")


async def test_a_bad_number_is_explained_in_spanish(gateway: httpx.AsyncClient) -> None:
    """A receipt number with too few digits: what is wrong and the format expected, in
    Spanish, with the agency's Spanish names; in English the adapter's message as before."""
    es = (await _data(gateway, STATUS, number="IOE12", language="ES"))["caseStatus"]
    en = (await _data(gateway, STATUS, number="IOE12"))["caseStatus"]
    assert es["code"] == en["code"] == "INVALID_NUMBER"
    assert es["message"] == (
        "La parte «número después del código de oficina» tiene 2 caracteres; debe tener 10. "
        "Formato esperado: número de recibo de USCIS, por ejemplo IOE0912345678.")
    assert en["message"].startswith("'IOE12' is not a valid case number (it has 2 digits "
                                    "after IOE; a receipt number has 10 digits there)")


async def test_a_number_no_agency_claims_is_explained_in_spanish(
        gateway: httpx.AsyncClient) -> None:
    """The registry's Spanish formats, for a number no agency's pattern matches."""
    es = (await _data(gateway, STATUS, number="hello world", language="ES"))["caseStatus"]
    assert es["code"] == "INVALID_NUMBER"
    assert es["message"].startswith("«hello world» no es un número de caso que Caseline pueda")
    assert "un número de recibo de USCIS: 3 letras y 10 dígitos" in es["message"]


async def test_number_formats_are_described_in_the_language_asked(
        gateway: httpx.AsyncClient) -> None:
    """Spanish descriptions where the agency gives them, English where it does not."""
    agencies = {a["id"]: a["numberFormats"]
                for a in (await _data(gateway, FORMATS, language="ES"))["agencies"]}
    (receipt,) = agencies["immigration"]
    assert receipt["description"].startswith("3 letras de la oficina")
    (a_number,) = agencies["courts"]
    assert a_number["description"] == profile("courts").number_formats[0].description


async def test_the_spanish_page_shows_spanish_agency_texts(gateway: httpx.AsyncClient) -> None:
    """The status card names the case type in Spanish (marked as Spanish); a bad number is
    explained in Spanish; the form's hints describe the receipt number in Spanish."""
    card = await gateway.get("/status", params={"number": I_765, "lang": "es"})
    assert card.status_code == 200, card.text
    assert f'<span lang="es">{CASE_TYPE_NAMES["es"]["I-765"]}</span>' in html.unescape(card.text)
    court = await gateway.get("/status", params={"number": REMOVAL, "lang": "es"})
    assert f'<span lang="en">{COURT_TYPES["REMOVAL"]}</span>' in html.unescape(court.text)
    bad = await gateway.get("/status", params={"number": "IOE12", "lang": "es"})
    assert bad.status_code == 400
    assert ("La parte «número después del código de oficina» tiene 2 caracteres"
            in html.unescape(bad.text))
    assert "número de recibo de USCIS: IOE0912345678 (3 letras de la oficina" in (
        html.unescape(bad.text))
