"""The auditors' pages over a real ledger: checkpoint and key, filters and paging, an entry's
inclusion proof as a receipt (checked here with the verifier's own functions), consistency
proofs, pasted receipts, and who may open them."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path

import pytest

from aggregator.ledger.merkle import leaf_hash, verify_inclusion
from aggregator.ledger.note import NoteVerifier
from aggregator.ledger.storage import EntryFilter
from gateway.web import audit
from support.consent_world import ConsentWorld, audited_world
from support.shown_dates import moments_in_words, visible


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[ConsentWorld]:
    async with audited_world(tmp_path) as value:
        yield value


def _receipt(html: str) -> dict[str, str]:
    section = re.search(r'<section class="caseline-receipt"([^>]*)>', html)
    assert section, html
    return {name: unescape(value)
            for name, value in re.findall(r'data-([a-z-]+)="([^"]*)"', section.group(1))}


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


async def test_the_checkpoint_and_the_key_to_pin(world: ConsentWorld) -> None:
    """/audit shows the latest signed checkpoint and the verifier key with the command that
    pins it."""
    ledger = world.service.ledger
    response = await world.pages["audrey"].get("/audit")
    assert response.status_code == 200
    html = unescape(response.text)
    stored = ledger.checkpoint()
    assert stored is not None
    assert f"<dd>{stored.size}</dd>" in html and stored.note in html
    assert f"<dd><code>{ledger.origin}</code></dd>" in html
    assert f"caseline audit verify --url http://127.0.0.1 --key '{ledger.verifier_key()}'" in html
    assert "/static/receipt.js" not in html


async def test_entries_are_listed_with_links_to_their_proofs(world: ConsentWorld) -> None:
    """Every entry is a row linking to its inclusion proof, in a captioned table."""
    html = (await world.pages["audrey"].get("/audit")).text
    assert re.findall(r'href="/audit/entries/(\d+)"', html) == ["0", "1", "2", "3"]
    assert "<caption>Ledger entries, oldest first</caption>" in html
    assert '<th scope="col">Kind</th>' in html


@pytest.mark.parametrize(("query", "indexes"), [
    ({"kind": "consent"}, ["0"]),
    ({"kind": "access"}, ["1", "2", "3"]),
    ({"subject": "ana", "kind": "access"}, ["1", "2", "3"]),
    ({"grantee": "audrey"}, []),
    ({"agency": "immigration", "kind": "consent"}, ["0"]),
    ({"since": "2999-01-01"}, []),
    ({"until": "2000-01-01"}, []),
])
async def test_filters_narrow_the_entries(world: ConsentWorld, query: dict[str, str],
                                          indexes: list[str]) -> None:
    """Each filter keeps only the matching entries (an account id is pseudonymised)."""
    response = await world.pages["audrey"].get("/audit", params=query)
    assert response.status_code == 200
    assert re.findall(r'href="/audit/entries/(\d+)"', response.text) == indexes


async def test_a_pseudonym_filters_like_the_account_id(world: ConsentWorld) -> None:
    """The subject filter takes the pseudonym the entries hold."""
    pseudonym = world.service.pseudonym("lee")
    html = (await world.pages["audrey"].get("/audit", params={"grantee": pseudonym})).text
    assert re.findall(r'href="/audit/entries/(\d+)"', html) == ["0", "1", "2", "3"]


async def test_bad_filters_give_a_400_with_an_error_summary(world: ConsentWorld) -> None:
    """Bad values are a 400 page whose error summary links each problem to its field, and
    no entries are listed."""
    response = await world.pages["audrey"].get("/audit", params={
        "kind": "bogus", "since": "yesterday", "subject": "x" * 129, "agency": "nasa",
        "after": "-5"})
    assert response.status_code == 400
    html = unescape(response.text)
    assert "There is a problem" in html
    assert '<a class="usa-link" href="#kind">Kind: choose one of the list (access, consent, ' \
           'key, link).</a>' in html
    assert "From: a date as YYYY-MM-DD" in html
    assert "Pseudonym: at most 128 characters; you gave 129." in html
    assert '<a class="usa-link" href="#agency">Agency: choose one of the list (immigration)' \
           in html
    assert '<a class="usa-link" href="#after">After entry: an entry number' in html
    assert 'id="since-error"' in html and 'aria-describedby="since-hint since-error"' in html
    assert "/audit/entries/" not in html


async def test_a_range_that_ends_before_it_starts_is_refused(world: ConsentWorld) -> None:
    response = await world.pages["audrey"].get("/audit", params={
        "since": "2026-05-02", "until": "2026-05-01"})
    assert response.status_code == 400
    assert "Until: must be later than From." in response.text


async def test_paging_by_links(world: ConsentWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """With two entries a page, the next page follows the last entry shown, keeping the
    filters, and the last page has no next link."""
    monkeypatch.setattr(audit, "PAGE_SIZE", 2)
    client = world.pages["audrey"]
    first = (await client.get("/audit", params={"kind": "access"})).text
    assert re.findall(r'href="/audit/entries/(\d+)"', first) == ["1", "2"]
    following = re.search(r'href="([^"]+)">Next entries', first)
    assert following and unescape(following.group(1)) == "/audit?kind=access&after=2"
    second = (await client.get(unescape(following.group(1)))).text
    assert re.findall(r'href="/audit/entries/(\d+)"', second) == ["3"]
    assert "Next entries" not in second
    assert 'href="/audit?kind=access">First page' in second


async def test_the_entry_page_proves_inclusion_in_the_checkpoint(world: ConsentWorld) -> None:
    """The receipt markup's numbers verify with the ledger's own Merkle and note functions:
    the leaf hash is the entry's, the proof leads to the root, the key signed the note."""
    ledger = world.service.ledger
    response = await world.pages["audrey"].get("/audit/entries/2")
    assert response.status_code == 200
    html = response.text
    assert '<script src="/static/receipt.js" defer></script>' in html.split("</head>")[0]
    data = _receipt(html)
    stored = ledger.store.find(EntryFilter(after_index=1, limit=1))[0]
    assert _b64(data["leaf-hash"]) == leaf_hash(stored.leaf)
    assert data["leaf-index"] == "2" and data["key"] == ledger.verifier_key()
    checkpoint = NoteVerifier.from_vkey(data["key"]).open(data["checkpoint"])
    assert str(checkpoint.size) == data["tree-size"]
    assert checkpoint.root == _b64(data["root-hash"])
    proof = [_b64(h) for h in data["proof"].split(",") if h]
    verify_inclusion(_b64(data["leaf-hash"]), 2, checkpoint.size, proof, checkpoint.root)
    for text in ("text-ok", "text-bad", "text-unsupported"):
        assert data[text]
    assert 'class="caseline-receipt__result" aria-live="polite"' in html
    assert "Checked by the server" in html


