"""The audit filters: good values parsed, each bad one named, sizes checked first."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.web.audit_filters import read_filters, read_index

AGENCIES = ("immigration", "labor")


def test_good_filters_are_parsed() -> None:
    filters, errors = read_filters("en", {
        "subject": "psn_abc", "grantee": "lee", "agency": "labor", "kind": "access",
        "since": "2026-05-01", "until": "2026-05-01", "after": "41"}, AGENCIES)
    assert errors == []
    assert (filters.subject, filters.grantee, filters.agency, filters.kind) == \
        ("psn_abc", "lee", "labor", "access")
    # A date "until" includes that whole day.
    assert filters.since == datetime(2026, 5, 1, tzinfo=UTC)
    assert filters.until == datetime(2026, 5, 2, tzinfo=UTC)
    assert filters.after == 41
    assert filters.link(after=99) == ("/audit?subject=psn_abc&grantee=lee&agency=labor&"
                                      "kind=access&since=2026-05-01&until=2026-05-01&after=99")


def test_a_time_without_offset_is_utc_and_an_offset_is_kept() -> None:
    filters, errors = read_filters("en", {"since": "2026-05-01T10:30",
                                          "until": "2026-05-01T14:00+02:00"}, AGENCIES)
    assert errors == []
    assert filters.since == datetime(2026, 5, 1, 10, 30, tzinfo=UTC)
    assert filters.until is not None and filters.until.utcoffset() is not None


def test_each_bad_value_is_named_in_the_readers_language() -> None:
    _, errors = read_filters("es", {"subject": "a b", "grantee": "g" * 200, "agency": "x",
                                    "kind": "y", "since": "mañana", "after": "1e3"}, AGENCIES)
    by_field = {e.field: e.text for e in errors}
    assert set(by_field) == {"subject", "grantee", "agency", "kind", "since", "after"}
    assert by_field["grantee"] == "Beneficiario: como máximo 128 caracteres; usted escribió 200."
    assert by_field["kind"] == "Tipo: elija uno de la lista (access, consent, key, link)."


def test_an_overlong_time_is_refused_by_its_size() -> None:
    _, errors = read_filters("en", {"until": "2026-05-01" + " " * 0 + "T" + "0" * 60}, AGENCIES)
    assert [e.text for e in errors] == ["Until: at most 40 characters; you gave 71."]


def test_read_index() -> None:
    assert read_index("0") == 0 and read_index("123") == 123
    assert read_index("-1") is None and read_index("1.5") is None
    assert read_index("9" * 20) is None
