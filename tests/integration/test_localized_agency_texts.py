"""Agency texts in the reader's language, end to end over real adapters: the immigration
reference adapter supplies Spanish (case-type names, its number format, invalid-number
structure), so a Spanish page and a Spanish GraphQL query show them; the courts adapter is
served as one that predates localized texts, so Spanish readers get its English."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from adapters.courts.facts import CASE_TYPES as COURT_TYPES
from adapters.immigration.facts import CASE_TYPE_NAMES, CASE_TYPES
from adapters.reference.catalog import profile
from adapters.sdk import AdapterServicer
from support.english_only import EnglishOnlyServicer
from support.gateway_over import gateway_over, graphql_data

pytestmark = pytest.mark.integration

I_765 = "IOE0990000001"  # ana's I-765 in every seeded store
REMOVAL = "A201555123"  # ana's removal case at the immigration court
STATUS = """query($number: String!, $language: Language) {
  caseStatus(number: $number, language: $language) {
    ... on CaseStatus { caseType caseTypeName }
    ... on CaseLookupError { code message } } }"""
FORMATS = """query($language: Language) { agencies(language: $language) {
  id numberFormats { name displayName description } } }"""


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway over a real immigration adapter and an English-only courts adapter."""
    async with gateway_over(tmp_path, {"immigration": AdapterServicer,
                                       "courts": EnglishOnlyServicer}) as client:
        yield client


async def test_graphql_names_the_case_type_in_the_language_asked(
        gateway: httpx.AsyncClient) -> None:
    """caseTypeName is the agency's Spanish with ES, its English without (unchanged)."""
    es = (await graphql_data(gateway, STATUS, number=I_765, language="ES"))["caseStatus"]
    en = (await graphql_data(gateway, STATUS, number=I_765))["caseStatus"]
    assert es == {"caseType": "I-765", "caseTypeName": "Solicitud de Autorización de Empleo"}
    assert en == {"caseType": "I-765", "caseTypeName": CASE_TYPES["I-765"]}


async def test_an_adapter_without_spanish_falls_back_to_english(
        gateway: httpx.AsyncClient) -> None:
    """The English-only courts adapter's case type reads in English to a Spanish reader, and
    its invalid numbers keep their English message."""
    case = (await graphql_data(gateway, STATUS, number=REMOVAL, language="ES"))["caseStatus"]
    assert case == {"caseType": "REMOVAL", "caseTypeName": COURT_TYPES["REMOVAL"]}
    bad = (await graphql_data(gateway, STATUS, number="A1234567", language="ES"))["caseStatus"]
    assert bad["code"] == "INVALID_NUMBER"
    assert bad["message"].startswith("'A1234567' is not a valid case number (7 digits;")


async def test_a_bad_number_is_explained_in_spanish(gateway: httpx.AsyncClient) -> None:
    """A receipt number with too few digits: what is wrong and the format expected, in
    Spanish, with the agency's Spanish names; in English the adapter's message as before."""
    es = (await graphql_data(gateway, STATUS, number="IOE12", language="ES"))["caseStatus"]
    en = (await graphql_data(gateway, STATUS, number="IOE12"))["caseStatus"]
    assert es["code"] == en["code"] == "INVALID_NUMBER"
    assert es["message"] == (
        "La parte «número después del código de oficina» tiene 2 caracteres; debe tener 10. "
        "Formato esperado: número de recibo de USCIS, por ejemplo IOE0912345678.")
    assert en["message"].startswith("'IOE12' is not a valid case number (it has 2 digits "
                                    "after IOE; a receipt number has 10 digits there)")


async def test_a_number_no_agency_claims_is_explained_in_spanish(
        gateway: httpx.AsyncClient) -> None:
    """The registry's Spanish formats, for a number no agency's pattern matches."""
    es = (await graphql_data(gateway, STATUS, number="hello world", language="ES"))["caseStatus"]
    assert es["code"] == "INVALID_NUMBER"
    assert es["message"].startswith("'hello world' no es un número de caso que Caseline pueda")
    assert "un número de recibo de USCIS: 3 letras y 10 dígitos" in es["message"]


async def test_number_formats_are_described_in_the_language_asked(
        gateway: httpx.AsyncClient) -> None:
    """Spanish descriptions where the agency gives them, English where it does not."""
    agencies = {a["id"]: a["numberFormats"]
                for a in (await graphql_data(gateway, FORMATS, language="ES"))["agencies"]}
    (receipt,) = agencies["immigration"]
    assert receipt["description"].startswith("3 letras de la oficina")
    assert (receipt["name"], receipt["displayName"]) == ("USCIS receipt number",
                                                         "número de recibo de USCIS")
    (a_number,) = agencies["courts"]
    assert a_number["description"] == profile("courts").number_formats[0].description
    assert a_number["displayName"] == a_number["name"] == "A-number"


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
