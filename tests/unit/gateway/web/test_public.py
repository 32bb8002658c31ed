"""The pages over fake adapters: the lookup form, the status card, language, quota, headers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.config import parse_config
from aggregator.model import Case, LookupFailure, LookupOutcome, Status, Text
from gateway.app import GatewaySettings, create_app
from gateway.auth import TokenVerifier
from gateway.ratelimit import RatePolicy
from support.fakes import fake_service

T0 = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)
REVIEW = Status("PENDING", "UNDER_REVIEW", False, "Case Is Being Actively Reviewed",
                "As of May 1, we are actively reviewing your Form I-765.",
                {"en": Text("Under review", "An officer is looking at your case.",
                            "Wait for a decision or a request."),
                 "es": Text("En revisión", "Un funcionario revisa su caso.",
                            "Espere una decisión o una solicitud.")})
CONFIG = parse_config({"agencies": [{
    "id": "fake", "name": "Fake Agency", "name_es": "Agencia Falsa", "address": "unused:1",
    "numbers": "^FAK", "number_format": "FAK and 6 digits (e.g. FAK123456)"}]})


class CountingAdapter:
    """One case FAK000001; other FAK numbers are not found; counts the numbers it is asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        self.asked.extend(numbers)
        return [Case("fake", n, "I-765", "Employment authorization", REVIEW, T0, T0)
                if n == "FAK000001" else LookupFailure(n, "NOT_FOUND", "no such case")
                for n in numbers]

    async def close(self) -> None:
        return None


Pages = tuple[httpx.AsyncClient, CountingAdapter]


