"""Issue 12 item 13: no IDENTITY value inside any text released without IDENTITY.

With STATUS + DETAILS but not IDENTITY, lee saw ana's case number masked (``A•••••5123``)
beside the agency's text "… Removal proceedings have begun for A-Number A201555123.". The SDK
now masks the case's identity values (names, dates of birth, A-numbers and other numbers) and
anything in the agency's number formats in every text, in every language.

The property tests run the real servicer (with a sealer that seals nothing, so the released
bytes are readable) over every code of every mapping table and over generated histories, with
identity values written into the agency's texts in many ways; the scenario test runs a real
courts adapter.
"""

from __future__ import annotations

import asyncio
import random
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from adapters.reference.catalog import REFERENCE_AGENCIES, profile, synthetic
from adapters.sdk import AdapterServicer, ConsentTokenVerifier, InMemoryCaseSource, MappingTable
from adapters.sdk.bounds import MAX_TEXT_LENGTH
from adapters.sdk.records import CaseRecord, EventRecord, IdentityTerms
from aggregator.consent.tokens import ConsentTokenIssuer
from aggregator.vault.key_files import load_or_create_ed25519
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import case_pb2
from caseline.v1.lib.key_wrap import public_jwk
from support.reference_adapter import TODAY, reference_stub, seeded_store
from support.sealing import LeaveUnsealed, open_sealed

SUBJECT = "psn_redaction"
_NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
READERS_WITHOUT_IDENTITY = (("STATUS",), ("STATUS", "DETAILS"))
_KEYS = Path(tempfile.mkdtemp(prefix="caseline-redaction-"))
ISSUER = ConsentTokenIssuer(load_or_create_ed25519(_KEYS / "consent.pem"))
ISSUER.write_jwks(_KEYS / "jwks.json", [public_jwk(X25519PrivateKey.generate().public_key())])
TABLES = {a: MappingTable.load(profile(a).mapping_path) for a in REFERENCE_AGENCIES}

