"""The local key service: wraps under the primary KEK, counts, rotates, and follows changes
another process makes to the keyring."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregator.vault import (
    KekDestroyedError,
    Keyring,
    KeyService,
    KeyServiceError,
    LocalKeyService,
)


def test_local_service_is_a_key_service(kms: LocalKeyService) -> None:
    """It satisfies the protocol a deployment's external KMS would implement."""
    service: KeyService = kms
    assert service.primary_id() == "kek-1"
    assert service.key_ids() == ["kek-1"]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=st.binary(max_size=64), aad=st.binary(max_size=64),
       other=st.binary(max_size=64))
def test_wrap_round_trips_only_with_its_aad(kms: LocalKeyService, secret: bytes, aad: bytes,
                                            other: bytes) -> None:
    """What is wrapped unwraps with the same aad, and with no other."""
    kek_id, blob = kms.wrap(secret, aad)
    assert kms.unwrap(kek_id, blob, aad) == secret
    if other != aad:
        with pytest.raises(KeyServiceError, match="does not unwrap"):
            kms.unwrap(kek_id, blob, other)


def test_a_blob_does_not_open_under_another_kek_id(kms: LocalKeyService) -> None:
    """The KEK id is bound too: a blob relabelled with another id is refused."""
    _, blob = kms.wrap(b"k" * 32, b"aad")
    kms.rotate()
    with pytest.raises(KeyServiceError):
        kms.unwrap("kek-2", blob, b"aad")


def test_every_wrap_is_counted_durably(kms: LocalKeyService, keyring_path: Path,
                                       environ: dict[str, str]) -> None:
    """Counts live in the keyring: a new instance reads them."""
    for _ in range(3):
        kms.wrap(b"k" * 32, b"aad")
    kms.unwrap("kek-1", kms.wrap(b"k" * 32, b"aad")[1], b"aad")
    assert kms.encryptions("kek-1") == 4
    assert LocalKeyService(Keyring(keyring_path, environ=environ)).encryptions("kek-1") == 4


def test_reaching_the_limit_rotates_and_old_blobs_still_unwrap(keyring: Keyring) -> None:
    """With a limit of 2 the third wrap goes to a new primary KEK."""
    kms = LocalKeyService(keyring, limit=2)
    blobs = [kms.wrap(bytes([i]) * 32, b"aad") for i in range(3)]
    assert [kek_id for kek_id, _ in blobs] == ["kek-1", "kek-1", "kek-2"]
    assert kms.primary_id() == "kek-2"
    assert (kms.encryptions("kek-1"), kms.encryptions("kek-2")) == (2, 1)
    for i, (kek_id, blob) in enumerate(blobs):
        assert kms.unwrap(kek_id, blob, b"aad") == bytes([i]) * 32


def test_the_default_limit_is_well_below_the_gcm_bound(kms: LocalKeyService) -> None:
    """2^30 wraps per KEK, a quarter of NIST SP 800-38D's 2^32 for random nonces."""
    assert kms.limit == 2**30


def test_rotation_keeps_old_keks(kms: LocalKeyService) -> None:
    """After rotate, new wraps use the new KEK and old blobs still unwrap."""
    old = kms.wrap(b"o" * 32, b"aad")
    assert kms.rotate() == "kek-2"
    new = kms.wrap(b"n" * 32, b"aad")
    assert (old[0], new[0]) == ("kek-1", "kek-2")
    assert kms.unwrap(*old, b"aad") == b"o" * 32
    assert kms.key_ids() == ["kek-1", "kek-2"]


def test_another_instance_sees_a_rotation_by_reloading(kms: LocalKeyService,
                                                       keyring_path: Path,
                                                       environ: dict[str, str]) -> None:
    """A KEK added by another process is found on one reload; an id nobody has fails
    clearly."""
    other = LocalKeyService(Keyring(keyring_path, environ=environ))
    assert kms.keyring.content().primary_kek == "kek-1"  # cached before the rotation
    other.rotate()
    kek_id, blob = other.wrap(b"r" * 32, b"aad")
    assert kek_id == "kek-2"
    assert kms.unwrap(kek_id, blob, b"aad") == b"r" * 32
    with pytest.raises(KeyServiceError, match=r"unknown key-encryption key 'kek-9'.*kek-1, kek-2"):
        kms.unwrap("kek-9", blob, b"aad")


def test_invalid_limit_is_refused(keyring: Keyring) -> None:
    """A limit below one could never wrap."""
    with pytest.raises(ValueError, match="at least 1"):
        LocalKeyService(keyring, limit=0)


_WRAPPER = """
import sys
from pathlib import Path
from aggregator.vault import Keyring, LocalKeyService
kms = LocalKeyService(Keyring(Path(sys.argv[1])))
sys.stdin.readline()  # start together with the other process
for _ in range(int(sys.argv[2])):
    kms.wrap(b"k" * 32, b"aad")
"""


