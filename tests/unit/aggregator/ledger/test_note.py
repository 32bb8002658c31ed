"""C2SP signed notes carrying tlog checkpoints: format, key hashes, refusals, and the
known-answer vectors published with golang.org/x/mod/sumdb/note."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.ledger.errors import NoteError
from aggregator.ledger.note import MAX_NOTE_BYTES, Checkpoint, NoteSigner, NoteVerifier

ORIGIN = "test.localhost/ledger"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
ROOT = hashlib.sha256(b"root").digest()
ROOT_B64 = base64.b64encode(ROOT).decode()
# The last base64 digit of 31 zero bytes and 0x01 is "E"; "F" differs only in padding bits.
NONCANONICAL_ROOT = base64.b64encode(bytes(31) + b"\x01").decode().replace("E=", "F=")

# golang.org/x/mod/sumdb/note (note.go package documentation and note_test.go): a note by
# PeterNeumann, his signer and verifier keys, and EnochRoot's countersignature. EnochRoot's
# key is the one derived from an all-zero seed (what the Go test's zero reader yields).
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
PETER_SIG = ("\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2p"
             "ZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
ENOCH_SIG = ("\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ov"
             "TG01oOTGwnWLox33WWd1RvMc+QQ=\n")


def _public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _signer(key: Ed25519PrivateKey = KEY, name: str = ORIGIN) -> NoteSigner:
    return NoteSigner(name, key)


def _verifier(key: Ed25519PrivateKey = KEY, name: str = ORIGIN) -> NoteVerifier:
    return NoteVerifier.from_vkey(_signer(key, name).verifier_key())


# -- format ---------------------------------------------------------------------------------

def test_round_trip() -> None:
    for checkpoint in (Checkpoint(ORIGIN, 0, hashlib.sha256(b"").digest()),
                       Checkpoint(ORIGIN, 5, ROOT, 1795400000),
                       Checkpoint(ORIGIN, 2**64 - 1, ROOT, 0, ("witness ok", "x y z")),
                       Checkpoint(ORIGIN, 7, ROOT, None, ("other extension",))):
        assert _verifier().open(_signer().sign(checkpoint)) == checkpoint


def test_the_note_is_the_c2sp_checkpoint_text_and_one_signature_line() -> None:
    note = _signer().sign(Checkpoint(ORIGIN, 5, ROOT, 1795400000))
    body, blank, signature_line = note.rpartition("\n\n")
    assert blank and body + "\n" == f"{ORIGIN}\n5\n{ROOT_B64}\ntime 1795400000\n"
    assert signature_line.startswith(f"\u2014 {ORIGIN} ") and signature_line.endswith("\n")
    raw = base64.b64decode(signature_line.removesuffix("\n").rsplit(" ", 1)[1], validate=True)
    assert len(raw) == 4 + 64
    # Key hash per signed-note.md: SHA-256(key name || "\n" || 0x01 || public key)[:4].
    key_hash = hashlib.sha256(ORIGIN.encode() + b"\n" + b"\x01" + _public(KEY)).digest()[:4]
    assert raw[:4] == key_hash
    KEY.public_key().verify(raw[4:], (body + "\n").encode())  # signs the text, not the "\n\n"
    encoded_key = base64.b64encode(b"\x01" + _public(KEY)).decode()
    assert _signer().verifier_key() == f"{ORIGIN}+{key_hash.hex()}+{encoded_key}"
    assert _verifier().key_hash == key_hash.hex()


@settings(max_examples=200)
@given(origin=st.text(st.characters(min_codepoint=0x20, exclude_categories=("Cs",)),
                      min_size=1, max_size=40),
       size=st.integers(0, 2**64 - 1), root=st.binary(min_size=32, max_size=32),
       signed_at=st.none() | st.integers(0, 2**40),
       extensions=st.lists(st.text(st.characters(min_codepoint=0x20,
                                                 exclude_categories=("Cs",)),
                                   min_size=1, max_size=20), max_size=3))
def test_body_and_parse_body_are_inverses(origin: str, size: int, root: bytes,
                                          signed_at: int | None, extensions: list[str]
                                          ) -> None:
    if signed_at is None and extensions and extensions[0].startswith("time "):
        extensions[0] = "x" + extensions[0]
    checkpoint = Checkpoint(origin, size, root, signed_at, tuple(extensions))
    body = checkpoint.body()
    assert Checkpoint.parse_body(body) == checkpoint
    assert Checkpoint.parse_body(body).body() == body


@pytest.mark.parametrize(("body", "error"), [
    (f"\n5\n{ROOT_B64}\n", "origin is empty"),
    (f"{ORIGIN}\n05\n{ROOT_B64}\n", "not a decimal"),
    (f"{ORIGIN}\n+5\n{ROOT_B64}\n", "not a decimal"),
    (f"{ORIGIN}\n\u0665\n{ROOT_B64}\n", "not a decimal"),  # an Arabic-Indic five
    (f"{ORIGIN}\n-1\n{ROOT_B64}\n", "not a decimal"),
    (f"{ORIGIN}\n{2**64}\n{ROOT_B64}\n", "0..2\\^64-1"),
    (f"{ORIGIN}\n5\n{ROOT_B64}", "end with a newline"),
    (f"{ORIGIN}\n5\n", "needs origin, size and root"),
    (f"{ORIGIN}\n5\n{ROOT_B64[:-4]}\n", "root hash has 30 bytes"),
    (f"{ORIGIN}\n5\n{ROOT_B64[:-2]}\n", "not standard base64"),
    (f"{ORIGIN}\n5\n{ROOT_B64[:-2]}é=\n", "not standard base64"),
    (f"{ORIGIN}\n5\n{NONCANONICAL_ROOT}\n", "canonical base64"),
    (f"{ORIGIN}\n5\n{ROOT_B64}\n\n", "extension line is empty"),
    (f"{ORIGIN}\n5\n{ROOT_B64}\ntime 017\n", "time '017' is not a decimal"),
    (f"{ORIGIN}\n5\n{ROOT_B64}\ntime \n", "time '' is not a decimal"),
    (f"{ORIGIN}\n5\n{ROOT_B64}\nbad\tline\n", "control character"),
])
def test_malformed_bodies_are_refused(body: str, error: str) -> None:
    with pytest.raises(NoteError, match=error):
        Checkpoint.parse_body(body.encode())


def test_parse_body_refuses_bytes_that_are_not_utf8() -> None:
    with pytest.raises(NoteError, match="UTF-8"):
        Checkpoint.parse_body(b"\xff\n5\n" + ROOT_B64.encode() + b"\n")


def test_time_is_read_only_from_the_first_extension_line() -> None:
    body = f"{ORIGIN}\n5\n{ROOT_B64}\nwitness\ntime 12\n".encode()
    checkpoint = Checkpoint.parse_body(body)
    assert checkpoint.signed_at is None and checkpoint.extensions == ("witness", "time 12")
    assert checkpoint.body() == body


@pytest.mark.parametrize(("fields", "error"), [
    (("", 1, ROOT), "origin is empty"),
    (("a\nb", 1, ROOT), "newline"),
    ((ORIGIN, -1, ROOT), "size must be"),
    ((ORIGIN, True, ROOT), "size must be"),
    ((ORIGIN, 1, ROOT[:31]), "32 bytes"),
    ((ORIGIN, 1, ROOT, -5), "time must be"),
    ((ORIGIN, 1, ROOT, None, ("",)), "extension line is empty"),
    ((ORIGIN, 1, ROOT, None, ("a\nb",)), "newline"),
    ((ORIGIN, 1, ROOT, None, ("time 5",)), "set signed_at instead"),
    ((ORIGIN, 1, ROOT, None, ("\ud800",)), "not valid Unicode"),
    (("\ud800", 1, ROOT), "not valid Unicode"),
])
def test_checkpoints_that_could_not_be_read_back_are_refused(fields: tuple[object, ...],
                                                             error: str) -> None:
    with pytest.raises(NoteError, match=error):
        Checkpoint(*fields)  # type: ignore[arg-type]


# -- refusals -------------------------------------------------------------------------------

def test_any_flipped_bit_anywhere_in_the_note_is_refused() -> None:
    note = _signer().sign(Checkpoint(ORIGIN, 123456, ROOT, 1795400000, ("ext",)))
    data = note.encode()
    verifier = _verifier()
    for position in range(len(data)):
        for bit in range(8):
            altered = bytearray(data)
            altered[position] ^= 1 << bit
            # Bytes that are no longer UTF-8 reach the API as lone surrogates.
            text = altered.decode("utf-8", "surrogateescape")
            with pytest.raises(NoteError):
                verifier.open(text)
                pytest.fail(f"byte {position} bit {bit} went unnoticed")


def test_another_keys_signature_is_refused() -> None:
    other = Ed25519PrivateKey.from_private_bytes(bytes(32))
    checkpoint = Checkpoint(ORIGIN, 5, ROOT, 1795400000)
    # Same name, another key: the key hash differs.
    with pytest.raises(NoteError, match="only by another key with the same name"):
        _verifier().open(_signer(other).sign(checkpoint))
    with pytest.raises(NoteError, match=f"no signature by {ORIGIN}\\+"):
        _verifier().open(_signer(other, "witness.example").sign(checkpoint))
    # Our key hash on someone else's signature.
    forged = _signer(other).sign(checkpoint)
    body, _, line = forged.rpartition("\n\n")
    raw = base64.b64decode(line.rsplit(" ", 1)[1])
    ours_hash = bytes.fromhex(_verifier().key_hash)
    forged = f"{body}\n\n\u2014 {ORIGIN} {base64.b64encode(ours_hash + raw[4:]).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        _verifier().open(forged)


def test_signatures_by_unknown_keys_are_ignored_but_ours_is_required() -> None:
    checkpoint = Checkpoint(ORIGIN, 5, ROOT, 1795400000)
    note = _signer().sign(checkpoint)
    witness = _signer(Ed25519PrivateKey.from_private_bytes(bytes(32)), "witness.example")
    witness_line = witness.sign(checkpoint).rpartition("\n\n")[2]
    body, _, ours = note.rpartition("\n\n")
    assert _verifier().open(f"{body}\n\n{witness_line}{ours}") == checkpoint
    assert _verifier().open(f"{body}\n\n{ours}{witness_line}") == checkpoint
    assert NoteVerifier.from_vkey(witness.verifier_key()).open(
        f"{body}\n\n{ours}{witness_line}") == checkpoint
    with pytest.raises(NoteError, match="no signature"):
        _verifier().open(f"{body}\n\n{witness_line}")
    # Unknown signers are ignored, but a malformed line still makes the note malformed.
    with pytest.raises(NoteError, match="malformed signature line"):
        _verifier().open(f"{body}\n\n{ours}- witness abc=\n")
    with pytest.raises(NoteError, match="not standard base64"):
        _verifier().open(f"{body}\n\n{ours}\u2014 witness ***\n")


@pytest.mark.parametrize(("note", "error"), [
    ("", "no blank line"),
    (f"{ORIGIN}\n5\n{ROOT_B64}\n", "no blank line"),
    (f"{ORIGIN}\n5\n{ROOT_B64}\n\n", "signature lines must follow"),
    (f"{ORIGIN}\n5\n{ROOT_B64}\n\n\u2014 {ORIGIN} AAAA", "signature lines must follow"),
    (f"{ORIGIN}\n5\n{ROOT_B64}\n\n\u2014 {ORIGIN} AAAA\n", "too short"),
    (f"{ORIGIN}\n5\n{ROOT_B64}\n\n\u2014 {ORIGIN}\n", "malformed signature line"),
    (f"{ORIGIN}\n5\n{ROOT_B64}\n\n\u2014 a+b AAAAAAAA\n", "malformed signature line"),
    (f"{ORIGIN}\r\n5\n{ROOT_B64}\n\n\u2014 {ORIGIN} AAAAAAAA\n", "control character"),
    (f"{ORIGIN}\n5\n{ROOT_B64}\n\n" + 101 * "\u2014 w AAAAAAAA\n", "more than 100"),
    ("\ud800\n\n\u2014 w AAAAAAAA\n", "not valid Unicode"),
])
def test_malformed_notes_are_refused(note: str, error: str) -> None:
    with pytest.raises(NoteError, match=error):
        _verifier().open(note)


def test_a_note_over_one_megabyte_is_refused() -> None:
    checkpoint = Checkpoint(ORIGIN, 5, ROOT, None, ("x" * 1000,) * 1100)
    with pytest.raises(NoteError, match="larger than"):
        _signer().sign(checkpoint)
    padding = "\u2014 w AAAAAAAA\n" * (MAX_NOTE_BYTES // 10)
    note = _signer().sign(Checkpoint(ORIGIN, 5, ROOT))
    with pytest.raises(NoteError, match="larger than"):
        _verifier().open(note + padding)
    # Counted in bytes: 400,000 em dashes are 1.2 MB of UTF-8.
    with pytest.raises(NoteError, match="larger than"):
        _verifier().open(note + "\u2014 w " + "\u2014" * 400_000 + "\n")


def test_a_signed_note_that_is_not_a_checkpoint_is_refused_by_open() -> None:
    note = _signer().sign_text("hello\nworld\n")
    assert _verifier().open_text(note) == "hello\nworld\n"
    with pytest.raises(NoteError, match="needs origin, size and root"):
        _verifier().open(note)
    with pytest.raises(NoteError, match="end with a newline"):
        _signer().sign_text("no newline")


@pytest.mark.parametrize(("vkey", "error"), [
    ("", "malformed verifier key"),
    (f"{ORIGIN}", "malformed verifier key"),
    (f"{ORIGIN}+abcd1234", "malformed verifier key"),
    (f"{ORIGIN}+abcd123+AAAA", "malformed verifier key"),
    (f"{ORIGIN}+abcd12345+AAAA", "malformed verifier key"),
    (f"{ORIGIN}+abcd123g+AAAA", "malformed verifier key"),
    ("+abcd1234+AAAA", "malformed verifier key"),
    ("bad name+abcd1234+AAAA", "malformed verifier key"),
    (f"{ORIGIN}+abcd1234+not base64!", "not standard base64"),
    (f"{ORIGIN}+abcd1234+{base64.b64encode(bytes([2]) + bytes(32)).decode()}",
     "algorithm byte 02"),
    (f"{ORIGIN}+abcd1234+{base64.b64encode(bytes([1]) + bytes(31)).decode()}",
     "holds 31 key bytes"),
    (PETER_VKEY.replace("c74f20a3", "c74f20a4"), "does not match its name and key"),
    (PETER_VKEY.replace("PeterNeumann", "PeterNeuman"), "does not match its name and key"),
])
def test_malformed_verifier_keys_are_refused(vkey: str, error: str) -> None:
    with pytest.raises(NoteError, match=error):
        NoteVerifier.from_vkey(vkey)


def test_key_names_must_be_valid() -> None:
    for name in ("", "a b", "a+b", "a\nb"):
        with pytest.raises(NoteError, match="key name"):
            NoteSigner(name, KEY)


# -- golang.org/x/mod/sumdb/note known answers -----------------------------------------------

def _go_signer() -> NoteSigner:
    name, raw = GO_SKEY.split("+")[2], base64.b64decode(GO_SKEY.split("+", 4)[4])
    assert raw[0] == 1
    return NoteSigner(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))


def test_go_known_answer_note_opens() -> None:
    assert NoteVerifier.from_vkey(PETER_VKEY).open_text(f"{GO_TEXT}\n{PETER_SIG}") == GO_TEXT
    assert NoteVerifier.from_vkey(PETER_VKEY).key_hash == "c74f20a3"
    with pytest.raises(NoteError, match="does not verify"):
        NoteVerifier.from_vkey(PETER_VKEY).open_text(
            f"{GO_TEXT.replace('cryptography', 'cryptographY')}\n{PETER_SIG}")


def test_go_known_answer_signing_is_reproduced() -> None:
    """Ed25519 is deterministic: the published key must give the published bytes."""
    signer = _go_signer()
    assert signer.verifier_key() == PETER_VKEY
    assert signer.sign_text(GO_TEXT) == f"{GO_TEXT}\n{PETER_SIG}"
    enoch = NoteSigner("EnochRoot", Ed25519PrivateKey.from_private_bytes(bytes(32)))
    assert enoch.verifier_key() == ENOCH_VKEY
    assert enoch.sign_text(GO_TEXT) == f"{GO_TEXT}\n{ENOCH_SIG}"


def test_go_doubly_signed_note_opens_with_either_key() -> None:
    note = f"{GO_TEXT}\n{PETER_SIG}{ENOCH_SIG}"
    assert NoteVerifier.from_vkey(PETER_VKEY).open_text(note) == GO_TEXT
    assert NoteVerifier.from_vkey(ENOCH_VKEY).open_text(note) == GO_TEXT
    with pytest.raises(NoteError, match="no signature by"):
        _verifier().open_text(note)
