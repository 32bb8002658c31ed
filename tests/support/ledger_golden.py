"""Ledger entries whose bytes were recorded from the code before entries became typed values
(the pre-split ``Ledger`` and dict-returning builders), so tests can show that the builders,
the leaves, the stored columns and the signed checkpoints did not change by a byte."""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.consent.records import ConsentRecord
from aggregator.ledger.entries import (
    Entry,
    access_entry,
    consent_entry,
    key_entry,
    link_entry,
)
from aggregator.ledger.note import NoteSigner

__all__ = [
    "AT",
    "BODIES",
    "CHECKPOINT",
    "COLUMNS",
    "ENTRY_CONSENTS",
    "LEAF_HASHES",
    "ROOT",
    "cases",
    "signer",
]

KEY = bytes(range(32))
AT = datetime(2026, 11, 23, 1, 2, 3, 456789, tzinfo=UTC)
RECORD = ConsentRecord(
    id="cns_0001", version=3, subject_id="ana", grantee_id="lee", agencies=("labor", "courts"),
    scopes=("STATUS", "DETAILS"), purpose_code="LEGAL_REPRESENTATION",
    purpose_text="Représentation — asylum", valid_from=AT,
    valid_until=datetime(2027, 1, 1, tzinfo=UTC), state="ACTIVE", created_at=AT)


def signer() -> NoteSigner:
    """A fixed key, so the checkpoints are the same bytes on every run."""
    return NoteSigner("test.localhost/golden", Ed25519PrivateKey.from_private_bytes(bytes(32)))


def cases() -> list[tuple[str, Entry]]:
    """One entry per builder and per optional field, in the order they were appended."""
    return [
        ("consent", consent_entry(KEY, RECORD, "GRANTED", "psn_ana", "psn_lee")),
        # Before: the consent service set ``reason`` on the builder's dict.
        ("consent_reason", consent_entry(KEY, RECORD, "REVOKED", "psn_ana", "psn_lee",
                                         reason="SUBJECT_ERASED")),
        ("link", link_entry(KEY, "LINKED", "psn_ana", "immigration", "IOE0123456789")),
        ("link_actor_reason", link_entry(KEY, "LINK_REFUSED", "psn_ana", "courts", "A123456789",
                                         actor="psn_eve", reason="WRONG_ACCESS_CODE")),
        ("access_allow", access_entry(
            subject="psn_ana", actor="psn_lee", decision="ALLOW", agencies=["labor", "courts"],
            scopes={"STATUS", "DETAILS"}, consent_id="cns_0001", purpose="LEGAL_REPRESENTATION",
            opened={"DETAILS"}, consents=[("STATUS", "cns_0001"), ("DETAILS", "cns_0001")])),
        ("access_two_consents", access_entry(
            subject="psn_ana", actor="psn_lee", decision="ALLOW", agencies=["courts"],
            scopes=["DETAILS", "STATUS"], consent_id="cns_0001", purpose="LEGAL_REPRESENTATION",
            consents=[("STATUS", "cns_0001"), ("DETAILS", "cns_0002")])),
        ("access_deny", access_entry(
            subject="psn_ana", actor="psn_eve", decision="DENY", agencies=["immigration"],
            scopes=["STATUS"], consent_id=None, purpose="", reason="NO_CONSENT")),
        ("access_no_agencies", access_entry(
            subject="psn_ana", actor="psn_ana", decision="ALLOW", agencies=[], scopes=[],
            consent_id="self", purpose="SELF_ACCESS")),
        ("key_rotated", key_entry("ROTATED", key_id="kek-2026-11")),
        ("key_shredded", key_entry("SHREDDED", subject="psn_ana", count=3)),
        ("key_bare", key_entry("ROTATED")),
    ]


