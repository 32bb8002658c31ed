"""The auditors' pages: ``/audit`` (the latest checkpoint, the key to pin, entries filtered
and paged), ``/audit/entries/{index}`` (one entry's inclusion proof as a receipt the browser
verifies), ``/audit/consistency`` (a consistency proof between two tree sizes) and
``/audit/receipt`` (a pasted receipt checked by the server and in the browser).

The data is GraphQL's ``audit`` (gateway/schema/audit.py), from the same functions."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aggregator.consent.vocabulary import Role
from aggregator.ledger.errors import LedgerError
from aggregator.ledger.merkle import verify_consistency
from aggregator.ledger.receipts import Receipt, ReceiptError, check_receipt, find_receipt
from aggregator.service import CaselineService
from gateway.messages import message
from gateway.schema.audit import (
    LedgerCheckpoint,
    LedgerEntry,
    checkpoint_of,
    consistency_of,
    find_entries,
    inclusion_of,
)
from gateway.schema.consent import b64
from gateway.schema.errors import UserFacingError
from gateway.web.audit_filters import FilterError, read_filters, read_index
from gateway.web.pages import Pages
from gateway.web.session import checked_form

__all__ = ["MAX_RECEIPT_CHARS", "PAGE_SIZE", "EntryRow", "routes"]

PAGE_SIZE = 50
# A receipt is about two kilobytes (a note and up to 64 hashes); far more is not one.
MAX_RECEIPT_CHARS = 16_384


@dataclass(frozen=True, slots=True)
class EntryRow:
    """One entry for the table: the GraphQL entry and the fields auditors scan for."""

    entry: LedgerEntry
    subject: str
    actor: str
    what: str
    agencies: str
    pretty: str


def _row(entry: LedgerEntry) -> EntryRow:
    leaf: dict[str, Any] = orjson.loads(entry.entry)
    agencies = leaf.get("agencies") or ([leaf["agency"]] if leaf.get("agency") else [])
    return EntryRow(entry, str(leaf.get("subject") or ""),
                    str(leaf.get("actor") or leaf.get("grantee") or ""),
                    str(leaf.get("decision") or leaf.get("event") or ""), ", ".join(agencies),
                    orjson.dumps(leaf, option=orjson.OPT_INDENT_2).decode())


def _checkpoint(service: CaselineService) -> LedgerCheckpoint | None:
    try:
        return checkpoint_of(service.ledger)
    except UserFacingError:
        return None  # an empty ledger: nothing signed yet


def _receipt_data(receipt: Receipt, key: str) -> dict[str, object]:
    """What the ``caseline-receipt`` markup carries (see templates/receipt.html)."""
    return {"leaf_hash": b64(receipt.leaf_hash), "leaf_index": receipt.leaf_index,
            "tree_size": receipt.tree_size, "root_hash": b64(receipt.root_hash),
            "proof": ",".join(b64(h) for h in receipt.proof), "checkpoint": receipt.checkpoint,
            "key": key}


def _held_now(service: CaselineService, receipt: Receipt) -> bool:
    """Whether the ledger served now still holds the receipt's leaf at its index under the
    same root for its size (a receipt from another ledger, or a rewritten one, does not)."""
    ledger = service.ledger
    if receipt.tree_size > ledger.size or receipt.leaf_index >= receipt.tree_size:
        return False
    try:
        return (ledger.leaf_hash(receipt.leaf_index) == receipt.leaf_hash
                and ledger.root(receipt.tree_size) == receipt.root_hash)
    except ValueError:
        return False


def routes(pages: Pages) -> list[BaseRoute]:
    """The audit pages, for auditors."""
    service = pages.service

    async def audit(request: Request) -> Response:
        pages.require(request, Role.AUDITOR)
        language = pages.language(request)
        filters, errors = read_filters(language, request.query_params, service.agencies)
        checkpoint = _checkpoint(service)
        values: dict[str, object] = {
            "checkpoint": checkpoint, "filters": filters, "errors": errors,
            "agencies": sorted(service.agencies.values(), key=lambda a: a.id),
            "kinds": ("access", "consent", "link", "key"),
            "site": str(request.base_url).rstrip("/"), "key": service.ledger.verifier_key()}
        if errors:
            return pages.render(request, "audit.html", 400, rows=[], **values)
        found = find_entries(service, subject=filters.subject, grantee=filters.grantee,
                             agency=filters.agency, kind=filters.kind, since=filters.since,
                             until=filters.until, after=filters.after, first=PAGE_SIZE + 1)
        rows = [_row(e) for e in found[:PAGE_SIZE]]
        more = filters.link(after=rows[-1].entry.index) if len(found) > PAGE_SIZE else None
        first_page = filters.link() if filters.after >= 0 else None
        return pages.render(request, "audit.html", rows=rows, next_page=more,
                            first_page=first_page, **values)

    async def entry(request: Request) -> Response:
        pages.require(request, Role.AUDITOR)
        index = read_index(request.path_params["index"])
        checkpoint = _checkpoint(service)
        found = (find_entries(service, after=index - 1, first=1)
                 if index is not None else [])
        if index is None or not found or found[0].index != index:
            return pages.render(request, "audit_entry.html", 404, missing="entry")
        if checkpoint is None or index >= checkpoint.tree_size:
            return pages.render(request, "audit_entry.html", 404, missing="checkpoint",
                                index=index)
        proof = inclusion_of(service.ledger, index, checkpoint.tree_size)
        receipt = find_receipt({"leafIndex": proof.leaf_index, "treeSize": proof.tree_size,
                                "rootHash": proof.root_hash, "leafHash": proof.leaf_hash,
                                "inclusionProof": proof.hashes,
                                "checkpoint": checkpoint.note})
        problem = _problem(receipt, checkpoint.verifier_key)
        return pages.render(request, "audit_entry.html", row=_row(found[0]), proof=proof,
                            checkpoint=checkpoint, problem=problem,
                            receipt=_receipt_data(receipt, checkpoint.verifier_key))

    def _problem(receipt: Receipt, key: str) -> str | None:
        try:
            check_receipt(receipt, key)
        except ReceiptError as exc:
            return str(exc)
        return None

    async def consistency(request: Request) -> Response:
        pages.require(request, Role.AUDITOR)
        language = pages.language(request)
        checkpoint = _checkpoint(service)
        latest = checkpoint.tree_size if checkpoint else 0
        given = {n: request.query_params.get(n, "").strip()[:40] for n in ("first", "second")}
        if not given["first"] and not given["second"]:
            return pages.render(request, "audit_consistency.html", given=given, latest=latest,
                                errors=[])
        first = read_index(given["first"])
        second = read_index(given["second"]) if given["second"] else latest
        errors = []
        if first is None or not 1 <= first <= latest:
            errors.append(FilterError("first", message(
                language, "First size: a number from 1 to {latest}, the latest signed size.",
                latest=latest)))
        if second is None or not 1 <= second <= latest or (first and second < first):
            errors.append(FilterError("second", message(
                language, "Second size: a number from the first size to {latest}, or empty "
                          "for the latest signed size.", latest=latest)))
        if errors or first is None or second is None:
            return pages.render(request, "audit_consistency.html", 400, given=given,
                                latest=latest, errors=errors)
        proof = consistency_of(service.ledger, first, second)
        problem = None
        try:
            # The proof as shown on the page, checked with the verifier's own function.
            verify_consistency(first, second, base64.b64decode(proof.first_root),
                               base64.b64decode(proof.second_root),
                               [base64.b64decode(h) for h in proof.hashes])
        except LedgerError as exc:
            problem = str(exc)
        return pages.render(request, "audit_consistency.html", given=given, latest=latest,
                            errors=[], proof=proof, problem=problem)

    async def receipt_form(request: Request) -> Response:
        pages.require(request, Role.AUDITOR)
        return pages.render(request, "audit_receipt.html", text="", errors=[])

    async def receipt_check(request: Request) -> Response:
        pages.require(request, Role.AUDITOR)
        language = pages.language(request)
        form = await checked_form(request)
        text = form.get("receipt")
        text = text.strip() if isinstance(text, str) else ""
        key = service.ledger.verifier_key()

        def refuse(problem: str, status: int = 400) -> Response:
            return pages.render(request, "audit_receipt.html", status, text=text[:200],
                                errors=[FilterError("receipt", problem)])

        if not text:
            return refuse(message(language, "Paste a receipt: the JSON a consent change "
                                            "returned."))
        if len(text) > MAX_RECEIPT_CHARS:
            return refuse(message(language, "A receipt has at most {limit} characters; this "
                                            "has {count}.", limit=MAX_RECEIPT_CHARS,
                                  count=len(text)))
        try:
            receipt = find_receipt(orjson.loads(text))
        except orjson.JSONDecodeError:
            return refuse(message(language, "This is not JSON. Paste the receipt exactly as "
                                            "it was given."))
        except ReceiptError as exc:
            return refuse(message(language, "This is not a receipt: {problem}.",
                                  problem=str(exc)))
        return pages.render(request, "audit_receipt.html", text=text, errors=[],
                            problem=_problem(receipt, key), held=_held_now(service, receipt),
                            checked=receipt, receipt=_receipt_data(receipt, key))

    return [Route("/audit", audit),
            Route("/audit/entries/{index}", entry),
            Route("/audit/consistency", consistency),
            Route("/audit/receipt", receipt_form, methods=["GET"]),
            Route("/audit/receipt", receipt_check, methods=["POST"])]