def test_two_processes_wrapping_at_once_lose_no_count(keyring_path: Path,
                                                      environ: dict[str, str]) -> None:
    """The lock and re-read make concurrent read-modify-writes add up exactly."""
    kms = LocalKeyService(Keyring(keyring_path, environ=environ))
    env = {**os.environ, **environ}
    workers = [subprocess.Popen([sys.executable, "-c", _WRAPPER, str(keyring_path), "40"],
                                stdin=subprocess.PIPE, env=env) for _ in range(2)]
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(b"go\n")
        worker.stdin.close()
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    assert kms.encryptions("kek-1") == 80


def test_a_destroyed_kek_never_unwraps_again(kms: LocalKeyService, keyring_path: Path,
                                            environ: dict[str, str]) -> None:
    """Versioned destruction: after destroy(kek-1) its blobs are refused with an error that
    says so, here and in a new instance; other KEKs keep unwrapping."""
    _, old = kms.wrap(b"o" * 32, b"aad")
    kms.rotate()
    _, new = kms.wrap(b"n" * 32, b"aad")
    kms.destroy("kek-1")
    for service in (kms, LocalKeyService(Keyring(keyring_path, environ=environ))):
        with pytest.raises(KekDestroyedError, match="kek-1 was destroyed at"):
            service.unwrap("kek-1", old, b"aad")
        assert service.unwrap("kek-2", new, b"aad") == b"n" * 32
        assert service.key_ids() == ["kek-2"]
        assert service.destroyed_ids() == ["kek-1"]
    kms.destroy("kek-1")  # again: nothing to do
    assert kms.destroyed_ids() == ["kek-1"]


def test_destruction_refuses_the_primary_and_unknown_keks(kms: LocalKeyService) -> None:
    with pytest.raises(KeyServiceError, match="primary"):
        kms.destroy("kek-1")
    with pytest.raises(KeyServiceError, match="no key-encryption key 'kek-9'"):
        kms.destroy("kek-9")
    assert kms.key_ids() == ["kek-1"] and kms.destroyed_ids() == []


def test_a_destroyed_kek_leaves_the_file_and_its_id_is_not_reused(
        kms: LocalKeyService, keyring_path: Path, environ: dict[str, str]) -> None:
    """The key material is gone from the keyring file itself (decrypted, no byte of it is
    left), and the next rotation takes a new id rather than the destroyed one's."""
    kms.rotate()
    kms.rotate()
    doomed = kms.keyring.content().kek("kek-3")
    assert doomed is not None
    kms.rotate()
    kms.destroy("kek-3")
    kms.destroy("kek-1")
    reread = Keyring(keyring_path, environ=environ).content()
    assert [k.id for k in reread.keks] == ["kek-2", "kek-4"]
    assert doomed.key not in str(reread.to_json()).encode()
    assert base64.b64encode(doomed.key).decode() not in str(reread.to_json())
    assert kms.rotate() == "kek-5"


def test_a_running_process_drops_a_kek_another_destroys(keyring_path: Path,
                                                        environ: dict[str, str]) -> None:
    """A process that read kek-1 (it unwrapped under it) refuses it at its next unwrap once
    another process destroyed it: the keyring is checked for changes on every unwrap."""
    gateway = LocalKeyService(Keyring(keyring_path, environ=environ))
    _, blob = gateway.wrap(b"k" * 32, b"aad")
    assert gateway.unwrap("kek-1", blob, b"aad") == b"k" * 32
    operator = LocalKeyService(Keyring(keyring_path, environ=environ))
    operator.rotate()
    operator.destroy("kek-1")
    with pytest.raises(KekDestroyedError):
        gateway.unwrap("kek-1", blob, b"aad")


def test_wrap_many_counts_and_rotates_as_one_by_one(keyring: Keyring) -> None:
    """A batch is counted wrap by wrap, in one keyring write: with a limit of 2, five wraps
    fill kek-1, kek-2 and start kek-3, and each blob unwraps under the KEK it names."""
    kms = LocalKeyService(keyring, limit=2)
    items = [(bytes([i]) * 32, f"aad-{i}".encode()) for i in range(5)]
    wrapped = kms.wrap_many(items)
    assert [kek_id for kek_id, _ in wrapped] == ["kek-1", "kek-1", "kek-2", "kek-2", "kek-3"]
    assert [kms.encryptions(k) for k in kms.key_ids()] == [2, 2, 1]
    for (kek_id, blob), (secret, aad) in zip(wrapped, items, strict=True):
        assert kms.unwrap(kek_id, blob, aad) == secret
    assert kms.wrap_many([]) == []
