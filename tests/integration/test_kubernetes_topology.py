"""The Kubernetes manifests' own command lines, run as processes on loopback in the order the
README gives: each container's mounts become directories of the test holding what its
Secrets and ConfigMaps would (the registry ConfigMap as written, certificates from a trial
CA), on a fresh PostgreSQL schema. The gateway starts first, with every option of its
manifest (the sign-in settings, --forwarded-allow-ips from the settings ConfigMap); the
operator publishes its JWKS as the adapters' consent-keys ConfigMap; the adapters, seeded by
their init containers, start on it; a lookup at each agency answers."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from deploy.processes.launcher import free_port
from support.databases import fresh_database_url
from support.manifests import CommandLine, by_kind, kubernetes_command_lines
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
MOUNTED = ("/etc/caseline/", "/var/lib/caseline", "/data/")


class Cluster:
    """Each container's mounted files under a directory of its own, and the ports."""

    def __init__(self, root: Path, database_url: str) -> None:
        self.root = root
        self.database_url = database_url
        self.gateway_port = free_port()
        self.ports = {agency: free_port() for agency in AGENCIES}
        self.tls = trial_certificates(root / "ca")

    def container(self, name: str) -> Path:
        """The directory standing for container ``name``'s filesystem."""
        return self.root / name

    def _file(self, container: str, path: str, content: bytes) -> None:
        target = self.container(container) / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)

    def mount_gateway(self) -> None:
        """The gateway's Secrets and ConfigMap: registry (addresses on loopback, `ca` paths in
        this container), agency CAs, its client certificate, the sign-in secrets."""
        registry = _loopback_addresses(
            by_kind("ConfigMap")["caseline-registry"]["data"]["agencies.toml"], self.ports)
        root = self.container("gateway")
        registry = registry.replace('"/etc/caseline/', f'"{root}/etc/caseline/')
        self._file("gateway", "/etc/caseline/registry/agencies.toml", registry.encode())
        ca = (self.tls / "ca.pem").read_bytes()
        for agency in AGENCIES:
            self._file("gateway", f"/etc/caseline/agency-ca/{agency}-ca.pem", ca)
        self._file("gateway", "/etc/caseline/tls/tls.crt", (self.tls / "gateway.pem").read_bytes())
        self._file("gateway", "/etc/caseline/tls/tls.key", (self.tls / "gateway.key").read_bytes())
        self._file("gateway", "/etc/caseline/signin/session-secret", os.urandom(32))
        self._file("gateway", "/etc/caseline/signin/oidc-client-secret", b"client-secret")

    def mount_adapter(self, agency: str) -> None:
        """An adapter's Secrets (its ConfigMap comes from ``publish_jwks``)."""
        name = f"adapter-{agency}"
        self._file(name, "/etc/caseline/tls/tls.crt", (self.tls / f"{name}.pem").read_bytes())
        self._file(name, "/etc/caseline/tls/tls.key", (self.tls / f"{name}.key").read_bytes())
        self._file(name, "/etc/caseline/aggregator-ca/ca.crt", (self.tls / "ca.pem").read_bytes())
        (self.container(name) / "data").mkdir(parents=True, exist_ok=True)

    def publish_jwks(self) -> None:
        """The operator's step: the gateway's JWKS over each adapter's ConfigMap copy."""
        published = self.container("gateway") / "var/lib/caseline/keys/consent-jwks.json"
        for agency in AGENCIES:
            target = self.container(f"adapter-{agency}") / "etc/caseline/jwks/consent-jwks.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(published, target)

    def _local(self, word: str, root: Path, container: str, line: CommandLine) -> str:
        for prefix in MOUNTED:
            word = word.replace(prefix, f"{root}{prefix}")
        if word.startswith("--database-url="):
            return f"--database-url={self.database_url}"
        if word.startswith("--port="):
            port = self.gateway_port if container == "gateway" else self.ports[line.words[2]]
            return f"--port={port}"
        return word.replace("--host=0.0.0.0", "--host=127.0.0.1")

    def command(self, line: CommandLine, container: str) -> list[str]:
        """The manifest's command line with its mounts in ``container``'s directory, loopback
        ports, the database's URL, and LEFT_OUT options left out."""
        root = self.container(container)
        words = [self._local(word, root, container, line) for word in line.words
                 if not word.startswith(LEFT_OUT)]
        if "--cases" in words:
            words[words.index("--cases") + 1] = "300"  # the personas' cases and a few more
        return [CASELINE, *words]


def _loopback_addresses(registry: str, ports: dict[str, int]) -> str:
    for agency, port in ports.items():
        registry = re.sub(rf'^address = "caseline-adapter-{agency}:\d+"$',
                          f'address = "127.0.0.1:{port}"', registry, flags=re.M)
    return registry


def _line(where: str) -> CommandLine:
    return next(line for line in kubernetes_command_lines() if line.where.endswith(where))


def test_the_manifests_command_lines_serve_lookups_at_every_agency(tmp_path: Path) -> None:
    """The gateway, its JWKS published, then the adapters (seeded by their init containers):
    a lookup at each agency goes through the gateway over mutual TLS."""
    with fresh_database_url("postgresql", tmp_path) as url, processes(tmp_path) as started:
        cluster = Cluster(tmp_path, url)
        cluster.mount_gateway()
        gateway = started.start(cluster.command(_line("caseline-gateway/gateway"), "gateway"),
                                "gateway")
        base = f"http://127.0.0.1:{cluster.gateway_port}"
        wait_ready(f"{base}/readyz", *gateway)
        for agency in AGENCIES:
            cluster.mount_adapter(agency)
        cluster.publish_jwks()
        for agency in AGENCIES:
            name = f"adapter-{agency}"
            started.run(cluster.command(_line(f"caseline-{name}/seed"), name))
            wait_listening(*started.start(
                cluster.command(_line(f"caseline-{name}/adapter"), name), name))
        for agency, number in LOOKUPS.items():
            assert lookup(base, number) == {"__typename": "CaseStatus",
                                            "agency": {"id": agency}}