async def _pages(burst: float) -> AsyncIterator[Pages]:
    adapter = CountingAdapter()
    service = fake_service(CONFIG, {"fake": adapter})  # type: ignore[dict-item]
    app = create_app(service, TokenVerifier(Ed25519PrivateKey.generate().public_key()),
                     GatewaySettings(rate=RatePolicy(burst=burst, per_second=0.001)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://gw") as client:
        yield client, adapter
    await service.close()


@pytest.fixture
async def pages() -> AsyncIterator[Pages]:
    """The gateway's pages over one fake agency, with a generous quota."""
    async for value in _pages(burst=100):
        yield value


def _lang(html: str) -> str:
    found = re.search(r'<html lang="([a-z]+)">', html)
    assert found, html[:200]
    return found.group(1)


async def test_form_shows_each_agencys_format_in_english(pages: Pages) -> None:
    """/ renders the lookup form, in English by default, with the agency's format hint."""
    response = await pages[0].get("/")
    assert response.status_code == 200
    assert _lang(response.text) == "en"
    assert 'action="/status" method="get"' in response.text
    assert "Check a case status" in response.text
    assert re.search(r"Fake Agency</strong>\s*<ul><li>FAK and 6 digits \(e.g. FAK123456\)</li>",
                     response.text)


async def test_form_follows_accept_language_spanish(pages: Pages) -> None:
    """Accept-Language es gives the Spanish form with the agency's Spanish name."""
    response = await pages[0].get("/", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert _lang(response.text) == "es"
    assert "Consultar el estado de un caso" in response.text
    assert "Agencia Falsa</strong>" in response.text


async def test_good_number_shows_the_card_with_the_agencys_own_words(pages: Pages) -> None:
    """A known number renders the status card: plain title, badge, progress step, next
    step, and the agency's own wording verbatim."""
    response = await pages[0].get("/status", params={"number": "FAK000001"})
    assert response.status_code == 200
    html = response.text
    assert "<h1>Under review</h1>" in html
    assert "Case Is Being Actively Reviewed" in html
    assert "As of May 1, we are actively reviewing your Form I-765." in html
    assert "Wait for a decision or a request." in html
    assert 'caseline-category--pending">Pending</span>' in html
    assert re.search(r'segment--current" aria-current="step">'
                     r'<span class="usa-step-indicator__segment-label">Under review<', html)
    # When in words, the moment machine-readable beside it.
    assert '<time datetime="2026-05-01T14:00:00+00:00">May 1, 2026, 2:00\u202fPM UTC</time>' \
        in html
    assert "2026-05-01 14:00" not in html
    assert '<a class="usa-link" href="/statistics/fake/I-765">How long I-765 cases take</a>' in html


async def test_card_in_spanish_keeps_the_agencys_words_in_english(pages: Pages) -> None:
    """?lang=es shows the Spanish title and labels, the agency's words unchanged."""
    response = await pages[0].get("/status", params={"number": "FAK000001", "lang": "es"})
    assert _lang(response.text) == "es"
    assert "<h1>En revisión</h1>" in response.text
    assert "Las palabras de la agencia" in response.text
    assert "Case Is Being Actively Reviewed" in response.text
    assert "Última actualización" in response.text
    assert '<time datetime="2026-05-01T14:00:00+00:00">1 de mayo de 2026, 14:00 UTC</time>' \
        in response.text


async def test_malformed_number_shows_the_expected_format(pages: Pages) -> None:
    """A number no agency accepts is a 400 naming the format expected; no agency is asked."""
    client, adapter = pages
    response = await client.get("/status", params={"number": "XYZ-1"})
    assert response.status_code == 400
    assert "Check the case number" in response.text
    assert "FAK and 6 digits (e.g. FAK123456)" in response.text.split("usa-alert__text")[1]
    assert adapter.asked == []


async def test_unknown_number_says_it_was_not_found(pages: Pages) -> None:
    """A well-formed number the agency does not know is a 404 saying so."""
    response = await pages[0].get("/status", params={"number": "FAK999999"})
    assert response.status_code == 404
    assert "No case with the number FAK999999 was found." in response.text


async def test_over_long_number_is_refused_before_any_lookup(pages: Pages) -> None:
    """65 characters: 400 with the length limit, and the adapter is never asked."""
    client, adapter = pages
    response = await client.get("/status", params={"number": "FAK" + "1" * 62})
    assert response.status_code == 400
    assert "a case number has at most 64 characters, this one has 65" in response.text
    assert adapter.asked == []


async def test_page_lookups_spend_the_apis_quota() -> None:
    """With a quota of 2, one GraphQL lookup and one page lookup use it up: the next page
    lookup is refused (429) and never reaches the adapter."""
    async for client, adapter in _pages(burst=2):
        query = '{ caseStatus(number: "FAK000001") { __typename } }'
        api = await client.post("/graphql", json={"query": query})
        assert api.json()["data"]["caseStatus"]["__typename"] == "CaseStatus"
        assert (await client.get("/status?number=FAK000001")).status_code == 200
        refused = await client.get("/status?number=FAK000001")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert "too many lookups from this client; try again in" in refused.text
        assert adapter.asked == ["FAK000001", "FAK000001"]


@pytest.mark.parametrize("path", ["/", "/status?number=FAK000001", "/status?number=XYZ"])
async def test_pages_send_a_strict_csp_and_have_nothing_inline(pages: Pages,
                                                               path: str) -> None:
    """Each page carries the security headers, and its HTML has no inline script or
    style for the CSP to refuse."""
    response = await pages[0].get(path)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "<script" not in response.text
    assert "<style" not in response.text
    assert " style=" not in response.text


async def test_chosen_language_persists_in_a_cookie(pages: Pages) -> None:
    """?lang=es sets a cookie; later pages without ?lang stay Spanish despite the browser's
    English, until ?lang=en switches back."""
    client = pages[0]
    first = await client.get("/?lang=es", headers={"Accept-Language": "en"})
    assert "lang=es" in first.headers["set-cookie"]
    assert _lang((await client.get("/", headers={"Accept-Language": "en"})).text) == "es"
    await client.get("/?lang=en")
    assert _lang((await client.get("/", headers={"Accept-Language": "es"})).text) == "en"


async def test_the_stylesheet_is_served(pages: Pages) -> None:
    """The USWDS stylesheet the pages link to is served from /static."""
    response = await pages[0].get("/static/uswds/css/uswds.min.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
