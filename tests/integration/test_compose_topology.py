"""The compose trial's own command lines, run as processes on loopback: each service name
becomes 127.0.0.1 on a free port and each container path a directory of the test, on a
fresh PostgreSQL schema. The gateway starts on PostgreSQL and writes the consent keys the
adapters read; the adapters seed their stores and serve mutual TLS with certificates from
the README's trial CA (for 127.0.0.1 instead of the service names); a lookup at each agency
answers. What a container engine would add (images, networks, restarts) is not tested here.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from deploy.demo.local_ca import LocalCA
from deploy.processes.launcher import free_port
from support.databases import fresh_database_url
from support.manifests import COMPOSE, CommandLine, compose_command_lines, compose_file

pytestmark = pytest.mark.integration

CASELINE = str(Path(sys.executable).parent / "caseline")
AGENCIES = ("immigration", "labor", "courts")
# Options this test leaves out: --nats-url would share the machine's NATS stream with other
# tests, and --redis-url is not in the CLI yet (tests/unit/deploy/test_command_lines.py).
LEFT_OUT = ("--nats-url", "--redis-url")
LOOKUPS = {"immigration": "IOE0990000001", "courts": "A201555123",
           "labor": "G-100-24218-604417"}
QUERY = ("query($n: String!) { caseStatus(number: $n) { __typename "
         "... on CaseStatus { agency { id } } ... on CaseLookupError { code message } } }")


class Topology:
    """The trial's paths and ports on this machine."""

    def __init__(self, root: Path, database_url: str) -> None:
        self.root = root
        self.database_url = database_url
        self.gateway_port = free_port()
        self.ports = {agency: free_port() for agency in AGENCIES}
        self.secrets = root / "secrets"
        self.secrets.mkdir()
        ca = LocalCA(self.secrets)
        ca.issue("gateway", "Caseline gateway", server=False, hosts=("gateway",))
        for agency in AGENCIES:
            ca.issue(f"adapter-{agency}", f"Caseline adapter {agency}", server=True,
                     hosts=("127.0.0.1",))
        (self.secrets / "session-secret").write_bytes(os.urandom(32))
        registry = (COMPOSE.parent / "agencies.toml").read_text()
        registry = re.sub(r'address = "adapter-(\w+):\d+"',
                          lambda m: f'address = "127.0.0.1:{self.ports[m.group(1)]}"', registry)
        (root / "agencies.toml").write_text(
            registry.replace('"/run/secrets/ca"', json.dumps(str(self.secrets / "ca.pem"))))

    def local(self, word: str) -> str:
        """A word of a compose command line as it reads on this machine."""
        for name, secret in compose_file()["secrets"].items():
            word = re.sub(rf"/run/secrets/{re.escape(name)}\b",
                          str(self.secrets / Path(secret["file"]).name), word)
        word = word.replace("/etc/caseline/agencies.toml", str(self.root / "agencies.toml"))
        word = word.replace("/var/lib/caseline", str(self.root / "state"))
        word = word.replace("/data/", f"{self.root}/")
        return word.replace("0.0.0.0", "127.0.0.1")

    def command(self, line: CommandLine) -> list[str]:
        """The command line to run: local paths and ports, LEFT_OUT options left out."""
        words = [self.local(w) for w in line.words if not w.startswith(LEFT_OUT)]
        if words[:2] == ["gateway", "serve"]:
            words = [f"--database-url={self.database_url}" if w.startswith("--database-url=")
                     else f"--port={self.gateway_port}" if w.startswith("--port=") else w
                     for w in words]
        elif words[:2] == ["adapter", "run"]:
            words[words.index("--port") + 1] = str(self.ports[words[2]])
        elif words[:1] == ["seed"]:
            words[words.index("--cases") + 1] = "300"  # the personas' cases and a few more
        return [CASELINE, *words]


def _line(where: str, command: str) -> CommandLine:
    return next(line for line in compose_command_lines()
                if line.where == f"compose: {where}" and " ".join(line.words).startswith(command))


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(240):
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} never answered 200:\n{log.read_text()}")


def _wait_listening(process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(240):
        assert process.poll() is None, log.read_text()
        if '"event": "listening"' in log.read_text():
            return
        time.sleep(0.5)
    pytest.fail(f"the adapter never listened:\n{log.read_text()}")


@pytest.fixture
def topology(tmp_path: Path) -> Iterator[tuple[Topology, list[subprocess.Popen[bytes]]]]:
    with fresh_database_url("postgresql", tmp_path) as url:
        processes: list[subprocess.Popen[bytes]] = []
        try:
            yield Topology(tmp_path, url), processes
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def test_the_compose_command_lines_serve_lookups_at_every_agency(
        topology: tuple[Topology, list[subprocess.Popen[bytes]]]) -> None:
    """Gateway first (it writes the JWKS), then each adapter seeded and served; a lookup at
    each agency goes through the gateway over mutual TLS and is answered."""
    trial, processes = topology
    env = {**os.environ, "CASELINE_KEYRING_KEY": base64.b64encode(os.urandom(32)).decode()}

    def start(line: CommandLine, log_name: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = trial.root / log_name
        with log.open("wb") as out:
            process = subprocess.Popen(trial.command(line), env=env, stdout=out,
                                       stderr=subprocess.STDOUT)
        processes.append(process)
        return process, log

    gateway, gateway_log = start(_line("gateway-1", "gateway serve"), "gateway.log")
    base = f"http://127.0.0.1:{trial.gateway_port}"
    _wait_ready(f"{base}/readyz", gateway, gateway_log)
    assert (trial.root / "state" / "keys" / "consent-jwks.json").is_file()
    for agency in AGENCIES:
        seed = subprocess.run(trial.command(_line(f"adapter-{agency}", "seed")), env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        assert seed.returncode == 0, seed.stderr
        _wait_listening(*start(_line(f"adapter-{agency}", "adapter run"), f"{agency}.log"))
    for agency, number in LOOKUPS.items():
        assert _lookup(base, number) == {"__typename": "CaseStatus", "agency": {"id": agency}}


def _lookup(base: str, number: str) -> dict[str, object]:
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
