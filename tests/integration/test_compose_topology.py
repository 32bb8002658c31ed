"""The compose trial's own command lines, run as processes on loopback: each service name
becomes 127.0.0.1 on a free port and each container path a directory of the test, on a
fresh PostgreSQL schema. The gateway starts on PostgreSQL and writes the consent keys the
adapters read; the adapters seed their stores and serve mutual TLS with the trial CA's
certificates (for 127.0.0.1 instead of the service names); a lookup at each agency answers.
What a container engine adds (images, networks, restarts) is not tested here.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from deploy.processes.launcher import free_port
from support.databases import fresh_database_url
from support.manifests import COMPOSE, CommandLine, compose_command_lines, compose_file
from support.topology import (
    AGENCIES,
    CASELINE,
    LEFT_OUT,
    LOOKUPS,
    lookup,
    processes,
    trial_certificates,
    wait_listening,
    wait_ready,
)

pytestmark = pytest.mark.integration


class Trial:
    """The trial's paths and ports on this machine."""

    def __init__(self, root: Path, database_url: str) -> None:
        self.root = root
        self.database_url = database_url
        self.gateway_port = free_port()
        self.ports = {agency: free_port() for agency in AGENCIES}
        self.secrets = trial_certificates(root / "secrets")
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


def _line(service: str, command: str) -> CommandLine:
    return next(line for line in compose_command_lines() if line.where == f"compose: {service}"
                and " ".join(line.words).startswith(command))


def test_the_compose_command_lines_serve_lookups_at_every_agency(tmp_path: Path) -> None:
    """Gateway first (it writes the JWKS), then each adapter seeded and served; a lookup at
    each agency goes through the gateway over mutual TLS and is answered."""
    with fresh_database_url("postgresql", tmp_path) as url, processes(tmp_path) as started:
        trial = Trial(tmp_path, url)
        gateway = started.start(trial.command(_line("gateway-1", "gateway serve")), "gateway")
        base = f"http://127.0.0.1:{trial.gateway_port}"
        wait_ready(f"{base}/readyz", *gateway)
        assert (tmp_path / "state" / "keys" / "consent-jwks.json").is_file()
        for agency in AGENCIES:
            started.run(trial.command(_line(f"adapter-{agency}", "seed")))
            wait_listening(*started.start(
                trial.command(_line(f"adapter-{agency}", "adapter run")), agency))
        for agency, number in LOOKUPS.items():
            assert lookup(base, number) == {"__typename": "CaseStatus",
                                            "agency": {"id": agency}}
