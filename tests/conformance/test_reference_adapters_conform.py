"""The conformance kit, run in full against every reference adapter and against broken ones."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from adapters.conformance import CHECKS, ConsentSigner
from adapters.reference.catalog import REFERENCE_AGENCIES, profile
from adapters.reference.demo_store import DemoStore
from adapters.sdk import AdapterServicer, build_servicer
from caseline.v1 import agency_adapter_pb2 as pb
from support.conformance_kit import checked, failed_checks, serving
from support.english_only import EnglishOnlyServicer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize("agency_id", REFERENCE_AGENCIES)
async def test_reference_adapter_passes_every_check(agency_id: str, stores: dict[str, Path],
                                                   signer: ConsentSigner) -> None:
    """Each reference adapter meets every contract requirement the kit checks, all run."""
    results = await checked(AdapterServicer, agency_id, stores, signer)
    assert [r for r in results if not r.passed] == []
    assert [r.name for r in results] == [c.__name__ for c in CHECKS]


async def test_without_the_consent_key_the_token_checks_fail_as_not_run(
        stores: dict[str, Path]) -> None:
    """What a valid token releases cannot be checked without the key: never passed."""
    failed = await failed_checks(AdapterServicer, "courts", stores)
    assert {r.name for r in failed} == {"sensitive_fields_leave_only_sealed",
                                        "consent_tokens_for_another_agency_are_refused",
                                        "status_only_consent_releases_no_details"}
    assert all(r.detail.startswith("not run: needs the consent-signing key") for r in failed)


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
        stores: dict[str, Path], signer: ConsentSigner) -> None:
    """An adapter leaking history in public lookups fails exactly that check."""
    failed = await failed_checks(LeakyServicer, "courts", stores, signer)
    assert [r.name for r in failed] == ["public_lookups_carry_no_history"]


class TrustingBatchServicer(AdapterServicer):
    """Breaks one rule: a batch answers every request, token or not."""

    async def BatchListSubjectCases(self, request: pb.BatchListSubjectCasesRequest,
                                    context: grpc.aio.ServicerContext[object, object]
                                    ) -> pb.BatchListSubjectCasesResponse:
        return pb.BatchListSubjectCasesResponse(results=[
            pb.SubjectCasesResult(response=pb.ListSubjectCasesResponse())
            for _ in request.requests])


async def test_a_batch_that_skips_consent_fails_its_check(stores: dict[str, Path],
                                                          signer: ConsentSigner) -> None:
    """A batch answering every request, token or not, fails the batch checks: the one about
    missing and forged tokens, another agency's token inside a batch, and the batch limit."""
    failed = await failed_checks(TrustingBatchServicer, "labor", stores, signer)
    assert [r.name for r in failed] == ["consent_tokens_for_another_agency_are_refused",
                                        "batched_subject_requests_are_answered_one_by_one",
                                        "subject_batches_honour_the_batch_limit"]
    assert "a batch of [another agency's token, ours] was answered" in failed[0].detail
    assert "request 0 released cases without a valid consent token" in failed[1].detail


def test_check_command_reports_an_unreachable_adapter(tmp_path: Path) -> None:
    """`caseline adapter check` exits non-zero and says why when nothing answers."""
    from deploy.processes.launcher import free_port

    result = subprocess.run(
        [sys.executable, "-m", "deploy.cli", "adapter", "check", f"127.0.0.1:{free_port()}"],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=60)
    assert result.returncode == 1
    assert "FAIL describe_identifies_the_agency: Describe failed: UNAVAILABLE" in result.stdout


class BadTagServicer(AdapterServicer):
    """Breaks one rule: a case type's Spanish name is tagged "Spanish" and another is empty."""

    async def Describe(self, request: pb.DescribeRequest,
                       context: grpc.aio.ServicerContext[object, object]) -> pb.DescribeResponse:
        response = await super().Describe(request, context)
        response.case_types[0].names.add(language="Spanish", text="Procedimiento")
        return response


async def test_a_malformed_language_tag_fails_the_localized_texts_check(
        stores: dict[str, Path], signer: ConsentSigner) -> None:
    """An agency text tagged with something that is not a BCP 47 tag fails that check, and
    says which text."""
    failed = await failed_checks(BadTagServicer, "courts", stores, signer)
    assert [r.name for r in failed] == ["localized_texts_are_well_formed"]
    assert "case type REMOVAL: language 'Spanish'" in failed[0].detail


async def test_an_adapter_without_localized_texts_still_conforms(
        stores: dict[str, Path], signer: ConsentSigner) -> None:
    """The new fields are additive: an adapter that sends none passes every check."""
    assert await failed_checks(EnglishOnlyServicer, "labor", stores, signer) == []


async def _check_command(address: str, *options: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "deploy.cli", "adapter", "check", address, *options,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_check_command_signs_tokens_with_the_consent_key(stores: dict[str, Path],
                                                               tmp_path: Path) -> None:
    """`caseline adapter check --consent-key` runs the token checks with that key and passes
    a reference adapter; a file that holds no Ed25519 key, or a state directory without a
    consent-signing key, is refused, saying so (no key is created)."""
    base = build_servicer(profile("immigration"), DemoStore(stores["immigration"]),
                          stores["immigration"].parent / "jwks.json")
    key = stores["immigration"].parent / "consent.pem"
    async with serving(base) as address:
        code, out, _ = await _check_command(address, "--consent-key", str(key))
        bad_code, _, bad_err = await _check_command(address, "--consent-key",
                                                    str(stores["immigration"]))
        empty_code, _, empty_err = await _check_command(address, "--state-dir", str(tmp_path))
    assert code == 0, out
    assert "ok   status_only_consent_releases_no_details" in out
    assert "ok   consent_tokens_for_another_agency_are_refused" in out
    assert out.rstrip().endswith(f"{len(CHECKS)} passed, 0 failed")
    assert bad_code != 0
    assert "Error:" in bad_err and "Traceback" not in bad_err
    assert empty_code != 0
    assert "no consent-signing key in" in empty_err
    assert not (tmp_path / "keys").exists() or not any((tmp_path / "keys").iterdir())
