"""``/bulk``: up to 100 case numbers, pasted or uploaded as CSV, looked up at once, with
the results as a table and as a CSV download.

The same use case and quota as GraphQL's ``caseStatuses`` (gateway/schema/query.py): one
batched ``service.lookup``; numbers longer than any case number are refused first and cost
nothing; the rest spend the client address's quota, or a signed-in representative's own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aggregator.consent.vocabulary import Role
from aggregator.federation.routing import MAX_NUMBER_LENGTH, shown_number
from aggregator.service import MAX_LOOKUP_BATCH
from gateway.messages import message
from gateway.refusals import rate_limited_text, too_long_text
from gateway.web.bulk_csv import (
    MAX_INPUT_BYTES,
    BulkInputError,
    Numbers,
    csv_bytes,
    numbers_from_csv,
    numbers_from_text,
    table_from_json,
)
from gateway.web.lookup import Card, Problem, presented
from gateway.web.pages import Pages
from gateway.web.public import category_name
from gateway.web.session import checked_form, csrf_token, signed_in

__all__ = ["Row", "routes"]

# Both inputs at their limit, with room for the multipart framing: a larger request is
# refused from its Content-Length, before its body is read.
_MAX_REQUEST_BYTES = 2 * MAX_INPUT_BYTES + 8 * 1024
_FILENAME = "caseline-case-statuses.csv"


@dataclass(frozen=True, slots=True)
class Row:
    """One number as given, with its card or the problem that kept it from having one."""

    position: int
    number: str
    result: Card | Problem
    category: str = ""

    @property
    def card(self) -> Card | None:
        """The case's card; None when the number has a problem instead."""
        return self.result if isinstance(self.result, Card) else None


