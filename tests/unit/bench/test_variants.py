"""The benchmark's gateway variants (bench/variants.py): what production always does, each
leaves out, through bootstrap's overrides rather than a switch in production code."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from aggregator.consent.policy import Principal
from aggregator.consent.vocabulary import Role
from aggregator.vault.opening import CaseOpener, Release
from caseline.v1 import case_pb2
from support.http_gateway import CONFIG, NoCases

BENCH = Path(__file__).parents[3] / "bench"
SUBJECT = "psn_ana"


def _variants() -> ModuleType:
    # bench/ is scripts, not a package: loaded from its file.
    spec = importlib.util.spec_from_file_location("bench_variants", BENCH / "variants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


variants = _variants()


class Custodian:
    def __init__(self) -> None:
        self.private = X25519PrivateKey.generate()

    def unwrap(self, wrapped: bytes, data_key_id: str, custodian_kid: str,
               place: tuple[str, ...]) -> bytes:
        raise ValueError("nothing is sealed here")


def test_the_plaintext_opener_keeps_what_production_drops() -> None:
    """Sent unsealed, a sensitive field survives the bench's opener, not production's."""
    release = Release(SUBJECT, frozenset({"STATUS", "DETAILS"}))
    kept = case_pb2.Case(case_number="A201555123", office="New York Court")
    variants.PlaintextOpener(Custodian()).open("courts", kept, release)
    assert kept.office == "New York Court"
    dropped = case_pb2.Case(case_number="A201555123", office="New York Court")
    CaseOpener(Custodian()).open("courts", dropped, release)  # type: ignore[arg-type]
    assert dropped.office == ""


async def test_without_access_logging_a_read_leaves_the_ledger_as_it_was(
        tmp_path: Path) -> None:
    """The variant answers the read and records nothing; the baseline records it."""
    sizes = {}
    for name in ("without_access_logging", "baseline"):
        state = tmp_path / name
        service = variants.compose(name, CONFIG, state, adapters={"fake": NoCases()})
        try:
            service.store.add_link("ana", "fake", "FAK000001")
            before = service.ledger.size
            read = await service.read_timeline(Principal("ana", Role.APPLICANT), "ana")
            assert read.released == {"fake": frozenset({"STATUS", "DETAILS", "IDENTITY"})}
            sizes[name] = service.ledger.size - before
        finally:
            await service.close()
    assert sizes == {"without_access_logging": 0, "baseline": 1}


def test_every_variant_is_named_for_what_it_leaves_out() -> None:
    """The bench's comparisons name variants that exist."""
    assert set(variants.VARIANTS) == {"baseline", "without_access_logging",
                                      "without_sealing"}
