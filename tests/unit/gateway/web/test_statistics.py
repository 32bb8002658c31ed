"""The public statistics pages over a fake service: the index from the adapters' Describe, a
case type's page with its target, charts and tables in English and Spanish, withheld cells
worded as such, an office's page, and bad input refused in words."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.federation.fanout import AgencyCallError
from aggregator.model import LookupOutcome
from aggregator.service import CaselineService
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import vocabulary_pb2
from gateway.app import GatewaySettings, create_app
from gateway.auth import TokenVerifier
from gateway.web.statistics import last_complete_month
from support.applicant_pages import CONFIG
from support.fakes import fake_service
from support.processing_fakes import OFFICES, SMALL_OFFICE, FakeProcessing, install


class DescribingAgency:
    """An adapter that describes its case types (and answers nothing else)."""

    def __init__(self, agency_id: str, failing: bool = False) -> None:
        self.agency_id = agency_id
        self.failing = failing

    async def describe(self, timeout: float) -> pb.DescribeResponse:
        if self.failing:
            raise AgencyCallError("UNAVAILABLE", "down")
        names = [vocabulary_pb2.LocalizedString(language="en", text="Work permit"),
                 vocabulary_pb2.LocalizedString(language="es", text="Permiso de trabajo")]
        return pb.DescribeResponse(agency_id=self.agency_id, case_types=[
            pb.CaseType(code="I-765", name="Work permit", names=names),
            pb.CaseType(code="I-485", name="Green card"),
            pb.CaseType(code="CREDIBLE_FEAR_REVIEW", name="Credible Fear Review", names=[
                vocabulary_pb2.LocalizedString(language="es",
                                               text="Revisión de temor creíble")])])

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        raise AssertionError("the statistics pages look nothing up")

    async def close(self) -> None:
        return None


@dataclass
class Site:
    client: httpx.AsyncClient
    fake: FakeProcessing
    service: CaselineService


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    adapters = {"immigration": DescribingAgency("immigration"),
                "courts": DescribingAgency("courts", failing=True)}
    service = fake_service(CONFIG, adapters)  # type: ignore[arg-type]
    fake = FakeProcessing()
    install(service, fake)
    app = create_app(service, TokenVerifier(Ed25519PrivateKey.generate().public_key()),
                     GatewaySettings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://127.0.0.1") as client:
        yield Site(client, fake, service)
    await service.close()


def _section(html: str, start: str) -> str:
    begin = html.index(start)
    end = html.find("</section>", begin)
    return html[begin:end]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_last_complete_month_is_the_month_before() -> None:
    assert last_complete_month(date(2026, 12, 2)) == date(2026, 11, 1)
    assert last_complete_month(date(2027, 1, 31)) == date(2026, 12, 1)


async def test_the_index_lists_each_agencys_case_types_with_links(site: Site) -> None:
    response = await site.client.get("/statistics")
    assert response.status_code == 200
    assert '<a class="usa-link" href="/statistics/immigration/I-765">I-765</a>' in response.text
    assert "Work permit" in response.text and "Green card" in response.text
    # An agency whose adapter does not answer Describe is named, not dropped.
    assert "Immigration Court did not list its case types just now" in response.text
    spanish = await site.client.get("/statistics?lang=es")
    assert "Permiso de trabajo" in spanish.text and "Tiempos de tramitación" in spanish.text
    # No Spanish name from the agency: the English one, marked as English.
    assert '<span lang="en">Green card</span>' in spanish.text


async def test_a_case_type_known_by_an_identifier_is_named_not_coded(site: Site) -> None:
    """CREDIBLE_FEAR_REVIEW is a data identifier: the index and the page's heading and title
    name the case type in the reader's language instead; the address keeps the code."""
    index = (await site.client.get("/statistics?lang=es")).text
    assert ('href="/statistics/immigration/CREDIBLE_FEAR_REVIEW" lang="es">Revisión de temor '
            'creíble</a>') in index
    assert ">CREDIBLE_FEAR_REVIEW<" not in index
    site.fake.known_types = frozenset({"I-765", "CREDIBLE_FEAR_REVIEW"})
    page = (await site.client.get("/statistics/immigration/CREDIBLE_FEAR_REVIEW?lang=es")).text
    heading = page[page.index("<h1>"):page.index("</h1>")]
    assert "Cuánto tardan los casos de Revisión de temor creíble" in heading
    title = page[page.index("<title>"):page.index("</title>")]
    assert "CREDIBLE_FEAR_REVIEW" not in heading and "CREDIBLE_FEAR_REVIEW" not in title
    english = (await site.client.get("/statistics/immigration/CREDIBLE_FEAR_REVIEW?lang=en")).text
    assert "How long Credible Fear Review cases take" in english


