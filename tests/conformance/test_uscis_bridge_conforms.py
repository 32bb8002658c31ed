"""The conformance kit against the USCIS Case Status API bridge over its fake: every check
it offers passes, the calls it does not offer are reported "not offered", never passed."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from adapters.conformance import CHECKS, NEEDS, run_checks
from adapters.sdk import AdapterServer
from adapters.uscis_api.profile import NOT_OFFERED, SANDBOX
from adapters.uscis_api.serve import BridgeSettings, open_bridge
from adapters.uscis_api.servicer import BridgeServicer
from adapters.uscis_api.token import Credentials
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from support.uscis_fake import CLIENT_ID, CLIENT_SECRET, FakeUscisApi, case_status, running_fake

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]

# A new status for each of the fake's receipts, so the bridge has changes to stream.
NEXT_STATUS = {"IOE0912345678": ("Case Was Approved", "Caso Fue Aprobado"),
               "EAC9999103402": ("Card Was Mailed To Me", "Tarjeta Fue Enviada"),
               "LIN9912345678": ("Response To USCIS' Request For Evidence Was Received",
                                 "Respuesta a Solicitud de Evidencia Fue Recibida")}


async def make_history(fake: FakeUscisApi, address: str) -> None:
    """Ask the bridge about every receipt, change each one's status at the fake, and ask
    again: the bridge records one change per receipt, and the kit's stream checks have
    history to replay and resume."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.AgencyAdapterStub(channel)
        request = pb.LookupCasesRequest(case_numbers=list(NEXT_STATUS))
        await stub.LookupCases(request, timeout=10)
        for receipt, (title_en, title_es) in NEXT_STATUS.items():
            form = fake.cases[receipt]["formType"]
            fake.cases[receipt] = case_status(receipt, form, title_en, f"{title_en}.",
                                              title_es=title_es, desc_es=f"{title_es}.")
        await stub.LookupCases(request, timeout=10)


async def test_the_bridge_passes_every_check_it_offers() -> None:
    with running_fake() as (fake, url):
        settings = BridgeSettings(SANDBOX, Credentials(CLIENT_ID, CLIENT_SECRET), base_url=url)
        async with open_bridge(settings) as servicer:
            server = AdapterServer(servicer)
            port = await server.start()
            try:
                await make_history(fake, f"127.0.0.1:{port}")
                results = await run_checks(f"127.0.0.1:{port}")
            finally:
                await server.stop(0)
    assert len(results) == len(CHECKS)
    assert [r for r in results if r.offered and not r.passed] == []
    not_offered = {r.name for r in results if not r.offered}
    assert not_offered == {name for name, call in NEEDS.items() if call in NOT_OFFERED}
    assert all(not r.passed and "not offered" in r.detail for r in results if not r.offered)


class ServingWhatItDeclaresNotOffered(BridgeServicer):
    """Breaks one rule: Describe says VerifyOwnership is not offered, yet it answers."""

    async def VerifyOwnership(self, request: pb.VerifyOwnershipRequest,
                              context: grpc.aio.ServicerContext[object, object]
                              ) -> pb.VerifyOwnershipResponse:
        return pb.VerifyOwnershipResponse(verified=False)


async def test_a_call_declared_not_offered_that_answers_fails_its_check() -> None:
    with running_fake() as (fake, url):
        settings = BridgeSettings(SANDBOX, Credentials(CLIENT_ID, CLIENT_SECRET), base_url=url)
        async with open_bridge(settings) as bridge:
            lying = ServingWhatItDeclaresNotOffered(bridge.source,  # type: ignore[arg-type]
                                                    max_batch_size=bridge.max_batch_size)
            server = AdapterServer(lying)
            port = await server.start()
            try:
                await make_history(fake, f"127.0.0.1:{port}")
                results = await run_checks(f"127.0.0.1:{port}")
            finally:
                await server.stop(0)
    failed = [r for r in results if r.offered and not r.passed]
    assert [r.name for r in failed] == ["calls_declared_not_offered_answer_unimplemented"]
    assert "expected UNIMPLEMENTED, but the call succeeded" in failed[0].detail


def test_run_and_check_commands_over_the_fake(tmp_path: Path) -> None:
    """`caseline adapter run uscis-api --base-url` serves; `caseline adapter check` prints
    the not-offered checks as such and exits 0."""
    env = {**os.environ, "USCIS_CLIENT_ID": CLIENT_ID, "USCIS_CLIENT_SECRET": CLIENT_SECRET}
    log = tmp_path / "adapter.log"
    with running_fake() as (fake, url), log.open("w") as errors, subprocess.Popen(
            [sys.executable, "-m", "deploy.cli", "adapter", "run", "uscis-api", "--port", "0",
             "--sandbox", "--base-url", url], stdout=subprocess.PIPE, stderr=errors,
            text=True, cwd=ROOT, env=env) as adapter:
        try:
            assert adapter.stdout is not None
            line = adapter.stdout.readline()
            assert '"event": "listening"' in line, log.read_text()
            port = int(line.rsplit('"port": ', 1)[1].rstrip("}\n"))
            asyncio.run(make_history(fake, f"127.0.0.1:{port}"))
            check = subprocess.run(
                [sys.executable, "-m", "deploy.cli", "adapter", "check", f"127.0.0.1:{port}"],
                capture_output=True, text=True, cwd=ROOT, check=False, timeout=120)
        finally:
            adapter.terminate()
            adapter.wait(timeout=30)
    assert check.returncode == 0, check.stdout
    assert "n/a  ownership_check_refuses_a_wrong_access_code: VerifyOwnership not offered" \
        in check.stdout
    assert "ok   change_stream_refuses_a_bad_cursor" in check.stdout
    assert "ok   change_stream_resumes_from_a_cursor_without_loss_or_repeats" in check.stdout
    assert "ok   sensitive_fields_leave_only_sealed" in check.stdout
    assert "n/a  status_only_consent_releases_no_details: ListSubjectCases not offered" \
        in check.stdout
    assert "n/a  processing_statistics_are_well_formed: GetProcessingStatistics not offered" \
        in check.stdout
    assert check.stdout.rstrip().endswith("16 passed, 0 failed, 9 not offered")


def test_run_without_credentials_says_which_are_missing() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("USCIS_")}
    result = subprocess.run(
        [sys.executable, "-m", "deploy.cli", "adapter", "run", "uscis-api", "--port", "0"],
        capture_output=True, text=True, cwd=ROOT, env=env, check=False, timeout=60)
    assert result.returncode == 1
    assert "set USCIS_CLIENT_ID and USCIS_CLIENT_SECRET" in result.stderr
