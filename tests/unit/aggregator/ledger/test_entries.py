"""Typed ledger entries: one EntryKind per thing recorded, a frozen Entry, and builders whose
bytes and columns are exactly what the dict-returning builders wrote before."""

from __future__ import annotations

import pytest

from aggregator.ledger.encoding import canonical
from aggregator.ledger.entries import LEDGER_KEYS, Entry, EntryKind, access_entry, link_entry
from support import ledger_golden as golden


def test_entry_kinds_are_the_kinds_the_ledger_has_always_written() -> None:
    """The four kinds, with the strings stored in leaves and the kind column."""
    assert {kind.name: kind.value for kind in EntryKind} == {
        "CONSENT": "consent", "LINK": "link", "ACCESS": "access", "KEY": "key"}
    assert EntryKind.ACCESS == "access"  # a StrEnum: filters given a plain string still match


@pytest.mark.parametrize("name", sorted(golden.BODIES))
def test_each_builder_encodes_byte_for_byte_as_before(name: str) -> None:
    """Kind and fields encode to the bytes recorded from the pre-typed builders."""
    entry = dict(golden.cases())[name]
    assert canonical({**entry.fields, "kind": entry.kind.value}) == golden.BODIES[name]


@pytest.mark.parametrize("name", sorted(golden.COLUMNS))
def test_each_builder_fills_the_columns_the_writer_used_to_derive(name: str) -> None:
    """subject, actor (or grantee), agencies and consent: the same stored values as before."""
    entry = dict(golden.cases())[name]
    columns = (entry.kind.value, entry.subject, entry.actor, entry.agencies_column(),
               entry.consent)
    assert columns == golden.COLUMNS[name]


def test_the_leaf_adds_the_ledgers_own_keys_to_the_fields() -> None:
    """index, link and time go in beside kind and fields, and nothing else does."""
    entry = link_entry(golden.KEY, "LINKED", "psn_ana", "immigration", "IOE0123456789")
    leaf = entry.leaf_object(7, "cHJldg==", "2026-11-23T01:02:03.456789+00:00")
    assert set(leaf) == set(entry.fields) | LEDGER_KEYS
    assert (leaf["kind"], leaf["i"], leaf["prev"], leaf["at"]) == (
        "link", 7, "cHJldg==", "2026-11-23T01:02:03.456789+00:00")


@pytest.mark.parametrize("key", sorted(LEDGER_KEYS))
def test_fields_may_not_hold_the_ledgers_own_keys(key: str) -> None:
    """A field named like a key the ledger writes would be overwritten: refused up front."""
    with pytest.raises(ValueError, match=f"may not hold the ledger's own keys: {key}$"):
        Entry(EntryKind.ACCESS, {key: 1})


def test_an_entry_is_a_value_its_fields_cannot_change() -> None:
    """The builder's dict is copied and read-only: what was queued is what is encoded."""
    fields: dict[str, object] = {"n": 1}
    entry = Entry(EntryKind.ACCESS, fields)
    fields["n"] = 2
    assert entry.fields == {"n": 1}
    with pytest.raises(TypeError):
        entry.fields["n"] = 3  # type: ignore[index]
    with pytest.raises(AttributeError):
        entry.kind = EntryKind.KEY  # type: ignore[misc]


def test_a_kind_given_as_text_becomes_an_entry_kind_and_an_unknown_one_is_refused() -> None:
    """Only the four kinds exist."""
    assert Entry("link", {}).kind is EntryKind.LINK  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'audit' is not a valid EntryKind"):
        Entry("audit", {})  # type: ignore[arg-type]


def test_an_access_entry_under_one_consent_names_no_consents_field() -> None:
    """The common read stays as short as before: per-scope consents only when they differ."""
    entry = access_entry(subject="psn_a", actor="psn_b", decision="ALLOW", agencies=["labor"],
                         scopes=["STATUS"], consent_id="c1", purpose="P",
                         consents=[("STATUS", "c1")])
    assert "consents" not in entry.fields
    assert entry.agencies == ("labor",) and entry.agencies_column() == ",labor,"


def test_entries_without_agencies_store_no_agencies_column() -> None:
    """None, not ",,": an agency filter must not match them."""
    assert Entry(EntryKind.KEY, {"event": "ROTATED"}).agencies_column() is None
