"""Per-subject keys on SQLite and PostgreSQL: sealing, versions, rotation, shredding."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from aggregator.vault import (
    KeyServiceError,
    LocalKeyService,
    ShreddedError,
    SubjectKeys,
    VaultError,
)
from aggregator.vault.kek_destruction import schedule
from aggregator.vault.tables import subject_keys as table
from caseline.v1.lib.sealed import SealError, key_id_of, seal_value

PLACE = ("link", "immigration", "ref_1")


def _rows(keys: SubjectKeys, subject_id: str) -> list[sa.Row[tuple[object, ...]]]:
    with keys.engine.connect() as conn:
        return list(conn.execute(sa.select(table).where(table.c.subject_id == subject_id)
                                 .order_by(table.c.version)).all())


def test_round_trip_names_the_key_version(subject_keys: SubjectKeys) -> None:
    """A value seals under sk-v1 of its subject and opens again."""
    sealed = subject_keys.seal("ana", b"IOE0912345678", PLACE)
    assert key_id_of(sealed) == "sk-v1"
    assert b"IOE0912345678" not in sealed
    assert subject_keys.open("ana", sealed, PLACE) == b"IOE0912345678"


_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=24)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plaintext=st.binary(max_size=300),
       place=st.lists(_text, min_size=1, max_size=4).map(tuple),
       other_place=st.lists(_text, min_size=1, max_size=4).map(tuple),
       subject=st.sampled_from(["ana", "raj", "lucía", "x" * 64]))
def test_values_open_only_for_their_subject_and_place(
        subject_keys: SubjectKeys, plaintext: bytes, place: tuple[str, ...],
        other_place: tuple[str, ...], subject: str) -> None:
    """Arbitrary values round-trip; moved to another place or subject they do not open."""
    sealed = subject_keys.seal(subject, plaintext, place)
    assert subject_keys.open(subject, sealed, place) == plaintext
    if other_place != place:
        with pytest.raises(SealError):
            subject_keys.open(subject, sealed, other_place)
    other = "zoe" if subject != "zoe" else "ana"
    subject_keys.seal(other, b"so that the other subject has keys too", place)
    with pytest.raises(SealError):
        subject_keys.open(other, sealed, place)


def test_swapped_between_subjects_they_do_not_open(subject_keys: SubjectKeys) -> None:
    """Both have a key sk-v1, yet ana's value under raj (and vice versa) is refused, as is a
    value of a version the subject does not have."""
    ana = subject_keys.seal("ana", b"ana's", PLACE)
    raj = subject_keys.seal("raj", b"raj's", PLACE)
    with pytest.raises(SealError):
        subject_keys.open("raj", ana, PLACE)
    with pytest.raises(SealError):
        subject_keys.open("ana", raj, PLACE)
    foreign = seal_value(b"\0" * 32, "sk-v7", b"x", (*PLACE, "ana"))
    with pytest.raises(SealError, match="has no key sk-v7"):
        subject_keys.open("ana", foreign, PLACE)
    not_ours = seal_value(b"\0" * 32, "dk_agency", b"x", (*PLACE, "ana"))
    with pytest.raises(SealError, match="not a subject key"):
        subject_keys.open("ana", not_ours, PLACE)


def test_encryptions_are_counted_and_the_limit_starts_a_new_version(
        engines: Callable[[], Engine], kms: LocalKeyService) -> None:
    """With a limit of 2, five values use sk-v1, sk-v1, sk-v2, sk-v2, sk-v3; all open, and
    the counts are in the database."""
    keys = SubjectKeys(engines(), kms, limit=2)
    sealed = [keys.seal("ana", f"value {i}".encode(), PLACE) for i in range(5)]
    assert [key_id_of(s) for s in sealed] == ["sk-v1", "sk-v1", "sk-v2", "sk-v2", "sk-v3"]
    assert [(r.version, r.encryptions) for r in _rows(keys, "ana")] == [(1, 2), (2, 2), (3, 1)]
    for i, value in enumerate(sealed):
        assert keys.open("ana", value, PLACE) == f"value {i}".encode()
    assert kms.encryptions("kek-1") == 3  # one wrap per key version


def test_sealing_many_counts_every_value_as_sealing_one_by_one(
        engines: Callable[[], Engine], kms: LocalKeyService) -> None:
    """``seal_many`` in one transaction: with a limit of 2 and one value already sealed,
    five more of ana's and two of raj's (interleaved) use the same versions and leave the
    same counts as sealing them one at a time; each opens under its own place."""
    keys = SubjectKeys(engines(), kms, limit=2)
    keys.seal("ana", b"first", PLACE)
    items = [("ana" if i % 3 else "raj", f"value {i}".encode(), ("n", str(i)))
             for i in range(7)]
    sealed = keys.seal_many(items)
    assert [key_id_of(s) for s in sealed] == [
        "sk-v1", "sk-v1", "sk-v2", "sk-v1", "sk-v2", "sk-v3", "sk-v2"]
    assert [(r.version, r.encryptions) for r in _rows(keys, "ana")] == [(1, 2), (2, 2), (3, 1)]
    assert [(r.version, r.encryptions) for r in _rows(keys, "raj")] == [(1, 2), (2, 1)]
    for (subject, plaintext, place), value in zip(items, sealed, strict=True):
        assert keys.open(subject, value, place) == plaintext
        with pytest.raises(SealError):
            keys.open(subject, value, PLACE)


def test_sealing_many_refuses_a_shredded_subject_and_counts_nothing(
        subject_keys: SubjectKeys) -> None:
    """One shredded subject in the batch: ShreddedError, and no count of the others moved
    (the transaction is rolled back)."""
    subject_keys.seal("raj", b"r", PLACE)
    subject_keys.shred("ana")
    with pytest.raises(ShreddedError):
        subject_keys.seal_many([("raj", b"r", PLACE), ("ana", b"a", PLACE)])
    assert [r.encryptions for r in _rows(subject_keys, "raj")] == [1]


def test_counts_survive_a_new_instance(subject_keys: SubjectKeys,
                                      other_process: Callable[[], SubjectKeys]) -> None:
    """Counting is durable: another instance continues from the stored count."""
    for _ in range(3):
        subject_keys.seal("ana", b"v", PLACE)
    other_process().seal("ana", b"v", PLACE)
    assert [r.encryptions for r in _rows(subject_keys, "ana")] == [4]


def test_rotation_and_rewrap_keep_data_readable(subject_keys: SubjectKeys,
                                                kms: LocalKeyService) -> None:
    """Seal, rotate the KEK, open; rewrap, open; new subjects wrap under the new KEK."""
    sealed = subject_keys.seal("ana", b"before rotation", PLACE)
    assert kms.rotate() == "kek-2"
    assert subject_keys.open("ana", sealed, PLACE) == b"before rotation"
    assert subject_keys.pending_rewrap() == 1
    assert subject_keys.rewrap() == 1
    assert subject_keys.pending_rewrap() == 0
    assert [r.kek_id for r in _rows(subject_keys, "ana")] == ["kek-2"]
    assert subject_keys.open("ana", sealed, PLACE) == b"before rotation"
    subject_keys.seal("raj", b"after", PLACE)
    assert [r.kek_id for r in _rows(subject_keys, "raj")] == ["kek-2"]
    assert subject_keys.rewrap() == 0


def test_an_interrupted_rewrap_resumes_in_a_new_instance(
        subject_keys: SubjectKeys, kms: LocalKeyService,
        other_process: Callable[[], SubjectKeys]) -> None:
    """rewrap(batch=1) moves one key per call; a new instance finishes the rest."""
    sealed = {s: subject_keys.seal(s, s.encode(), PLACE) for s in ("ana", "lin", "raj")}
    kms.rotate()
    assert subject_keys.rewrap(batch=1) == 1
    assert subject_keys.pending_rewrap() == 2
    resumed = other_process()
    assert resumed.pending_rewrap() == 2
    assert resumed.rewrap(batch=1) == 1
    assert resumed.rewrap(batch=10) == 1
    assert resumed.rewrap(batch=10) == 0
    assert subject_keys.pending_rewrap() == 0
    for subject, value in sealed.items():
        assert subject_keys.open(subject, value, PLACE) == subject.encode()
        assert resumed.open(subject, value, PLACE) == subject.encode()


def test_another_instance_rotates_and_this_one_follows(
        subject_keys: SubjectKeys, other_process: Callable[[], SubjectKeys]) -> None:
    """A key rewrapped under a KEK this instance has not seen yet still opens (the key
    service reloads its keyring)."""
    sealed = subject_keys.seal("ana", b"v", PLACE)
    cli = other_process()
    cli.kms.rotate()
    assert cli.rewrap() == 1
    assert subject_keys.open("ana", sealed, PLACE) == b"v"


def test_shredding_makes_data_unreadable_and_leaves_a_tombstone(
        subject_keys: SubjectKeys) -> None:
    """Every version goes; open and seal raise ShreddedError; others are untouched."""
    keys = SubjectKeys(subject_keys.engine, subject_keys.kms, limit=1)
    ana = [keys.seal("ana", b"a", PLACE) for _ in range(3)]
    raj = keys.seal("raj", b"r", PLACE)
    assert not keys.is_shredded("ana")
    assert keys.shred("ana") == 3
    assert keys.is_shredded("ana") and _rows(keys, "ana") == []
    for value in ana:
        with pytest.raises(ShreddedError, match="'ana' was shredded"):
            keys.open("ana", value, PLACE)
    with pytest.raises(ShreddedError):
        keys.seal("ana", b"new", PLACE)
    assert keys.open("raj", raj, PLACE) == b"r"
    assert keys.shred("ana") == 0
    assert keys.shred("never-seen") == 0 and keys.is_shredded("never-seen")
    assert issubclass(ShreddedError, VaultError) and issubclass(VaultError, ValueError)


def test_a_shred_by_another_process_takes_effect_on_the_next_open(
        subject_keys: SubjectKeys, other_process: Callable[[], SubjectKeys]) -> None:
    """Nothing unwrapped is cached: the very next open after a CLI shred fails."""
    sealed = subject_keys.seal("ana", b"v", PLACE)
    assert subject_keys.open("ana", sealed, PLACE) == b"v"
    assert other_process().shred("ana") == 1
    with pytest.raises(ShreddedError):
        subject_keys.open("ana", sealed, PLACE)


def test_an_altered_wrapped_key_is_refused(subject_keys: SubjectKeys) -> None:
    """A wrapped key edited in the database, or copied to another subject, does not unwrap
    (the wrap binds subject and version)."""
    sealed = subject_keys.seal("ana", b"v", PLACE)
    raj_value = subject_keys.seal("raj", b"w", PLACE)
    (ana_row,), (raj_row,) = _rows(subject_keys, "ana"), _rows(subject_keys, "raj")
    with subject_keys.engine.begin() as conn:
        conn.execute(sa.update(table).where(table.c.subject_id == "raj")
                     .values(wrapped=ana_row.wrapped))
    with pytest.raises(KeyServiceError, match="does not unwrap under kek-1"):
        subject_keys.open("raj", raj_value, PLACE)
    with subject_keys.engine.begin() as conn:
        conn.execute(sa.update(table).where(table.c.subject_id == "raj")
                     .values(wrapped=raj_row.wrapped[:-1] + bytes([raj_row.wrapped[-1] ^ 1])))
    with pytest.raises(KeyServiceError):
        subject_keys.open("raj", raj_value, PLACE)
    assert subject_keys.open("ana", sealed, PLACE) == b"v"


def test_status_counts_and_holds_no_key_bytes(subject_keys: SubjectKeys,
                                              kms: LocalKeyService) -> None:
    """Ids, primaries and counts for the CLI; none of the KEKs, wrapped or unwrapped
    subject keys appear in it, in any encoding."""
    for subject in ("ana", "raj", "lin"):
        subject_keys.seal(subject, b"v", PLACE)
    kms.rotate()
    subject_keys.rewrap(batch=1)
    subject_keys.shred("lin")
    status = subject_keys.status()
    pending = status.pop("pending_destructions")
    assert status == {
        "keks": [{"id": "kek-1", "primary": False, "encryptions": 3},
                 {"id": "kek-2", "primary": True, "encryptions": 1}],
        "subject_keys": 2, "subjects": 2, "pending_rewrap": 1, "shredded_subjects": 1,
        "destroyed_keks": 0, "subject_keys_under_destroyed_keks": 0}
    # lin's shred scheduled both KEKs (either may have wrapped lin's key) a day out.
    assert [(p["kek"], p["subject_keys_left"]) for p in pending] == [("kek-1", 1), ("kek-2", 1)]
    for item in pending:
        assert (datetime.fromisoformat(item["due_at"])
                - datetime.fromisoformat(item["scheduled_at"])) == timedelta(hours=24)
    dumped = json.dumps(status).encode()
    secrets = [k.key for k in kms.keyring.content().keks]
    for subject in ("ana", "raj"):
        for row in _rows(subject_keys, subject):
            secrets.append(row.wrapped)
            aad = b"".join(len(p.encode()).to_bytes(4, "big") + p.encode()
                           for p in ("caseline.vault.subject-key", subject, str(row.version)))
            secrets.append(kms.unwrap(row.kek_id, row.wrapped, aad))
    assert len(secrets) == 6
    for secret in secrets:
        for form in (secret, base64.b64encode(secret), base64.urlsafe_b64encode(secret),
                     secret.hex().encode()):
            assert form not in dumped


def test_subject_ids_are_checked(subject_keys: SubjectKeys) -> None:
    """Empty or longer than the column: refused with what is expected."""
    with pytest.raises(ValueError, match="1 to 64 characters"):
        subject_keys.seal("", b"v", PLACE)
    with pytest.raises(ValueError, match="1 to 64 characters, got 65"):
        subject_keys.shred("x" * 65)


def test_open_many_answers_each_value_as_open_would(subject_keys: SubjectKeys) -> None:
    """Values of several subjects and key versions open together; a value moved to another
    place, one of a shredded subject and a malformed one fail alone, with the error open
    raises."""
    ana = [subject_keys.seal("ana", f"a{i}".encode(), PLACE) for i in range(3)]
    raj = subject_keys.seal("raj", b"r", PLACE)
    zoe = subject_keys.seal("zoe", b"z", PLACE)
    subject_keys.shred("zoe")
    items = [("ana", v, PLACE) for v in ana] + [
        ("raj", raj, PLACE), ("raj", raj, ("elsewhere",)), ("zoe", zoe, PLACE),
        ("ana", b"not sealed", PLACE)]
    opened = subject_keys.open_many(items)
    assert opened[:4] == [b"a0", b"a1", b"a2", b"r"]
    for (subject, sealed, place), got in zip(items[4:], opened[4:], strict=True):
        with pytest.raises(ValueError) as single:
            subject_keys.open(subject, sealed, place)
        assert type(got) is type(single.value)
    assert isinstance(opened[5], ShreddedError)


def test_seal_many_refuses_a_batch_with_a_shredded_subject(subject_keys: SubjectKeys) -> None:
    """Nothing more is sealed for a shredded subject, in a batch as alone."""
    subject_keys.seal("zoe", b"z", PLACE)
    subject_keys.shred("zoe")
    with pytest.raises(ShreddedError):
        subject_keys.seal_many([("ana", b"a", PLACE), ("zoe", b"z", PLACE)])


def test_a_rewrap_leaves_alone_keys_shredded_or_moved_meanwhile(
        subject_keys: SubjectKeys, kms: LocalKeyService,
        other_process: Callable[[], SubjectKeys], monkeypatch: pytest.MonkeyPatch) -> None:
    """Between reading a batch and writing it back, another process shreds ana and moves
    raj: the batch's write touches neither (one statement for the batch, each row only if
    still under the KEK it was read under) and counts only lin."""
    for subject in ("ana", "raj", "lin"):
        subject_keys.seal(subject, b"v", PLACE)
    kms.rotate()
    other = other_process()
    wrap_many = kms.wrap_many

    def meanwhile(items: list[tuple[bytes, bytes]]) -> list[tuple[str, bytes]]:
        other.shred("ana")
        with other.engine.begin() as conn:
            conn.execute(sa.update(table).where(table.c.subject_id == "raj")
                         .values(kek_id="kek-x"))
        return wrap_many(items)

    monkeypatch.setattr(kms, "wrap_many", meanwhile)
    assert subject_keys.rewrap() == 1
    assert [r.kek_id for r in _rows(subject_keys, "raj")] == ["kek-x"]
    assert _rows(subject_keys, "ana") == []
    assert [r.kek_id for r in _rows(subject_keys, "lin")] == ["kek-2"]


def test_a_rewrap_drains_the_kek_scheduled_longest_ago_first(subject_keys: SubjectKeys,
                                                             kms: LocalKeyService) -> None:
    """zed's key under kek-1 (scheduled first) moves before amy's under kek-2, though a
    sweep in subject order would reach amy first: with shreds coming faster than a whole
    rewrap, the oldest KEK still drains and can be destroyed."""
    subject_keys.seal("zed", b"v", PLACE)
    kms.rotate()
    subject_keys.seal("amy", b"v", PLACE)
    kms.rotate()
    now = datetime.now(UTC)
    with subject_keys.engine.begin() as conn:
        schedule(conn, ["kek-2"], now, timedelta(hours=1))
        schedule(conn, ["kek-1"], now - timedelta(hours=1), timedelta(hours=1))
    assert subject_keys.rewrap(batch=1) == 1
    assert [r.kek_id for r in _rows(subject_keys, "zed")] == ["kek-3"]
    assert [r.kek_id for r in _rows(subject_keys, "amy")] == ["kek-2"]
    assert subject_keys.rewrap(batch=1) == 1 and subject_keys.rewrap(batch=1) == 0