_MONTHS = {"en": ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"),
           "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                  "septiembre", "octubre", "noviembre", "diciembre")}
# Parts of a name that are words of their own in English or Spanish, not names.
_PARTICLES = {"del", "der", "den", "dos", "das", "las", "les", "los", "van", "von", "bin", "ibn"}
_GROUP_SEPARATOR = "[ \\-./#\u00a0\u2010-\u2015]?"


# --- what a reader without IDENTITY must never find -------------------------------------------

def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    stripped = "".join(c for c in unicodedata.normalize("NFD", text)
                       if not unicodedata.combining(c))
    return stripped.lower()


def _dates(born: date) -> list[str]:
    d, m, y = born.day, born.month, born.year
    en, es = _MONTHS["en"][m - 1], _MONTHS["es"][m - 1]
    return [f"{en} {d}, {y}", f"{en[:3]} {d}, {y}", f"{d} {en} {y}", f"{d} de {es} de {y}",
            f"{m:02d}/{d:02d}/{y}", f"{m}/{d}/{y}", f"{d:02d}/{m:02d}/{y}", born.isoformat(),
            f"{es} {d}, {y}"]


def _name_words(name: str) -> list[str]:
    parts = [p for word in name.split() for p in {word, *word.split("-")}]
    return [" ".join(name.split()), *(p for p in parts if len(p) >= 3
                                      and _fold(p) not in _PARTICLES)]


def _numbers(record: CaseRecord) -> list[str]:
    return [n for n in (record.subject_ref, *record.identity.numbers) if n]


def leaks(record: CaseRecord, texts: list[str], agency: str) -> list[str]:
    """Identity values of ``record`` (and numbers in the agency's formats other than the
    case's own) found in ``texts``."""
    found = []
    own_is_identity = record.number in _numbers(record)
    formats = [re.compile(f.pattern.strip("^$"), re.IGNORECASE)
               for f in (*profile(agency).number_formats, *profile(agency).identifier_formats)]
    words = [(word, re.compile(rf"(?<![^\W_]){re.escape(_fold(word))}(?![^\W_])"))
             for name in record.identity.names for word in _name_words(name)]
    dates = [(d, _fold(d)) for born in record.identity.birth_dates for d in _dates(born)]
    # A number is there when its digits stand as a whole number, in groups or not (not as
    # the tail of a longer number, as a subject id's digits may be of a receipt number).
    numbers = [(n, re.compile("(?<![0-9])" + _GROUP_SEPARATOR.join(digits) + "(?![0-9])"))
               for n in _numbers(record)
               if len(digits := "".join(c for c in n if c.isdigit())) >= 5]
    for text in texts:
        folded = _fold(text)
        found += [f"name {word!r} in {text!r}" for word, pattern in words
                  if pattern.search(folded)]
        found += [f"birth date {d!r} in {text!r}" for d, form in dates if form in folded]
        found += [f"number {n!r} in {text!r}" for n, pattern in numbers
                  if pattern.search(text)]
        for pattern in formats:
            for match in pattern.finditer(text):
                if own_is_identity or match.group().upper() != record.number:
                    found.append(f"number {match.group()!r} in {text!r}")
    return found


# Not text: the case number is the caller's own key (the gateway masks it where it identifies
# the person); event ids are row ids or hashes, the rest are codes and dates.
_KEYS_AND_CODES = {"caseline.v1.Case.case_number", "caseline.v1.Case.case_type",
                   "caseline.v1.CaseEvent.event_id", "caseline.v1.CaseEvent.due_date",
                   "caseline.v1.LocalizedText.language", "caseline.v1.Hearing.time_zone"}


def released_texts(message: Any) -> list[str]:
    """Every text in a released message and the messages inside it."""
    texts: list[str] = []
    for field, value in message.ListFields():
        if field.type == field.TYPE_STRING and field.full_name not in _KEYS_AND_CODES:
            texts += list(value) if field.is_repeated else [value]
        elif field.type == field.TYPE_MESSAGE:
            for inner in (value if field.is_repeated else (value,)):
                texts += released_texts(inner)
    return texts


# --- writing identity values into agency texts ------------------------------------------------

def _number_writings(number: str) -> list[str]:
    digits = "".join(c for c in number if c.isdigit())
    head = number[:len(number) - len(number.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ-"))]
    groups = " ".join(digits[i:i + 3] for i in range(0, len(digits), 3))
    return [number, number.lower(), digits, f"{head}{groups}", f"{head}#{digits}",
            f"{head.rstrip('-')}-{'-'.join(digits[i:i + 3] for i in range(0, len(digits), 3))}"]


def writings(identity: IdentityTerms, subject_ref: str) -> list[str]:
    """Ways an agency's clerk might write each identity value into a text."""
    out: list[str] = []
    for name in identity.names:
        parts = name.split()
        out += [name, name.upper(), name.lower(), _fold(name), f"{parts[-1]}, {parts[0]}",
                *parts]
    for born in identity.birth_dates:
        out += _dates(born)
    for number in {subject_ref, *identity.numbers}:
        out += _number_writings(number)
    return out


FILLER = ("On", "the", "court", "received", "your", "notice", "for", "semana", "mañana",
          "Banana", "hearing", "en", "la", "de", "respondent", "Receipt", "Number", "A-Number",
          "born", "nacido", "el", "(", ")", ",", ".", ":")
GIVEN = ("Ana", "María", "José", "Wei", "Jean-Baptiste", "Olumide", "Zoë", "Nguyễn", "Raj")
FAMILY = ("Morales", "Núñez", "O'Brien", "Da Silva", "Okafor", "Al-Masri", "Peña", "Kowalski")


@st.composite
def identities(draw: st.DrawFn, subject_ref: str, own: str) -> IdentityTerms:
    """A person: realistic or random names, a date of birth, their other numbers."""
    letters = st.text(alphabet="abcdefghijklmnopqrstuvwxyzáéíñóúü", min_size=3, max_size=9)
    name = draw(st.one_of(
        st.builds(lambda g, f: f"{g} {f}", st.sampled_from(GIVEN), st.sampled_from(FAMILY)),
        st.builds(lambda g, f: f"{g.title()} {f.title()}", letters, letters)))
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 12, 31)))
    others = draw(st.lists(st.sampled_from(_OTHER_NUMBERS), max_size=2, unique=True))
    return IdentityTerms(names=(name,), birth_dates=(born,),
                         numbers=tuple(n for n in (subject_ref, *others) if n != own))