async def test_a_case_type_page_asks_six_months_of_every_office_and_twelve_of_the_agency(
        site: Site) -> None:
    response = await site.client.get("/statistics/immigration/I-765")
    assert response.status_code == 200
    last = last_complete_month(datetime.now(UTC).date())
    period, trend = sorted(site.fake.asked, key=lambda a: a["first_month"] is not None)
    assert period == {"agency": "immigration", "case_type": "I-765", "office": None,
                      "first_month": None, "last_month": None}
    assert trend["office"] is None and trend["last_month"] == last
    assert (last.year * 12 + last.month) - (trend["first_month"].year * 12
                                            + trend["first_month"].month) == 11


async def test_the_target_its_basis_and_source_link_come_first(site: Site) -> None:
    html = (await site.client.get("/statistics/immigration/I-765")).text
    target = _text(_section(html, 'aria-labelledby="target"'))
    assert "Target: 90 calendar days" in target
    assert "A time limit set by regulation." in target
    assert "Decide within 90 days of receipt" in target
    assert ('href="https://www.ecfr.gov/current/title-8/section-274a.13" lang="en">'
            '8 CFR 274a.13(d)</a>') in html
    assert html.index('id="target"') < html.index('id="trend-heading"')
    spanish = (await site.client.get("/statistics/immigration/I-765?lang=es")).text
    target = _text(_section(spanish, 'aria-labelledby="target"'))
    assert "90 días naturales" in target and "Decidir dentro de 90 días" in target


async def test_each_chart_is_a_named_image_with_a_table_of_the_same_numbers(site: Site) -> None:
    html = (await site.client.get("/statistics/immigration/I-765")).text
    for chart in ("trend", "distribution", "pending", "within"):
        figure = _section(html, f'aria-labelledby="{chart}-heading"')
        assert "<table" in figure and '<th scope="row">' in figure
    trend = _section(html, 'aria-labelledby="trend-heading"')
    # The trend drawn for a wide column and for a phone's, each named.
    for variant in ("wide", "narrow"):
        assert (f'role="img" aria-labelledby="trend-{variant}-svg-title" '
                f'aria-describedby="trend-{variant}-svg-desc"') in trend
        assert f'<title id="trend-{variant}-svg-title">' in trend
    assert 'viewBox="0 0 600.0 300.0"' in trend and 'viewBox="0 0 320.0 300.0"' in trend
    # The bar charts are rows of text, one image named by the chart's heading.
    for chart in ("distribution", "pending", "within"):
        figure = _section(html, f'aria-labelledby="{chart}-heading"')
        assert (f'class="caseline-bars" role="img" aria-labelledby="{chart}-heading" '
                f'aria-describedby="{chart}-description"') in figure
        assert "<text" not in figure
    trend = _section(html, 'aria-labelledby="trend-heading"')
    # Agency-wide, month i: median 70 + 3i, 80% within 110 + 3i (support/processing_fakes).
    assert "<td>70 days</td><td>110 days</td>" in trend
    assert trend.count("<polyline") == 8  # two lines broken by the withheld month, twice
    distribution = _section(html, 'aria-labelledby="distribution-heading"')
    assert "<th scope=\"row\">10%</th><td>30 days</td>" in distribution
    assert distribution.count('class="caseline-chart__bar"') == 9
    assert '<span class="caseline-bars__name">10%</span>' in distribution
    assert '<span class="caseline-bars__value">30 days</span>' in distribution


async def test_withheld_cells_say_so_and_are_never_zero(site: Site) -> None:
    html = (await site.client.get("/statistics/immigration/I-765")).text
    withheld = "withheld (fewer than 10 cases)"
    trend = _section(html, 'aria-labelledby="trend-heading"')
    assert f"<td>{withheld}</td><td>{withheld}</td>" in trend
    assert 'class="caseline-chart__withheld"' in trend
    pending = _section(html, 'aria-labelledby="pending-heading"')
    assert f'<th scope="row">Interview scheduled</th><td>{withheld}</td>' in pending
    assert "<td>0</td>" not in html and ">0 days<" not in html
    offices = html[html.index('id="offices"'):]
    small = offices[offices.index(SMALL_OFFICE):]
    assert small[:small.index("</tr>")].count(withheld) == 4
    assert "Figures from fewer than 10 cases are withheld" in html
    spanish = (await site.client.get("/statistics/immigration/I-765?lang=es")).text
    assert "no se publica (menos de 10 casos)" in spanish


async def test_the_office_table_has_each_office_then_the_agency(site: Site) -> None:
    html = (await site.client.get("/statistics/immigration/I-765")).text
    offices = html[html.index('id="offices"'):]
    order = [offices.index(name) for name in (*OFFICES, "Agency-wide")]
    assert order == sorted(order)
    assert 'href="?office=Vermont%20Service%20Center"' in offices
    # Vermont over its six months: 600 decided, median 80, 80% within 120, 75% in target.
    vermont = offices[offices.index("Vermont"):]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", vermont[:vermont.index("</tr>")])
    assert cells == ["600", "80 days", "120 days", "75%"]


