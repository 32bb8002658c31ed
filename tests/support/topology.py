"""Running a deployment's own `caseline` command lines as processes on loopback: the trial
CA's certificates, starting and stopping processes, waiting for them, and a lookup through
the gateway (tests/integration/test_*_topology.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from deploy.demo.local_ca import LocalCA

CASELINE = str(Path(sys.executable).parent / "caseline")
AGENCIES = ("immigration", "labor", "courts")
# Options the topology tests leave out: --nats-url would share the machine's NATS stream with
# other tests, and --redis-url is not in the CLI yet (tests/unit/deploy/test_command_lines.py).
LEFT_OUT = ("--nats-url", "--redis-url")
# One persona's case at each agency: every seeded store has them.
LOOKUPS = {"immigration": "IOE0990000001", "courts": "A201555123",
           "labor": "G-100-24218-604417"}
QUERY = ("query($n: String!) { caseStatus(number: $n) { __typename "
         "... on CaseStatus { agency { id } } ... on CaseLookupError { code message } } }")


def trial_certificates(directory: Path) -> Path:
    """The demo's CA in ``directory`` (ca.pem) with the gateway's client certificate
    (gateway.pem/.key) and each adapter's server certificate for 127.0.0.1
    (adapter-AGENCY.pem/.key), as the README's trial steps make them."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = LocalCA(directory)
    ca.issue("gateway", "Caseline gateway", server=False, hosts=("gateway",))
    for agency in AGENCIES:
        ca.issue(f"adapter-{agency}", f"Caseline adapter {agency}", server=True,
                 hosts=("127.0.0.1",))
    return directory


class Processes:
    """The processes a test started, with their logs; all stopped at the end."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, command: list[str], name: str) -> tuple[subprocess.Popen[bytes], Path]:
        """``command`` running, its output in ROOT/NAME.log."""
        log = self.root / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(command, env=self.env, stdout=out,
                                       stderr=subprocess.STDOUT)
        self.running.append(process)
        return process, log

    def run(self, command: list[str]) -> None:
        """``command`` run to completion; a failure shows its output."""
        result = subprocess.run(command, env=self.env, capture_output=True, text=True,
                                timeout=300, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


@contextmanager
def processes(root: Path) -> Iterator[Processes]:
    """Processes with a fresh keyring key in their environment, stopped on the way out."""
    env = {**os.environ, "CASELINE_KEYRING_KEY": _keyring_key()}
    started = Processes(root, env)
    try:
        yield started
    finally:
        for process in started.running:
            process.terminate()
        for process in started.running:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _keyring_key() -> str:
    import base64

    return base64.b64encode(os.urandom(32)).decode()


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until ``url`` answers 200; a failure shows the log if the process ends first."""
    for _ in range(240):
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} never answered 200:\n{log.read_text()}")


def wait_listening(process: subprocess.Popen[bytes], log: Path) -> None:
    """Until an adapter prints that it listens."""
    for _ in range(240):
        assert process.poll() is None, log.read_text()
        if '"event": "listening"' in log.read_text():
            return
        time.sleep(0.5)
    pytest.fail(f"the adapter never listened:\n{log.read_text()}")


def lookup(base: str, number: str) -> dict[str, object]:
    """The lookup's answer, asked again while the agency is unavailable: the gateway's
    channel to an adapter that just started may still be waiting to reconnect (up to 2 s)."""
    for _ in range(60):
        answer = httpx.post(f"{base}/graphql", json={"query": QUERY, "variables": {"n": number}},
                            timeout=30).json()
        status: dict[str, object] = answer["data"]["caseStatus"]
        if status.get("code") != "AGENCY_UNAVAILABLE":
            return status
        time.sleep(0.5)
    return status