# Numbers of other cases and people, in each agency's formats.
_OTHER_NUMBERS = ("A098765432", "IOE0990000002", "EAC2612345678", "G-100-24218-604417",
                  "P-100-23263-318274", "A300001234")


@st.composite
def agency_text(draw: st.DrawFn, identity: IdentityTerms, subject_ref: str, base: str) -> str:
    """``base`` with identity values written in among filler words."""
    pieces = draw(st.lists(st.one_of(st.sampled_from(FILLER),
                                     st.sampled_from(writings(identity, subject_ref))),
                           min_size=1, max_size=12))
    return base + " " + " ".join(pieces)


# --- running the servicer ---------------------------------------------------------------------

def _servicer(agency: str, records: list[CaseRecord]) -> AdapterServicer:
    return AdapterServicer(profile(agency), InMemoryCaseSource(records), TABLES[agency],
                           ConsentTokenVerifier(agency, _KEYS / "jwks.json"), LeaveUnsealed(),
                           clock=lambda: _NOW)


def released(agency: str, records: list[CaseRecord]) -> Iterator[tuple[CaseRecord, list[str]]]:
    """Each record with every string released about it to readers without IDENTITY: the
    public lookup and subject reads under each scope set that lacks IDENTITY."""
    servicer = _servicer(agency, records)
    by_number = {r.number: r for r in records}

    async def run() -> list[tuple[str, case_pb2.Case]]:
        out: list[tuple[str, case_pb2.Case]] = []
        looked = await servicer.LookupCases(
            pb.LookupCasesRequest(case_numbers=list(by_number)), None)  # type: ignore[arg-type]
        out += [(r.case_info.case_number, r.case_info) for r in looked.results]
        for scopes in READERS_WITHOUT_IDENTITY:
            token = ISSUER.issue(agency_id=agency, subject=SUBJECT,
                                 case_numbers=list(by_number), scopes=scopes,
                                 purpose="REPRESENTATION", consent_id="c-lee")
            read = await servicer.ListSubjectCases(
                pb.ListSubjectCasesRequest(consent_token=token), None)  # type: ignore[arg-type]
            out += [(c.case_number, c) for c in read.cases]
        return out

    for number, case in asyncio.run(run()):
        yield by_number[number], released_texts(case)


def _table_cases(agency: str, identity: IdentityTerms, subject_ref: str,
                 texts: list[str]) -> list[CaseRecord]:
    """One case per program of the agency's table holding an event for every code it maps."""
    table = TABLES[agency]
    programs = sorted({(e.program or "") for e in table.entries})
    known_type = next(iter(profile(agency).case_types))
    cases = []
    for i, program in enumerate(programs):
        entries = [e for e in table.entries if (e.program or "") in ("", program)]
        number = _EXAMPLE_NUMBER[agency][i % len(_EXAMPLE_NUMBER[agency])]
        start = TODAY - timedelta(days=len(entries) + 1)
        events = tuple(
            EventRecord(occurred_at=datetime.combine(start + timedelta(days=k), time(15), UTC),
                code=e.code, text=texts[k % len(texts)], office=texts[(k + 1) % len(texts)],
                due_date=start + timedelta(days=k + 30), event_id=f"e{k}")
            for k, e in enumerate(entries))
        own = subject_ref if agency == "courts" else number
        cases.append(CaseRecord(number=own, case_type=program or known_type,
                                office="Office of " + texts[0][:40], subject_ref=subject_ref,
                                access_code="ABCD-EFGH-JKLM", events=events,
                                identity=identity))
    return cases


_EXAMPLE_NUMBER = {"immigration": ("IOE0990005555", "MSC2690005556"),
                   "courts": ("A201555123",),
                   "labor": ("G-100-26001-000101", "P-100-26001-000102", "I-200-26001-000103",
                             "H-300-26001-000104", "H-400-26001-000105", "C-500-26001-000106")}
