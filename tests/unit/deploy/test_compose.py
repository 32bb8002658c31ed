"""deploy/compose/compose.yaml: valid against the compose specification's JSON schema (the
copy check-jsonschema vendors, with its licence, so nothing is fetched), and holding together:
the services it depends on exist, the secrets it mounts are declared, two gateways share one
PostgreSQL, Redis and NATS, and its registry names the adapters' services."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography import x509

from aggregator.config import load_config
from support.manifests import COMPOSE, compose_command_lines, compose_file

_VENDORED = resources.files("check_jsonschema") / "builtin_schemas" / "vendor"


def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads((_VENDORED / "compose-spec.json").read_text())
    validator: jsonschema.protocols.Validator = jsonschema.validators.validator_for(schema)(schema)
    return validator


def test_the_schema_is_the_compose_specification() -> None:
    """The schema read is the compose specification's, its licence beside it."""
    schema = json.loads((_VENDORED / "compose-spec.json").read_text())
    assert schema["$id"] == "compose_spec.json"
    assert "services" in schema["properties"]
    assert "Apache" in (_VENDORED / "licenses" / "LICENSE.compose-spec").read_text()


def test_the_compose_file_is_valid() -> None:
    """No schema error anywhere in the file."""
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}"
              for e in _validator().iter_errors(compose_file())]
    assert not errors, "\n".join(errors)


def test_the_validator_catches_mistakes() -> None:
    """A misspelt key and a mapping where a list belongs are schema errors, so the test
    above can fail."""
    compose = copy.deepcopy(compose_file())
    compose["services"]["redis"]["restrat"] = "no"
    assert any("restrat" in e.message for e in _validator().iter_errors(compose))
    compose = copy.deepcopy(compose_file())
    compose["services"]["redis"]["volumes"] = {"redis-data": "/data"}
    assert list(_validator().iter_errors(compose))


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = compose_file()["services"]
    return services


def test_references_resolve() -> None:
    """Every depends_on names a service, every secret and named volume is declared."""
    compose = compose_file()
    for name, service in _services().items():
        assert set(service.get("depends_on", {})) <= set(_services()), name
        assert set(service.get("secrets", [])) <= set(compose["secrets"]), name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith(".") or source in compose["volumes"], (name, volume)


def test_two_gateways_share_one_state() -> None:
    """Two gateway replicas, each `caseline gateway serve` on the same database, Redis, NATS
    and state volume, after the migrations have completed."""
    gateways = {line.where: line.words for line in compose_command_lines()
                if line.words[:2] == ["gateway", "serve"]}
    assert len(gateways) == 2
    shared = [{w for w in words if w.split("=")[0] in (
        "--database-url", "--redis-url", "--nats-url", "--state-dir")}
        for words in gateways.values()]
    assert len(shared[0]) == 4 and shared[0] == shared[1]
    assert _services()["gateway-1"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"}
    for engine in ("postgres", "redis", "nats"):
        assert "healthcheck" in _services()[engine], engine


def test_the_registry_names_each_adapter_service(tmp_path: Path) -> None:
    """The trial's registry loads with the aggregator's loader; each address is an adapter
    service listening on that port, reached over mutual TLS with the trial CA."""
    config = load_config(COMPOSE.parent / "agencies.toml")
    commands = {line.where.removeprefix("compose: "): line.words
                for line in compose_command_lines() if line.words[:2] == ["adapter", "run"]}
    assert len(config.agencies) == len(commands) == 3
    for agency in config.agencies:
        host, port = agency.address.rsplit(":", 1)
        assert f"--port {port}" in " ".join(commands[host]), agency.id
        assert commands[host][2] == agency.id
        assert agency.ca == Path("/run/secrets/ca")
    assert "ca" in _services()["gateway-1"]["secrets"]


@pytest.mark.parametrize("name", ["gateway-1", "adapter-labor", "migrate"])
def test_caseline_containers_run_locked_down(name: str) -> None:
    """Caseline's containers: read-only root filesystem, every capability dropped."""
    service = _services()[name]
    assert service["read_only"] is True
    assert service["cap_drop"] == ["ALL"]


def _readme_trial_block() -> str:
    readme = (COMPOSE.parents[2] / "README.md").read_text()
    found = re.search(r"```sh\n(# a trial's certificates and secrets.*?)```", readme, re.S)
    assert found, "README has no trial block"
    return found.group(1)


def test_the_readme_trial_steps_make_every_file_the_compose_file_needs(tmp_path: Path) -> None:
    """The README's steps before `docker compose up`, run here, make each secret file the
    compose file mounts and set each variable it requires; each adapter's certificate names
    the host the registry dials and chains to the CA the gateway checks it with."""
    script = _readme_trial_block().replace(".venv/bin/", f"{Path(sys.executable).parent}/")
    script = "\n".join(line for line in script.splitlines() if "docker compose" not in line)
    subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, check=True,
                   timeout=120)
    trial = tmp_path / "deploy" / "compose"
    for name, secret in compose_file()["secrets"].items():
        assert (trial / secret["file"]).is_file(), name
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE.read_text()))
    defined = {line.split("=", 1)[0] for line in (trial / ".env").read_text().splitlines()}
    assert required and required <= defined
    ca = x509.load_pem_x509_certificate((trial / "secrets" / "ca.pem").read_bytes())
    for agency in load_config(COMPOSE.parent / "agencies.toml").agencies:
        host = agency.address.rsplit(":", 1)[0]
        pem = (trial / "secrets" / f"{host}.pem").read_bytes()
        cert = x509.load_pem_x509_certificate(pem)
        cert.verify_directly_issued_by(ca)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert host in names.get_values_for_type(x509.DNSName), agency.id