def routes(pages: Pages) -> list[BaseRoute]:
    """``/bulk`` (the form, and its results) and ``/bulk/download`` (the results as CSV)."""

    def page(request: Request, status: int = 200, **values: object) -> Response:
        return pages.render(request, "bulk.html", status, limit=MAX_LOOKUP_BATCH,
                            max_kb=MAX_INPUT_BYTES // 1024, **values)

    async def form(request: Request) -> Response:
        return page(request)

    async def check(request: Request) -> Response:
        # No CSRF token: this POST only reads (a POST because 100 numbers or a file do not
        # fit a URL). A forged cross-site POST carries no session cookie (SameSite=Lax), so
        # at most it spends the address quota, as a forged GET /status would.
        language = pages.language(request)
        try:
            given = await _numbers(request, language)
        except BulkInputError as exc:
            return page(request, exc.status, error=exc.text)
        rows = await _look_up(pages, request, given.numbers, language)
        if isinstance(rows, Problem):
            response = page(request, rows.status, error=rows.text, code=rows.code,
                            pasted="\n".join(given.numbers))
            response.headers["Retry-After"] = str(rows.retry_after_s)
            return response
        table = _table(rows, language)
        response = page(
            request, rows=rows, header=given.header,
            found=sum(isinstance(r.result, Card) for r in rows),
            # The download form carries the table back (see download), under this session's
            # CSRF token: an anonymous visitor's session cookie is set here for it.
            table=json.dumps(table, ensure_ascii=False), download_csrf=csrf_token(request))
        response.headers["Cache-Control"] = "no-store"
        return response

    async def download(request: Request) -> Response:
        # The results page posts back the table it showed, and this answers it as a file:
        # no second lookup (nothing is spent twice, the agencies are not asked again) and
        # nothing kept on the server, so any replica answers. The CSRF token keeps another
        # site from having a visitor's browser download a "Caseline" file of its making.
        language = pages.language(request)
        damaged = message(language, "The results to download were missing or damaged. Check "
                                    "the cases again and download the new results.")
        if _declared_size(request) > _MAX_REQUEST_BYTES:
            return page(request, 413, error=damaged)
        sent = (await checked_form(request)).get("table")
        table = table_from_json(sent) if isinstance(sent, str) else None
        if table is None:
            return page(request, 400, error=damaged)
        return Response(csv_bytes(table), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{_FILENAME}"',
            "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

    return [Route("/bulk", form, methods=["GET"]), Route("/bulk", check, methods=["POST"]),
            Route("/bulk/download", download, methods=["POST"])]


def _declared_size(request: Request) -> int:
    """The body's size as Content-Length declares it (0 when absent or malformed: the
    gateway's body limit still counts what arrives)."""
    declared = request.headers.get("content-length", "").strip()
    return int(declared) if declared.isdigit() and len(declared) <= 18 else 0


async def _numbers(request: Request, language: str) -> Numbers:
    """The numbers the form sent, pasted or in a CSV file; BulkInputError saying what was
    wrong otherwise. Sizes are checked before anything is decoded or parsed."""
    declared = _declared_size(request)
    if declared > _MAX_REQUEST_BYTES:
        raise BulkInputError(message(
            language, "The list has {size} bytes; at most {limit} bytes can be checked at "
                      "once. Check fewer numbers at a time.", size=declared,
            limit=MAX_INPUT_BYTES), 413)
    # As a context manager, so the uploaded file's buffer is closed when read.
    async with request.form(max_files=1, max_fields=4) as form:
        pasted = form.get("numbers")
        text = pasted.strip() if isinstance(pasted, str) else ""
        upload = form.get("file")
        if not (isinstance(upload, UploadFile) and upload.filename and upload.size):
            given = numbers_from_text(text, language)
        elif text:
            raise BulkInputError(message(language, "Paste case numbers or choose a CSV file, "
                                                   "not both."))
        elif upload.size is not None and upload.size > MAX_INPUT_BYTES:
            raise BulkInputError(message(
                language, "The file has {size} bytes; at most {limit} bytes can be checked "
                          "at once. Upload a smaller file.", size=upload.size,
                limit=MAX_INPUT_BYTES), 413)
        else:
            given = numbers_from_csv(await upload.read(MAX_INPUT_BYTES + 1), language)
    if not given.numbers:
        raise BulkInputError(message(language, "Paste at least one case number or choose a "
                                               "CSV file with case numbers."))
    if len(given.numbers) > MAX_LOOKUP_BATCH:
        raise BulkInputError(message(
            language, "You gave {count} case numbers; at most {limit} can be checked at once. "
                      "Split the list and check the rest in another round.",
            count=len(given.numbers), limit=MAX_LOOKUP_BATCH))
    return given


async def _look_up(pages: Pages, request: Request, numbers: list[str],
                   language: str) -> list[Row] | Problem:
    """Each number's row, in the order given; a Problem when the quota refuses the batch."""
    service = pages.service
    results: list[Card | Problem | None] = [
        Problem("INVALID_NUMBER", too_long_text(language, n, service.config.agencies), 400)
        if len(n) > MAX_NUMBER_LENGTH else None for n in numbers]
    asked = [n for n, r in zip(numbers, results, strict=True) if r is None]
    if asked:
        who = signed_in(request)
        if who is not None:
            # The same account record as an authenticated API request makes.
            service.signed_in(who.subject, who.role)
        representative = who.subject if who and who.role == Role.REPRESENTATIVE else None
        client = request.client.host if request.client else "unknown"
        refusal = await pages.quotas.take(client, representative, len(asked))
        if refusal is not None:
            return Problem("RATE_LIMITED", rate_limited_text(
                language, refusal, signed_in=who is not None), 429, refusal.retry_after_s)
        answers = [presented(service, o, language) for o in await service.lookup(asked)]
        answers.reverse()
        results = [r if r is not None else answers.pop() for r in results]
    return [Row(i, shown_number(n), r,
                category_name(language, r.category) if isinstance(r, Card) else "")
            for i, (n, r) in enumerate(zip(numbers, results, strict=True), start=1)
            if r is not None]


def _table(rows: list[Row], language: str) -> list[list[str]]:
    """The results as the CSV file has them: a header row, then one row per number."""
    yes, no = message(language, "Yes"), message(language, "No")
    table = [[message(language, "Case number"), message(language, "Agency"),
              message(language, "Case type"), message(language, "Status category"),
              message(language, "Status"), message(language, "Action required"),
              message(language, "Last update (UTC)"), message(language, "Problem")]]
    for row in rows:
        r = row.result
        if isinstance(r, Card):
            table.append([row.number, r.agency, f"{r.case_type} ({r.case_type_name})",
                          row.category, r.title, yes if r.action_required else no,
                          r.updated_at.strftime("%Y-%m-%d %H:%M"), ""])
        else:
            table.append([row.number, "", "", "", "", "", "", r.text])
    return table