_SUBJECT_REFS = {"immigration": "A201555123", "courts": "A201555123", "labor": "FW-12345678"}
# Bounded for CI; no shrinking, which on these large examples can run for minutes.
_PROPERTY = settings(max_examples=10, deadline=None,
                     phases=(Phase.explicit, Phase.reuse, Phase.generate),
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("agency", REFERENCE_AGENCIES)
@_PROPERTY
@given(data=st.data())
def test_no_identity_value_in_any_text_for_every_mapped_code(agency: str,
                                                            data: st.DataObject) -> None:
    """Every code of the agency's table, with identity values written into its texts: no
    identity value is in any string released without IDENTITY, in either language."""
    subject_ref = _SUBJECT_REFS[agency]
    own = subject_ref if agency == "courts" else ""
    identity = data.draw(identities(subject_ref, own))
    texts = data.draw(st.lists(agency_text(identity, subject_ref, "Status:"), min_size=1,
                               max_size=4))
    cases = _table_cases(agency, identity, subject_ref, texts)
    for record, strings in released(agency, cases):
        assert strings
        assert leaks(record, strings, agency) == []


@pytest.mark.parametrize("agency", REFERENCE_AGENCIES)
@_PROPERTY
@given(seed=st.integers(0, 2**32), serial=st.integers(0, 999_999), data=st.data())
def test_no_identity_value_in_generated_histories(agency: str, seed: int, serial: int,
                                                  data: st.DataObject) -> None:
    """Generated cases as seeding writes them (courts' texts name the A-number), with the
    person's names, birth date and numbers also written into some of their texts."""
    record = synthetic(agency).generate_case(random.Random(seed), serial, TODAY)
    texts = [data.draw(agency_text(record.identity, record.subject_ref, e.text))
             if data.draw(st.booleans()) else e.text for e in record.events]
    record = replace(record, events=tuple(replace(e, text=t)
                                          for e, t in zip(record.events, texts, strict=True)))
    for released_record, strings in released(agency, [record]):
        assert leaks(released_record, strings, agency) == []


def test_texts_over_the_limit_are_cut_without_half_a_number() -> None:
    """A huge agency text is bounded before any scan, and the cut leaves no digit group."""
    subject = "A201555123"
    text = "x " * (MAX_TEXT_LENGTH // 2 - 3) + "A 201 555 123 " + "y" * 100_000
    record = CaseRecord("A201555123", "REMOVAL", "Court", subject, "", (
        EventRecord(occurred_at=_NOW - timedelta(days=3), code="NOTICE TO APPEAR FILED",
                    text=text),), identity=IdentityTerms(numbers=(subject,)))
    for _, strings in released("courts", [record]):
        assert all(len(s) <= MAX_TEXT_LENGTH for s in strings)
        assert not any("201" in s or "555" in s for s in strings)


# --- the reported scenario over a real adapter ------------------------------------------------

@pytest.mark.integration
async def test_ana_court_case_shows_no_a_number_without_identity(
        tmp_path: Path, jwks_path: Path, issuer: ConsentTokenIssuer,
        custodian: X25519PrivateKey) -> None:
    """lee holds STATUS + DETAILS on ana's court case: the Notice to Appear's text says
    ``A•••••5123`` and nothing of hers; with IDENTITY the same text names the A-number."""
    store = seeded_store(tmp_path, "courts", cases=5)
    record = store.find_cases(["A201555123"], with_history=True)["A201555123"]
    assert "Ana Morales" in record.identity.names
    reads: dict[tuple[str, ...], case_pb2.Case] = {}
    async with reference_stub("courts", store, jwks_path) as stub:
        for scopes in (("STATUS", "DETAILS"), ("STATUS", "DETAILS", "IDENTITY")):
            token = issuer.issue(agency_id="courts", subject=SUBJECT,
                                 case_numbers=["A201555123"], scopes=scopes,
                                 purpose="REPRESENTATION", consent_id="c-lee")
            read = await stub.ListSubjectCases(pb.ListSubjectCasesRequest(consent_token=token))
            case = read.cases[0]
            open_sealed(case, custodian, agency="courts", subject=SUBJECT, scopes=scopes[1:])
            reads[scopes] = case
        looked = await stub.LookupCases(pb.LookupCasesRequest(case_numbers=["A201555123"]))
    lee = reads[("STATUS", "DETAILS")]
    notice = next(e for e in lee.events if e.status.agency_code == "NOTICE TO APPEAR FILED")
    assert notice.status.agency_text.endswith(
        "Removal proceedings have begun for A-Number A•••••5123.")
    assert leaks(record, released_texts(lee), "courts") == []
    assert leaks(record, released_texts(looked.results[0].case_info), "courts") == []
    holder = reads[("STATUS", "DETAILS", "IDENTITY")]
    assert any("A-Number A201555123." in e.status.agency_text for e in holder.events)


def test_the_redactor_names_every_string_field_a_case_is_released_in() -> None:
    """A string field added to the contract must be classified (scanned or not), so no new
    field of text leaves the agency unscanned."""
    from adapters.sdk.redaction import NOT_TEXT, TEXT_FIELDS

    seen: set[str] = set()

    def strings(descriptor: Any) -> set[str]:
        if descriptor.full_name in seen:
            return set()
        seen.add(descriptor.full_name)
        found = set()
        for field in descriptor.fields:
            if field.type == field.TYPE_STRING:
                found.add(field.full_name)
            elif field.type == field.TYPE_MESSAGE and field.message_type.full_name.startswith(
                    "caseline.v1."):
                found |= strings(field.message_type)
        return found

    released = strings(case_pb2.Case.DESCRIPTOR)
    assert released == TEXT_FIELDS | NOT_TEXT
    assert not TEXT_FIELDS & NOT_TEXT


async def test_unknown_codes_carrying_an_a_number_are_masked_in_lookups_and_the_stream(
) -> None:
    """An unmapped code travels as the agency wrote it (agency_code, a STATUS field): the
    public lookup and the change stream, which release STATUS only, mask the number in it."""
    subject = "A201555123"
    record = CaseRecord("A201555123", "REMOVAL", "Court", subject, "ABCD-EFGH-JKLM", (
        EventRecord(occurred_at=_NOW - timedelta(days=3),
                    code="Respondent A201555123 (Ana Morales) transferred", text="x"),),
        identity=IdentityTerms(names=("Ana Morales",), numbers=(subject,)))
    source = InMemoryCaseSource([record])
    servicer = _servicer("courts", [record])
    servicer.source = source
    looked = await servicer.LookupCases(
        pb.LookupCasesRequest(case_numbers=["A201555123"]), None)  # type: ignore[arg-type]
    assert looked.results[0].case_info.status.agency_code == (
        "Respondent A•••••5123 (•••) transferred")
    source.add_event("A201555123", EventRecord(
        occurred_at=_NOW - timedelta(days=1), code="Notice for A-201-555-123 returned",
        text="y"))
    stream = servicer.WatchChanges(pb.WatchChangesRequest(cursor="0"), None)  # type: ignore[arg-type]
    change = await anext(stream)
    await stream.aclose()
    assert change.event.status.agency_code == "Notice for A•••••5123 returned"
    assert leaks(record, released_texts(change.event), "courts") == []


def test_the_agencies_know_the_demo_personas_by_their_names() -> None:
    """The reference stores' identity terms name the same people the demo signs in as."""
    from adapters.reference.people import PERSONAS as KNOWN
    from deploy.demo.personas import PERSONAS

    for persona_id, identity in KNOWN.items():
        assert identity.names[0] == PERSONAS[persona_id].name
        records = [r for a in REFERENCE_AGENCIES
                   for r in synthetic(a).persona_cases(TODAY).get(persona_id, [])]
        assert records and all(r.identity.names == identity.names for r in records)


async def test_a_case_type_name_in_another_language_is_scanned_like_the_english() -> None:
    """An agency whose Spanish case-type name carries a person's number (its data is wrong,
    but it must not leak): the public lookup masks it there as in the English name."""
    subject = "A201555123"
    record = CaseRecord(subject, "REMOVAL", "Court", subject, "ABCD-EFGH-JKLM", (
        EventRecord(occurred_at=_NOW - timedelta(days=3), code="Hearing scheduled",
                    text="x"),), identity=IdentityTerms(names=("Ana Morales",),
                                                        numbers=(subject,)))
    servicer = _servicer("courts", [record])
    servicer.profile = replace(servicer.profile, case_types={"REMOVAL": "Removal of A201555123"},
                               case_type_names={"es": {"REMOVAL": "Expulsión de A201555123"}},
                               processing_targets={})
    looked = await servicer.LookupCases(
        pb.LookupCasesRequest(case_numbers=[subject]), None)  # type: ignore[arg-type]
    names = looked.results[0].case_info.case_type_names
    assert [(n.language, n.text) for n in names] == [
        ("en", "Removal of A•••••5123"), ("es", "Expulsión de A•••••5123")]
