"""The auditors' pages: ``/audit`` (the latest checkpoint, the key to pin, entries filtered
and paged) and ``/audit/entries/{index}`` (one entry's inclusion proof as a receipt the
browser verifies); the proofs' own pages are in ``audit_proofs``.

The data is GraphQL's ``audit`` (gateway/schema/audit.py), from the same functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aggregator.consent.vocabulary import Role
from aggregator.ledger.entries import EntryKind
from aggregator.ledger.receipts import find_receipt
from gateway.schema.audit import LedgerEntry, find_entries, inclusion_of
from gateway.web import audit_proofs
from gateway.web.audit_filters import read_filters, read_index
from gateway.web.audit_proofs import latest_checkpoint, problem_of, receipt_data
from gateway.web.pages import Pages

__all__ = ["PAGE_SIZE", "EntryRow", "routes"]

PAGE_SIZE = 50


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


def routes(pages: Pages) -> list[BaseRoute]:
    """The audit pages, for auditors."""
    service = pages.service

    async def audit(request: Request) -> Response:
        pages.require(request, Role.AUDITOR)
        language = pages.language(request)
        filters, errors = read_filters(language, request.query_params, service.agencies)
        checkpoint = latest_checkpoint(service)
        values: dict[str, Any] = {
            "checkpoint": checkpoint, "filters": filters, "errors": errors,
            "agencies": [(a.id, a.display_name(language))
                         for a in sorted(service.agencies.values(), key=lambda a: a.id)],
            "kinds": [(k, k) for k in sorted(k.value for k in EntryKind)],
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
        checkpoint = latest_checkpoint(service)
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
        problem = problem_of(receipt, checkpoint.verifier_key)
        return pages.render(request, "audit_entry.html", row=_row(found[0]), proof=proof,
                            checkpoint=checkpoint, problem=problem,
                            receipt=receipt_data(receipt, checkpoint.verifier_key))

    return [Route("/audit", audit), Route("/audit/entries/{index}", entry),
            *audit_proofs.routes(pages)]
