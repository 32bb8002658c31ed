"""deploy/kubernetes: every manifest valid against the Kubernetes API schemas that
kubernetes-validate bundles (strict: unknown fields are errors; nothing fetched at run time),
on the oldest and newest versions we support, and holding together: what the gateway needs
in production, references that resolve, and a registry the aggregator loads."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest
from kubernetes_validate import utils as kubernetes_validate

from aggregator.config import load_config
from support.manifests import DEPLOY, by_kind, kubernetes_documents

# The oldest Kubernetes minor release still supported upstream when these were written, and
# the newest kubernetes-validate bundles.
VERSIONS = ("1.33.0", "1.37.0")
DOCUMENTS = kubernetes_documents()


def _id(doc: tuple[str, dict[str, Any]]) -> str:
    return f"{doc[0]}:{doc[1]['kind']}/{doc[1]['metadata']['name']}"


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("document", DOCUMENTS, ids=_id)
def test_manifest_is_valid_against_the_kubernetes_schema(
        document: tuple[str, dict[str, Any]], version: str) -> None:
    """Each document validates against its kind's schema (strict) for that version."""
    kubernetes_validate.validate(document[1], version, strict=True)


def test_the_validator_catches_mistakes() -> None:
    """A misspelt field and a wrong type are schema errors, so the test above can fail."""
    gateway = copy.deepcopy(by_kind("Deployment")["caseline-gateway"])
    container = gateway["spec"]["template"]["spec"]["containers"][0]
    container["livenesProbe"] = container.pop("livenessProbe")
    with pytest.raises(kubernetes_validate.ValidationError, match="livenesProbe"):
        kubernetes_validate.validate(gateway, VERSIONS[-1], strict=True)
    gateway = copy.deepcopy(by_kind("Deployment")["caseline-gateway"])
    gateway["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError, match="two"):
        kubernetes_validate.validate(gateway, VERSIONS[-1], strict=True)


def test_everything_is_in_the_caseline_namespace() -> None:
    """Every namespaced object names the namespace the manifests create."""
    assert set(by_kind("Namespace")) == {"caseline"}
    for _, doc in DOCUMENTS:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "caseline", _id(("", doc))


def _gateway() -> dict[str, Any]:
    return by_kind("Deployment")["caseline-gateway"]


def test_the_gateway_is_ready_for_production() -> None:
    """At least two replicas; liveness on /livez, readiness on /readyz, a startup probe;
    requests and limits; non-root, read-only root filesystem, no privilege escalation."""
    gateway = _gateway()
    assert gateway["spec"]["replicas"] >= 2
    assert gateway["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = gateway["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert "startupProbe" in container
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]


def test_every_container_runs_locked_down() -> None:
    """Every pod, the adapters' and the Job's too, runs non-root on a read-only root
    filesystem with every capability dropped (the namespace enforces `restricted`)."""
    for _, doc in DOCUMENTS:
        pod = doc.get("spec", {}).get("template", {}).get("spec")
        if pod is None:
            continue
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, container["name"]
            assert security["allowPrivilegeEscalation"] is False, container["name"]
            assert security["capabilities"]["drop"] == ["ALL"], container["name"]
            assert {"requests", "limits"} <= set(container["resources"]), container["name"]


def _labels(deployment: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"]["labels"]
    return labels


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and selector.items() <= labels.items()


def test_the_autoscaler_and_disruption_budget_cover_the_gateway() -> None:
    """The HorizontalPodAutoscaler (autoscaling/v2) scales the gateway Deployment from at
    least two replicas; the PodDisruptionBudget selects its pods and keeps one."""
    [hpa] = by_kind("HorizontalPodAutoscaler").values()
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "caseline-gateway"}
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    [pdb] = by_kind("PodDisruptionBudget").values()
    assert _selects(pdb["spec"]["selector"]["matchLabels"], _labels(_gateway()))
    assert pdb["spec"]["minAvailable"] >= 1


def test_services_select_their_deployments_ports() -> None:
    """Each Service selects exactly one Deployment's pods, on a port its container names."""
    deployments = by_kind("Deployment")
    for name, service in by_kind("Service").items():
        targets = [d for d in deployments.values()
                   if _selects(service["spec"]["selector"], _labels(d))]
        assert len(targets) == 1, name
        ports = {p["name"] for c in targets[0]["spec"]["template"]["spec"]["containers"]
                 for p in c["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports, name


def test_the_ingress_reaches_the_gateway_service() -> None:
    """The Ingress routes to the gateway's Service on a port it has, with TLS."""
    [ingress] = by_kind("Ingress").values()
    service = by_kind("Service")["caseline-gateway"]
    ports = {p["name"] for p in service["spec"]["ports"]}
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == "caseline-gateway"
            assert backend["port"]["name"] in ports
    assert ingress["spec"]["tls"][0]["secretName"] in by_kind("Secret")


def test_volumes_name_objects_the_manifests_define() -> None:
    """Every Secret, ConfigMap and PersistentVolumeClaim a pod mounts is defined (the Secrets
    as templates), and every environment variable's reference names an existing key."""
    defined = {kind: set(by_kind(kind))
               for kind in ("Secret", "ConfigMap", "PersistentVolumeClaim")}
    for _, doc in DOCUMENTS:
        pod = doc.get("spec", {}).get("template", {}).get("spec")
        if pod is None:
            continue
        for volume in pod.get("volumes", []):
            if "secret" in volume:
                assert volume["secret"]["secretName"] in defined["Secret"]
            if "configMap" in volume:
                assert volume["configMap"]["name"] in defined["ConfigMap"]
            if "persistentVolumeClaim" in volume:
                claim = volume["persistentVolumeClaim"]["claimName"]
                assert claim in defined["PersistentVolumeClaim"]


def test_secret_templates_hold_no_key_material() -> None:
    """The Secrets are shapes only: every value empty, for the operator to create."""
    text = (DEPLOY / "kubernetes" / "secrets.template.yaml").read_text()
    assert "PRIVATE KEY-----" not in text
    for name, secret in by_kind("Secret").items():
        assert all(value == "" for value in secret.get("stringData", {}).values()), name
        assert "data" not in secret, name


def _registry(tmp_path: Path) -> Path:
    path = tmp_path / "agencies.toml"
    path.write_text(by_kind("ConfigMap")["caseline-registry"]["data"]["agencies.toml"])
    return path


def test_the_registry_loads_and_names_each_adapters_service(tmp_path: Path) -> None:
    """The registry ConfigMap loads with the aggregator's own loader; each agency's address
    is its adapter's Service and port, and its `ca` a key of the agency CAs' Secret, at the
    path the gateway mounts it."""
    config = load_config(_registry(tmp_path))
    services = by_kind("Service")
    cas = by_kind("Secret")["caseline-agency-cas"]["stringData"]
    for agency in config.agencies:
        host, port = agency.address.rsplit(":", 1)
        assert int(port) in {p["port"] for p in services[host]["spec"]["ports"]}, agency.id
        assert agency.ca is not None and agency.ca.parent == Path("/etc/caseline/agency-ca")
        assert agency.ca.name in cas, agency.id


def _entries(text: str) -> list[dict[str, Any]]:
    data = tomllib.loads(text)
    return [{k: v for k, v in entry.items() if k not in ("address", "ca")}
            for entry in data["agencies"]] + [data["federation"]]


def test_the_registry_matches_deploy_agencies_toml(tmp_path: Path) -> None:
    """Its entries are deploy/agencies.toml's but for where each adapter is reached."""
    assert _entries(_registry(tmp_path).read_text()) == _entries(
        (DEPLOY / "agencies.toml").read_text())


def test_forwarded_allow_ips_is_the_ingress_range() -> None:
    """The gateway believes X-Forwarded-For from the range in its settings ConfigMap (a
    network, not every address)."""
    args = _gateway()["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--forwarded-allow-ips=$(FORWARDED_ALLOW_IPS)" in args
    value = by_kind("ConfigMap")["caseline-gateway-settings"]["data"]["FORWARDED_ALLOW_IPS"]
    assert value and "*" not in value and "0.0.0.0/0" not in value


def test_only_the_gateway_reaches_the_adapters() -> None:
    """The NetworkPolicy selects every adapter's pods (and nothing else) and lets in only the
    gateway's, on the port the adapters serve."""
    [policy] = by_kind("NetworkPolicy").values()
    deployments = by_kind("Deployment")
    selected = {name for name, d in deployments.items()
                if _selects(policy["spec"]["podSelector"]["matchLabels"], _labels(d))}
    assert selected == {f"caseline-adapter-{a}" for a in ("immigration", "labor", "courts")}
    [rule] = policy["spec"]["ingress"]
    [source] = rule["from"]
    assert _selects(source["podSelector"]["matchLabels"], _labels(_gateway()))
    for name in selected:
        [container] = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert {p["port"] for p in rule["ports"]} <= {p["name"] for p in container["ports"]}
