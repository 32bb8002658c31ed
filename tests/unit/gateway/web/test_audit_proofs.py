"""The auditors' proof pages over a real ledger: a consistency proof (checked here with the
verifier's own function) and pasted receipts checked by the server."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path
from typing import Any

import orjson
import pytest

from aggregator.ledger.merkle import verify_consistency
from gateway.schema.consent import Receipt
from support.consent_world import ConsentWorld, audited_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[ConsentWorld]:
    async with audited_world(tmp_path) as value:
        yield value


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _receipt_index(html: str) -> str:
    found = re.search(r'<section class="caseline-receipt"[^>]* data-leaf-index="(\d+)"', html)
    assert found, html
    return found.group(1)


async def test_consistency_proof_verifies(world: ConsentWorld) -> None:
    """The proof from size 1 to the latest checks out with verify_consistency."""
    ledger = world.service.ledger
    response = await world.pages["audrey"].get("/audit/consistency", params={"first": "1"})
    assert response.status_code == 200
    html = response.text
    hashes = re.findall(r'<code class="caseline-hash">([^<]+)</code></td>', html)
    size = ledger.size
    verify_consistency(1, size, ledger.root(1), ledger.root(size), [_b64(h) for h in hashes])
    assert hashes and "Checked by the server: the first tree is a prefix" in html


@pytest.mark.parametrize("query", [{"first": "0"}, {"first": "x"}, {"first": "3", "second": "2"},
                                   {"first": "1", "second": "999"}])
async def test_bad_consistency_sizes_are_a_400(world: ConsentWorld,
                                               query: dict[str, str]) -> None:
    response = await world.pages["audrey"].get("/audit/consistency", params=query)
    assert response.status_code == 400
    assert "There is a problem" in response.text


def _receipt_json(world: ConsentWorld, appended: Any) -> dict[str, Any]:
    receipt = Receipt.of(world.service.ledger, appended)
    return {"data": {"grantConsent": {"receipt": {
        "leafIndex": receipt.leaf_index, "treeSize": receipt.tree_size,
        "rootHash": receipt.root_hash, "inclusionProof": receipt.inclusion_proof,
        "leafHash": receipt.leaf_hash, "checkpoint": receipt.checkpoint}}}}


async def test_a_pasted_consent_receipt_is_checked(world: ConsentWorld) -> None:
    """A consent change's receipt (as GraphQL returns it) verifies on the server and is
    shown as receipt markup for the browser."""
    change = await world.grant()
    pasted = orjson.dumps(_receipt_json(world, change.appended)).decode()
    response = await world.pages["audrey"].post("/audit/receipt",
                                                data={"csrf_token": "t", "receipt": pasted})
    assert response.status_code == 200
    html = unescape(response.text)
    assert f"entry {change.appended.index} is in the ledger of " \
           f"{change.appended.tree_size} entries" in html
    assert "still holds this entry" in html
    assert _receipt_index(response.text) == str(change.appended.index)
    assert '<script src="/static/receipt.js" defer></script>' in html


async def test_a_tampered_receipt_is_not_verified(world: ConsentWorld) -> None:
    change = await world.grant()
    document = _receipt_json(world, change.appended)
    document["data"]["grantConsent"]["receipt"]["leafHash"] = base64.b64encode(
        b"\x00" * 32).decode()
    response = await world.pages["audrey"].post("/audit/receipt", data={
        "csrf_token": "t", "receipt": orjson.dumps(document).decode()})
    assert response.status_code == 200
    assert "Not verified" in response.text
    assert "does not lead to the root" in response.text


@pytest.mark.parametrize(("pasted", "says"), [
    ("", "Paste a receipt"), ("not json", "This is not JSON"),
    ('{"leafIndex": 1}', "This is not a receipt: the receipt lacks treeSize"),
    ("x" * 20_000, "at most 16384 characters")])
async def test_bad_pasted_receipts_are_a_400(world: ConsentWorld, pasted: str,
                                             says: str) -> None:
    response = await world.pages["audrey"].post("/audit/receipt",
                                                data={"csrf_token": "t", "receipt": pasted})
    assert response.status_code == 400
    assert says in unescape(response.text)


async def test_the_receipt_form_needs_the_csrf_token(world: ConsentWorld) -> None:
    response = await world.pages["audrey"].post("/audit/receipt", data={"receipt": "{}"})
    assert response.status_code == 403
