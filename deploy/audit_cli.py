"""`caseline audit export|verify`: take the ledger out, check every byte of it offline."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import httpx

from deploy.personas import PERSONAS
from deploy.state import DemoState, default_state_dir

__all__ = ["audit"]

TOKEN = click.option(
    "--token", envvar="CASELINE_TOKEN", default=None,
    help="Auditor bearer token (env CASELINE_TOKEN). Against a local demo it may be omitted: "
         "the demo's auditor persona is used.")
STATE_DIR = click.option(
    "--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Demo state directory, for the demo auditor token (default: $CASELINE_STATE_DIR or "
         "~/.caseline).")


def _token(token: str | None, state_dir: Path | None) -> str:
    if token:
        return token
    state = DemoState(state_dir or default_state_dir())
    if not state.issuer_key.exists():
        raise click.ClickException(
            "an auditor token is needed: pass --token or set CASELINE_TOKEN (no local demo "
            f"state in {state.root} to borrow the auditor persona from)")
    from aggregator.keys import load_or_create_ed25519
    from gateway.auth import DevIssuer

    who = PERSONAS["audrey"]
    click.echo(f"(using the demo auditor {who.name}; pass --token for a real deployment)",
               err=True)
    return DevIssuer(load_or_create_ed25519(state.issuer_key)).issue(who.id, who.role, who.name,
                                                                     ttl_s=600)


@contextmanager
def _export_lines(url: str, token: str) -> Iterator[Iterator[str]]:
    endpoint = url.rstrip("/") + "/ledger/export"
    try:
        with httpx.stream("GET", endpoint, headers={"Authorization": f"Bearer {token}"},
                          timeout=httpx.Timeout(30.0, read=300.0)) as response:
            if response.status_code != 200:
                response.read()
                raise click.ClickException(
                    f"{endpoint} answered {response.status_code}: {response.text.strip()}")
            yield response.iter_lines()
    except httpx.HTTPError as exc:
        raise click.ClickException(f"cannot read {endpoint}: {exc}") from exc


@click.group()
def audit() -> None:
    """Export and verify the ledger of consents, links and accesses."""


@audit.command("export")
@click.option("--url", required=True, help="Gateway base URL, e.g. http://127.0.0.1:8000")
@TOKEN
@STATE_DIR
def export(url: str, token: str | None, state_dir: Path | None) -> None:
    """Write every entry with its leaf bytes, and the signed checkpoints, as JSON Lines."""
    with _export_lines(url, _token(token, state_dir)) as lines:
        out = sys.stdout
        for line in lines:
            out.write(line + "\n")
        out.flush()


@audit.command("verify")
@click.option("--url", default=None, help="Verify the ledger served at this gateway URL.")
@click.option("--file", "file_", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Verify an export written by `caseline audit export`.")
@click.option("--key", default=None,
              help="The ledger's note verifier key to trust (default: the one in the export; "
                   "pin it for a real audit).")
@click.option("--since", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="An earlier signed checkpoint you kept: the ledger must extend it.")
@TOKEN
@STATE_DIR
def verify(url: str | None, file_: Path | None, key: str | None, since: Path | None,
           token: str | None, state_dir: Path | None) -> None:
    """Recompute every leaf hash and the tree, check the checkpoint signatures and, with
    --since, that nothing before it was rewritten. Exit 0 only for an intact ledger."""
    from aggregator.ledger.verify import verify_export

    if (url is None) == (file_ is None):
        raise click.UsageError("give exactly one of --url or --file")
    earlier = since.read_text() if since else None
    if file_ is not None:
        with file_.open(encoding="utf-8") as handle:
            result = verify_export((line.rstrip("\n") for line in handle),
                                   pinned_vkey=key, earlier=earlier)
    else:
        assert url is not None
        with _export_lines(url, _token(token, state_dir)) as lines:
            result = verify_export(lines, pinned_vkey=key, earlier=earlier)
    if not result.ok:
        click.echo(f"FAILED: {result.message}", err=True)
        sys.exit(1)
    checkpoint = result.checkpoint
    size = checkpoint.size if checkpoint else 0
    click.echo(f"OK: {result.entries} entries verified; checkpoint size {size} "
               f"signed by {checkpoint.origin if checkpoint else '-'}")
    if earlier is None:
        click.echo("(keep the checkpoint from /ledger/checkpoint and pass it with --since next "
                   "time to prove nothing was rewritten)", err=True)
