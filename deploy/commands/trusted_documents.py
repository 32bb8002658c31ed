"""`caseline trusted-documents`: write and check manifests of trusted documents, and the
``--trusted-documents`` option of `caseline gateway serve` and `caseline demo`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson

from gateway.trusted_manifest import (
    SHIPPED,
    ManifestError,
    TrustedDocuments,
    build_manifest,
    load_manifests,
)

__all__ = ["TRUSTED_DOCUMENTS", "manifest_text", "trusted_documents", "trusted_from"]

F = TypeVar("F", bound=Callable[..., Any])
MANIFEST_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)

TRUSTED_DOCUMENTS: Callable[[F], F] = click.option(
    "--trusted-documents", "trusted_documents", multiple=True, type=MANIFEST_FILE,
    metavar="FILE",
    help="Run only the GraphQL documents of this manifest (Apollo's persisted query manifest "
         'or a {"<sha256>": "<document>"} map; repeatable, merged). The one Caseline ships '
         "(its pages' and acceptance operations) is at `caseline trusted-documents shipped`. "
         "Default: any document runs.")


def trusted_from(paths: tuple[Path, ...]) -> TrustedDocuments | None:
    """The manifests' documents, checked now (a bad file stops the command, saying why);
    None without any, when every document runs."""
    if not paths:
        return None
    try:
        return load_manifests(paths)
    except ManifestError as exc:
        raise click.BadParameter(str(exc), param_hint="--trusted-documents") from exc


def manifest_text(directories: tuple[Path, ...]) -> bytes:
    """The Apollo manifest of every ``*.graphql`` file under ``directories`` (sorted by
    path within each), as `build` writes it."""
    files = [path for directory in directories for path in sorted(directory.rglob("*.graphql"))]
    if not files:
        raise ManifestError(f"no *.graphql file under {', '.join(map(str, directories))}")
    manifest = build_manifest((str(path), path.read_text(encoding="utf-8")) for path in files)
    return orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n"


@click.group("trusted-documents")
def trusted_documents() -> None:
    """Manifests of the GraphQL documents a gateway with --trusted-documents runs."""


@trusted_documents.command("build")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("directories", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
def build(out: Path, directories: tuple[Path, ...]) -> None:
    """Write OUT: an Apollo persisted query manifest of every *.graphql file under the
    DIRECTORIES, one named operation per file, each body exactly as written."""
    try:
        text = manifest_text(directories)
    except ManifestError as exc:
        raise click.ClickException(str(exc)) from exc
    out.write_bytes(text)
    click.echo(f"{out}: {len(orjson.loads(text)['operations'])} documents")


@trusted_documents.command("check")
@click.argument("files", nargs=-1, required=True, type=MANIFEST_FILE)
def check(files: tuple[Path, ...]) -> None:
    """Check manifests as the gateway does at start: format, sizes, and each id the
    sha256 of its document. Prints how many documents they hold together."""
    try:
        documents = load_manifests(files)
    except ManifestError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{len(documents)} trusted documents")


@trusted_documents.command("shipped")
def shipped() -> None:
    """Print the path of the manifest Caseline ships (the acceptance operations)."""
    click.echo(str(SHIPPED))
