"""The conformance kit, run against every reference adapter and against a broken one."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import grpc
import pytest

from adapters.conformance import CHECKS, CheckResult, run_checks
from adapters.reference.catalog import REFERENCE_AGENCIES, profile
from adapters.reference.demo_store import DemoStore
from adapters.reference.seed import seed_store
from adapters.sdk import AdapterServer, AdapterServicer, build_servicer
from aggregator.consent.tokens import ConsentTokenIssuer
from aggregator.vault.key_files import load_or_create_ed25519
from caseline.v1 import agency_adapter_pb2 as pb
from support.english_only import EnglishOnlyServicer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small seeded stores, one per reference agency, and a JWKS beside them."""
    root = tmp_path_factory.mktemp("conformance")
    issuer = ConsentTokenIssuer(load_or_create_ed25519(root / "consent.pem"))
    issuer.write_jwks(root / "jwks.json")
    paths = {a: root / f"{a}.sqlite3" for a in REFERENCE_AGENCIES}
    for agency_id, path in paths.items():
        seed_store(path, agency_id, cases=20, seed=3, today=date(2026, 11, 1), progress=False)
    return paths


async def _serve(servicer: AdapterServicer) -> AsyncIterator[str]:
    server = AdapterServer(servicer)
    port = await server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await server.stop(0)


@pytest.mark.parametrize("agency_id", REFERENCE_AGENCIES)
async def test_reference_adapter_passes_every_check(agency_id: str,
                                                   stores: dict[str, Path]) -> None:
    """Each reference adapter meets every contract requirement the kit checks."""
    servicer = build_servicer(profile(agency_id), DemoStore(stores[agency_id]),
                              stores[agency_id].parent / "jwks.json")
    async for address in _serve(servicer):
        results = await run_checks(address)
    assert [r for r in results if not r.passed] == []
    assert len(results) == len(CHECKS)


class LeakyServicer(AdapterServicer):
    """Breaks one rule: public lookups include the full history."""

    async def LookupCases(self, request: pb.LookupCasesRequest,
                          context: grpc.aio.ServicerContext[object, object]
                          ) -> pb.LookupCasesResponse:
        response = await super().LookupCases(request, context)
        for result in response.results:
            if result.HasField("case_info"):
                result.case_info.events.add(event_id="leak")
        return response


async def test_a_broken_adapter_fails_the_check_named_after_the_rule(
        stores: dict[str, Path]) -> None:
    """An adapter leaking history in public lookups fails exactly that check."""
    base = build_servicer(profile("courts"), DemoStore(stores["courts"]),
                          stores["courts"].parent / "jwks.json")
    leaky = LeakyServicer(base.profile, base.source, base.table, base.verifier, base.sealer)
    async for address in _serve(leaky):
        results = await run_checks(address)
    assert [r.name for r in results if not r.passed] == ["public_lookups_carry_no_history"]


class TrustingBatchServicer(AdapterServicer):
    """Breaks one rule: a batch answers every request, token or not."""

    async def BatchListSubjectCases(self, request: pb.BatchListSubjectCasesRequest,
                                    context: grpc.aio.ServicerContext[object, object]
                                    ) -> pb.BatchListSubjectCasesResponse:
        return pb.BatchListSubjectCasesResponse(results=[
            pb.SubjectCasesResult(response=pb.ListSubjectCasesResponse())
            for _ in request.requests])


async def test_a_batch_that_skips_consent_fails_its_check(stores: dict[str, Path]) -> None:
    base = build_servicer(profile("labor"), DemoStore(stores["labor"]),
                          stores["labor"].parent / "jwks.json")
    trusting = TrustingBatchServicer(base.profile, base.source, base.table, base.verifier,
                                     base.sealer)
    async for address in _serve(trusting):
        results = await run_checks(address)
    failed = [r for r in results if not r.passed]
    assert [r.name for r in failed] == ["batched_subject_requests_are_answered_one_by_one"]
    assert "request 0 released cases without a valid consent token" in failed[0].detail


def test_check_command_reports_an_unreachable_adapter(tmp_path: Path) -> None:
    """`caseline adapter check` exits non-zero and says why when nothing answers."""
    from deploy.processes.launcher import free_port

    result = subprocess.run(
        [sys.executable, "-m", "deploy.cli", "adapter", "check", f"127.0.0.1:{free_port()}"],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=60)
    assert result.returncode == 1
    assert "FAIL describe_identifies_the_agency: Describe failed: UNAVAILABLE" in result.stdout


async def _failed_checks(kind: type[AdapterServicer], agency_id: str,
                         stores: dict[str, Path]) -> list[CheckResult]:
    """The checks an adapter served by ``kind`` over the agency's store fails."""
    base = build_servicer(profile(agency_id), DemoStore(stores[agency_id]),
                          stores[agency_id].parent / "jwks.json")
    servicer = kind(base.profile, base.source, base.table, base.verifier, base.sealer)
    async for address in _serve(servicer):
        results = await run_checks(address)
    return [r for r in results if not r.passed]


class BadTagServicer(AdapterServicer):
    """Breaks one rule: a case type's Spanish name is tagged "Spanish" and another is empty."""

    async def Describe(self, request: pb.DescribeRequest,
                       context: grpc.aio.ServicerContext[object, object]) -> pb.DescribeResponse:
        response = await super().Describe(request, context)
        response.case_types[0].names.add(language="Spanish", text="Procedimiento")
        return response


async def test_a_malformed_language_tag_fails_the_localized_texts_check(
        stores: dict[str, Path]) -> None:
    """An agency text tagged with something that is not a BCP 47 tag fails that check, and
    says which text."""
    failed = await _failed_checks(BadTagServicer, "courts", stores)
    assert [r.name for r in failed] == ["localized_texts_are_well_formed"]
    assert "case type REMOVAL: language 'Spanish'" in failed[0].detail


async def test_an_adapter_without_localized_texts_still_conforms(
        stores: dict[str, Path]) -> None:
    """The new fields are additive: an adapter that sends none passes every check."""
    assert await _failed_checks(EnglishOnlyServicer, "labor", stores) == []