# Each entry's canonical bytes with its kind, before the ledger adds i, prev and at.
BODIES: dict[str, bytes] = {
    "consent": (
        b'{"agencies":["courts","labor"],"artefact":"dc0a6b88f6bbcdb629eeaabb268f7d59","co'
        b'nsent":"cns_0001","event":"GRANTED","grantee":"psn_lee","kind":"consent","purpos'
        b'e":"LEGAL_REPRESENTATION","scopes":["DETAILS","STATUS"],"subject":"psn_ana","val'
        b'id_from":"2026-11-23T01:02:03.456789+00:00","valid_until":"2027-01-01T00:00:00+0'
        b'0:00","version":3}'
    ),
    "consent_reason": (
        b'{"agencies":["courts","labor"],"artefact":"dc0a6b88f6bbcdb629eeaabb268f7d59","co'
        b'nsent":"cns_0001","event":"REVOKED","grantee":"psn_lee","kind":"consent","purpos'
        b'e":"LEGAL_REPRESENTATION","reason":"SUBJECT_ERASED","scopes":["DETAILS","STATUS"'
        b'],"subject":"psn_ana","valid_from":"2026-11-23T01:02:03.456789+00:00","valid_unt'
        b'il":"2027-01-01T00:00:00+00:00","version":3}'
    ),
    "link": (
        b'{"actor":"psn_ana","agency":"immigration","case":"case_95fa3a2dc30a1bf4d8bb2bc5a'
        b'ec5ddf9","event":"LINKED","kind":"link","subject":"psn_ana"}'
    ),
    "link_actor_reason": (
        b'{"actor":"psn_eve","agency":"courts","case":"case_e1ff4a9b7dc0835a3dfe072b3841bc'
        b'a0","event":"LINK_REFUSED","kind":"link","reason":"WRONG_ACCESS_CODE","subject":'
        b'"psn_ana"}'
    ),
    "access_allow": (
        b'{"actor":"psn_lee","agencies":["courts","labor"],"consent":"cns_0001","decision"'
        b':"ALLOW","kind":"access","opened":["DETAILS"],"purpose":"LEGAL_REPRESENTATION","'
        b'scopes":["DETAILS","STATUS"],"subject":"psn_ana"}'
    ),
    "access_two_consents": (
        b'{"actor":"psn_lee","agencies":["courts"],"consent":"cns_0001","consents":[{"cons'
        b'ent":"cns_0002","scope":"DETAILS"},{"consent":"cns_0001","scope":"STATUS"}],"dec'
        b'ision":"ALLOW","kind":"access","purpose":"LEGAL_REPRESENTATION","scopes":["DETAI'
        b'LS","STATUS"],"subject":"psn_ana"}'
    ),
    "access_deny": (
        b'{"actor":"psn_eve","agencies":["immigration"],"consent":null,"decision":"DENY","'
        b'kind":"access","purpose":"","reason":"NO_CONSENT","scopes":["STATUS"],"subject":'
        b'"psn_ana"}'
    ),
    "access_no_agencies": (
        b'{"actor":"psn_ana","agencies":[],"consent":"self","decision":"ALLOW","kind":"acc'
        b'ess","purpose":"SELF_ACCESS","scopes":[],"subject":"psn_ana"}'
    ),
    "key_rotated": (
        b'{"event":"ROTATED","key":"kek-2026-11","kind":"key"}'
    ),
    "key_shredded": (
        b'{"count":3,"event":"SHREDDED","kind":"key","subject":"psn_ana"}'
    ),
    "key_bare": (
        b'{"event":"ROTATED","kind":"key"}'
    ),
}

# The columns the writer stored: kind, subject, actor, agencies, consent.
COLUMNS: dict[str, tuple[str, str | None, str | None, str | None, str | None]] = {
    "consent": ('consent', 'psn_ana', 'psn_lee', ',courts,labor,', 'cns_0001'),
    "consent_reason": ('consent', 'psn_ana', 'psn_lee', ',courts,labor,', 'cns_0001'),
    "link": ('link', 'psn_ana', 'psn_ana', ',immigration,', None),
    "link_actor_reason": ('link', 'psn_ana', 'psn_eve', ',courts,', None),
    "access_allow": ('access', 'psn_ana', 'psn_lee', ',courts,labor,', 'cns_0001'),
    "access_two_consents": ('access', 'psn_ana', 'psn_lee', ',courts,', 'cns_0001'),
    "access_deny": ('access', 'psn_ana', 'psn_eve', ',immigration,', None),
    "access_no_agencies": ('access', 'psn_ana', 'psn_ana', None, 'self'),
    "key_rotated": ('key', None, None, None, None),
    "key_shredded": ('key', 'psn_ana', None, None, None),
    "key_bare": ('key', None, None, None, None),
}

# Appending cases() in order to a new ledger, signed by signer(), with the clock at AT.
LEAF_HASHES = [
    "21fb479b8c543dbb0f5f541bb5fb9a45521bb1d22377064fb3b77b525c94c1d3",
    "6afb9599f6c4ac48ecb912a831a338f395b119dd165ba90d60538cdbcf58eed5",
    "8b3cd09c192a673d0f8736dfda56e2c890d2528f89c6c84051aac6d2dbab1b49",
    "82f412a1cc7bbfac790b11a041d94d4edfe4875ba25f47a2176e3e9192f6e3bf",
    "5ae56a3979f28d44bdc732b2274a4c94975f0bcdf5195a31189ebd525fa0ae67",
    "67a94b28973abaa1fa01e641a6df92034b44c19b29e808379f48a191c4900a1b",
    "1ab99d382a48cd2b7521be1f239e45ecdd77eacd3cec217ed6b4d0e0cb49eb27",
    "c7683b412edf10ea5f56b980d0491c1039fc5d5e7df4988887670d47e25f2285",
    "6dd7eba9746cedd3b0704f693e26b49b6be792e9daca21d113c05fa34e62477d",
    "a60e9443e3e57a22db3ac7f406daf105dc429266d5da3054145124e50ddec99c",
    "d5654caff45f3160915b898a04d4f92748bfe53dda4b5ae15543774bc6d40005",
]
ENTRY_CONSENTS = [('cns_0002', 5)]
ROOT = "f85a55319026bc9b09f142a38c30f8a7904901aaae63b4a2b691e625560c3e3e"
CHECKPOINT = (
    "test.localhost/golden\n"
    "11\n"
    "+FpVMZAmvJsJ8UKjjDD4p5BJAaquY7SitpHmJVYMPj4=\n"
    "time 1795395723\n"
    "\n"
    "— test.localhost/golden tGzjloLOBkF2QY9e3c2LZwwR0N8rd5PW6va0bSpQZhBFfszzdjHfFAgp"
    "GpwoQoX9OE+VpI3WGS7UBG7c91W/nXhsLgY=\n"
)