async def test_a_missing_entry_is_a_404(world: ConsentWorld) -> None:
    for path in ("/audit/entries/99", "/audit/entries/abc", "/audit/entries/" + "9" * 30):
        response = await world.pages["audrey"].get(path)
        assert response.status_code == 404
        assert "receipt.js" not in response.text


@pytest.mark.parametrize("path", ["/audit", "/audit/entries/0", "/audit/consistency",
                                  "/audit/receipt"])
async def test_only_auditors_open_the_audit_pages(world: ConsentWorld, path: str) -> None:
    for person in ("ana", "lee"):
        response = await world.pages[person].get(path)
        assert response.status_code == 403
        assert "psn_" not in response.text


async def test_the_audit_page_in_spanish(world: ConsentWorld) -> None:
    html = (await world.pages["audrey"].get("/audit", params={"lang": "es"})).text
    assert '<html lang="es">' in html and "Auditar el registro" in html


@pytest.mark.parametrize("language", ["en", "es"])
async def test_times_are_the_readers_words_with_iso_alongside(world: ConsentWorld,
                                                              language: str) -> None:
    """The checkpoint's signing time and each entry's time, on the list and on an entry's
    page, in the reader's words; ISO only in the time elements' datetime."""
    listing = (await world.pages["audrey"].get("/audit", params={"lang": language})).text
    assert moments_in_words(listing, language) == 1 + 4  # the checkpoint, four entries
    entry = (await world.pages["audrey"].get("/audit/entries/2")).text
    assert moments_in_words(entry, language) == 1
    # The recorded fields stay as recorded (the hashed JSON, ISO within); nothing else is ISO.
    recorded = re.compile(r"<pre[^>]*>.*?</pre>", re.DOTALL)
    for page in (listing, recorded.sub("", entry)):
        assert not re.search(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}", visible(page))


async def test_the_policy_allows_only_this_sites_scripts(world: ConsentWorld) -> None:
    """receipt.js loads from this site; no inline script is allowed anywhere."""
    response = await world.pages["audrey"].get("/audit/entries/0")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.text and " style=" not in response.text
