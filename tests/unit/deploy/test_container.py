"""deploy/container/Dockerfile, read statically (no container engine here, so it is never
built in CI): a slim Python base, the project installed with the PostgreSQL extra from the
files its package build reads, run as the non-root user the Kubernetes manifests expect."""

from __future__ import annotations

import fnmatch
import re
import tomllib

from support.manifests import DOCKERFILE, ROOT, kubernetes_documents

TEXT = DOCKERFILE.read_text()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _instructions(name: str) -> list[str]:
    """The arguments of every ``name`` instruction, continuation lines joined."""
    joined = TEXT.replace("\\\n", " ")
    return [m.strip() for m in re.findall(rf"^{name} (.+)$", joined, re.M)]


def test_every_stage_is_a_slim_python_the_project_supports() -> None:
    """Each FROM is python:3.11-slim or 3.12-slim, at or above requires-python."""
    bases = [line.split()[0] for line in _instructions("FROM")]
    assert bases and all(b in ("python:3.11-slim", "python:3.12-slim") for b in bases)
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"


def test_it_copies_everything_the_package_build_reads() -> None:
    """The copied sources exist and include pyproject.toml, its readme and every directory
    setuptools finds packages in; the .dockerignore excludes none of them."""
    copied = {source for line in _instructions("COPY") if not line.startswith("--from")
              for source in line.split()[:-1]}
    assert all((ROOT / source).exists() for source in copied), copied
    find = PYPROJECT["tool"]["setuptools"]["packages"]["find"]
    packages = {pattern.rstrip("*") for pattern in find["include"]} - {"caseline"}
    needed = {"pyproject.toml", PYPROJECT["project"]["readme"], *packages,
              *(where for where in find["where"] if where != ".")}
    assert needed <= copied, needed - copied
    ignored = [line for line in (DOCKERFILE.parent / "Dockerfile.dockerignore").read_text()
               .splitlines() if line and not line.startswith("#")]
    assert not [(s, p) for s in needed for p in ignored if fnmatch.fnmatch(s, p)]


def test_it_installs_the_project_with_the_postgres_driver() -> None:
    """The image installs the project itself, whose dependencies hold the PostgreSQL driver
    the production engines need, and its `caseline` entry point."""
    assert re.search(r"pip install \.(\s|$)", TEXT)
    assert any(d.startswith("psycopg") for d in PYPROJECT["project"]["dependencies"])
    assert "caseline" in PYPROJECT["project"]["scripts"]


def test_the_runtime_stage_uses_the_built_virtualenv() -> None:
    """The venv is built at the path the runtime stage copies and puts first on PATH."""
    [venv] = re.findall(r"python -m venv (\S+)", TEXT)
    assert f"COPY --from=build {venv} {venv}" in TEXT
    assert f"PATH={venv}/bin:$PATH" in TEXT


def test_it_runs_as_the_non_root_user_the_manifests_expect() -> None:
    """The last USER is a numeric non-root uid:gid, the runAsUser/runAsGroup of every pod."""
    user, group = _instructions("USER")[-1].split(":")
    assert int(user) != 0 and int(group) != 0
    assert f"--uid {user}" in TEXT and f"--gid {group}" in TEXT
    pods = [doc["spec"]["template"]["spec"] for _, doc in kubernetes_documents()
            if "template" in doc.get("spec", {})]
    assert pods
    for pod in pods:
        assert pod["securityContext"]["runAsUser"] == int(user)
        assert pod["securityContext"]["runAsGroup"] == int(group)


def test_trial_secrets_never_enter_the_image() -> None:
    """The compose trial's secrets and .env sit under deploy/, which the image copies: the
    .dockerignore keeps them out of the build context (and .gitignore out of git)."""
    ignored = (DOCKERFILE.parent / "Dockerfile.dockerignore").read_text().splitlines()
    assert {"deploy/compose/secrets", "deploy/compose/.env"} <= set(ignored)
    gitignored = (ROOT / ".gitignore").read_text().splitlines()
    assert {"deploy/compose/secrets/", "deploy/compose/.env"} <= set(gitignored)