async def test_spanish_formats_numbers_and_months_its_own_way(site: Site) -> None:
    site.fake.known_types = frozenset({"I-765"})
    html = (await site.client.get("/statistics/immigration/I-765?lang=es")).text
    assert '<html lang="es">' in html
    assert "Cuánto tardan los casos de I-765: Agencia de Inmigración" in html
    assert ">75\xa0%</td>" in html  # Spanish writes a (no-break) space before the sign
    assert re.search(r"<th scope=\"row\">(enero|febrero|marzo|abril|mayo|junio|julio|agosto|"
                     r"septiembre|octubre|noviembre|diciembre) (de )?\d{4}</th>", html)


async def test_an_office_page_charts_that_office(site: Site) -> None:
    response = await site.client.get("/statistics/immigration/I-765?office=Vermont+Service+Center")
    assert response.status_code == 200
    assert any(a["office"] == "Vermont Service Center" for a in site.fake.asked)
    assert "Office: Vermont Service Center" in response.text
    assert 'href="/statistics/immigration/I-765">Show the whole agency' in response.text


@pytest.mark.parametrize(("path", "status", "words"), [
    ("/statistics/nowhere/I-765", 404, "There is no agency nowhere"),
    ("/statistics/" + "x" * 300 + "/I-765", 404, "There is no agency " + "x" * 64 + "."),
    ("/statistics/immigration/" + "Y" * 65, 400, "A case type is at most 64 characters"),
    ("/statistics/immigration/I-765?office=" + "z" * 129, 400,
     "An office name is at most 128 characters"),
    ("/statistics/immigration/N-999", 404,
     "Immigration Agency has no statistics for the case type N-999."),
    ("/statistics/immigration/I-765?office=Atlantis", 404,
     "has no statistics for the case type I-765 at the office Atlantis"),
])
async def test_bad_input_is_refused_in_words(site: Site, path: str, status: int,
                                             words: str) -> None:
    response = await site.client.get(path)
    assert response.status_code == status
    assert words in response.text
    assert 'role="alert"' in response.text
    if status == 400:
        assert site.fake.asked == []  # refused before the agency was asked


async def test_an_office_the_agency_does_not_know_is_refused_with_a_way_back(
        site: Site) -> None:
    """The contract answers an unknown office with no row, not an error: the page says the
    agency has no such office and links back to the case type's page, where the offices
    are listed, instead of showing empty charts under that name."""
    response = await site.client.get("/statistics/immigration/I-765?office=Atlantis&lang=es")
    assert response.status_code == 404
    assert ("no tiene estadísticas del tipo de caso I-765 en la oficina Atlantis"
            in response.text)
    assert '<a class="usa-link" href="/statistics/immigration/I-765">Cuánto tardan los casos de ' \
           'I-765</a>' in response.text
    assert "caseline-chart" not in response.text
    assert {a["office"] for a in site.fake.asked} == {None, "Atlantis"}


async def test_an_agency_that_does_not_answer_is_named(site: Site) -> None:
    site.fake.failure = AgencyCallError("UNAVAILABLE", "down")
    response = await site.client.get("/statistics/immigration/I-765?lang=es")
    assert response.status_code == 503
    assert "Agencia de Inmigración no respondió" in response.text


async def test_the_page_keeps_the_csp_and_needs_no_script(site: Site) -> None:
    response = await site.client.get("/statistics/immigration/I-765")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "<script" not in response.text and "style=" not in response.text


async def test_an_office_is_chosen_with_a_form_that_needs_no_script(site: Site) -> None:
    html = (await site.client.get(
        "/statistics/immigration/I-765?office=Vermont+Service+Center")).text
    form = html[html.index('<form class="usa-form caseline-filter"'):]
    form = form[:form.index("</form>")]
    assert 'action="/statistics/immigration/I-765" method="get"' in form
    assert '<label class="usa-label" for="office">' in form
    assert '<option value="Vermont Service Center" selected>' in form
    assert '<option value="">All offices of the agency</option>' in form


async def test_a_chart_with_nothing_published_says_so_instead_of_drawing(site: Site) -> None:
    response = await site.client.get("/statistics/immigration/I-765?office=Guam+Field+Office")
    assert response.status_code == 200
    for chart in ("trend", "distribution", "pending", "within"):
        figure = _section(response.text, f'aria-labelledby="{chart}-heading"')
        assert "<svg" not in figure, chart
        assert "Every figure of this chart is withheld" in figure
        assert "withheld (fewer than 10 cases)" in figure  # the table still says which
