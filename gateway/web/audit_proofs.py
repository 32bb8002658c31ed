"""The auditors' proof pages: ``/audit/consistency`` (a consistency proof between two tree
sizes, checked by the server) and ``/audit/receipt`` (a pasted receipt checked by the server
with the ledger's note and Merkle functions, and shown as markup the browser verifies)."""

from __future__ import annotations

import base64

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
from gateway.schema.audit import LedgerCheckpoint, checkpoint_of, consistency_of
from gateway.schema.consent import b64
from gateway.schema.errors import UserFacingError
from gateway.web.audit_filters import FilterError, read_index
from gateway.web.pages import Pages
from gateway.web.session import checked_form

__all__ = ["MAX_RECEIPT_CHARS", "latest_checkpoint", "problem_of", "receipt_data", "routes"]

# A receipt is about two kilobytes (a note and up to 64 hashes); far more is not one.
MAX_RECEIPT_CHARS = 16_384


def latest_checkpoint(service: CaselineService) -> LedgerCheckpoint | None:
    """The latest signed checkpoint, None while the ledger is empty."""
    try:
        return checkpoint_of(service.ledger)
    except UserFacingError:
        return None  # an empty ledger: nothing signed yet


def receipt_data(receipt: Receipt, key: str) -> dict[str, object]:
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


def problem_of(receipt: Receipt, key: str) -> str | None:
    """Why ``receipt`` does not verify under ``key`` (None when it does)."""
    try:
        check_receipt(receipt, key)
    except ReceiptError as exc:
        return str(exc)
    return None


def routes(pages: Pages) -> list[BaseRoute]:
    """``/audit/consistency`` and ``/audit/receipt``, for auditors."""
    service = pages.service

    async def consistency(request: Request) -> Response:
        pages.require(request, Role.AUDITOR)
        language = pages.language(request)
        checkpoint = latest_checkpoint(service)
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
                            problem=problem_of(receipt, key), held=_held_now(service, receipt),
                            checked=receipt, receipt=receipt_data(receipt, key))

    return [Route("/audit/consistency", consistency),
            Route("/audit/receipt", receipt_form, methods=["GET"]),
            Route("/audit/receipt", receipt_check, methods=["POST"])]
