"""`caseline audit export|verify`: take the ledger out, check every byte of it offline."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click
import httpx

from deploy.commands.known_ledgers import (
    KeyMismatch,
    KnownLedgersError,
    Trust,
    decide,
    default_path,
    pin,
    read_pins,
)
from deploy.commands.state_options import STATE_DIR, persona_token
from deploy.demo.personas import PERSONAS
from deploy.demo.run_files import StateDirNotFound, locate_state_dir
from deploy.demo.state import DemoState

__all__ = ["audit"]

TOKEN = click.option(
    "--token", envvar="CASELINE_TOKEN", default=None,
    help="Auditor bearer token (env CASELINE_TOKEN). Against a local demo it may be omitted: "
         "the demo's auditor persona is used.")


def _token(token: str | None, state_dir: Path | None, url: str) -> str:
    if token:
        return token
    try:
        # The demo serving --url, when its state directory is not given.
        root = locate_state_dir(state_dir, url)
    except StateDirNotFound as exc:
        raise click.ClickException(
            f"an auditor token is needed: pass --token or set CASELINE_TOKEN. Without one the "
            f"demo's auditor persona is borrowed, but {exc}") from exc
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--url") from exc
    if not DemoState(root).issuer_key.is_file():
        raise click.ClickException(
            "an auditor token is needed: pass --token or set CASELINE_TOKEN (no demo sign-in "
            f"key in {root} to borrow the auditor persona with)")
    click.echo(f"(using the demo auditor {PERSONAS['audrey'].name} from {root}; pass --token "
               "for a real deployment)", err=True)
    return persona_token(root, "audrey", ttl_s=600)


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
    with _export_lines(url, _token(token, state_dir, url)) as lines:
        out = sys.stdout
        for line in lines:
            out.write(line + "\n")
        out.flush()


MAX_KEY_BYTES = 4096


def _served_key(url: str) -> str:
    """The verifier key the gateway publishes at /ledger/key (to pin on first use only)."""
    endpoint = url.rstrip("/") + "/ledger/key"
    body = b""
    try:
        with httpx.stream("GET", endpoint, timeout=30.0) as response:
            if response.status_code != 200:
                raise click.ClickException(f"{endpoint} answered {response.status_code}; pass "
                                           "the ledger's verifier key with --key")
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_KEY_BYTES:  # checked while reading, not after
                    raise click.ClickException(
                        f"{endpoint} answered more than {MAX_KEY_BYTES} bytes; a verifier key "
                        "is one short line")
    except httpx.HTTPError as exc:
        raise click.ClickException(f"cannot read {endpoint}: {exc}") from exc
    try:
        return body.decode().strip()
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{endpoint} did not answer UTF-8 text") from exc


def _first_line(lines: Iterator[str]) -> str:
    for line in lines:
        if line and not line.isspace():
            return line
    _fail("the export is empty (no ledger header line)")


def _fail(message: str) -> NoReturn:
    click.echo(f"FAILED: {message}", err=True)
    sys.exit(1)


def _trust(presented: str | None, key: str | None, pins: dict[str, str]) -> Trust:
    try:
        return decide(presented, key, pins)
    except KeyMismatch as exc:
        _fail(str(exc))
    except KnownLedgersError as exc:
        raise click.UsageError(str(exc)) from exc


def _first_use_notice(trust: Trust, known: Path) -> None:
    rule = "!" * 78
    click.echo("\n".join([
        rule,
        f"!! TRUST ON FIRST USE: pinned ledger {trust.origin}",
        f"!! key id {trust.key_id}, in {known}.",
        "!! This run proves the ledger is consistent with the key its server presented, not",
        "!! that the key is the operator's. Compare it with the key the operator publishes:",
        f"!!   {trust.vkey}",
        "!! From now on any other key for this origin fails verification.",
        rule]), err=True)


@audit.command("verify")
@click.option("--url", default=None, help="Verify the ledger served at this gateway URL.")
@click.option("--file", "file_", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Verify an export written by `caseline audit export`.")
@click.option("--key", default=None,
              help="The ledger's C2SP verifier key (origin+keyhash+base64), e.g. from "
                   "GET /ledger/key, obtained apart from the export. Without it, the key "
                   "pinned for the ledger's origin in the known-ledgers file is used; with "
                   "--url and no pin, the key the gateway serves is pinned on first use.")
@click.option("--known-ledgers", "known_ledgers", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The file of pinned verifier keys (default: "
                   "$XDG_CONFIG_HOME/caseline/known-ledgers, else "
                   "~/.config/caseline/known-ledgers).")
@click.option("--since", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="An earlier signed checkpoint you kept: the ledger must extend it.")
@TOKEN
@STATE_DIR
def verify(url: str | None, file_: Path | None, key: str | None, known_ledgers: Path | None,
           since: Path | None, token: str | None, state_dir: Path | None) -> None:
    """Recompute every leaf hash and the tree, check the checkpoint signatures against a
    key you trust (never the export's own) and, with --since, that nothing before it was
    rewritten. Exit 0 only for an intact ledger signed by the trusted key."""
    from aggregator.ledger.verifier import export_header, verify_export

    if (url is None) == (file_ is None):
        raise click.UsageError("give exactly one of --url or --file")
    known = known_ledgers or default_path()
    try:
        pins = read_pins(known)
    except KnownLedgersError as exc:
        raise click.UsageError(str(exc)) from exc
    earlier = since.read_text() if since else None
    if file_ is not None:
        with file_.open(encoding="utf-8") as handle:
            lines = (line.rstrip("\n") for line in handle)
            first = _first_line(lines)
            try:
                header = export_header(first)
            except ValueError as exc:
                _fail(str(exc))
            if key is None and header.origin not in pins:
                raise click.UsageError(
                    f"no verifier key is known for ledger {header.origin}: pass --key with the "
                    "operator's key (a running gateway serves it at /ledger/key), or verify "
                    f"once with --url to pin it; the key inside the export is not trusted")
            trust = _trust(header.vkey, key, pins)
            result = verify_export(itertools.chain([first], lines), pinned_vkey=trust.vkey,
                                   earlier=earlier)
    else:
        assert url is not None
        trust = _trust(_served_key(url) if key is None else None, key, pins)
        with _export_lines(url, _token(token, state_dir, url)) as served:
            result = verify_export(served, pinned_vkey=trust.vkey, earlier=earlier)
    if not result.ok:
        _fail(result.message)
    if trust.pin_now:
        try:
            pin(known, trust.vkey)
        except KeyMismatch as exc:  # another audit pinned another key meanwhile
            _fail(str(exc))
        if trust.first_use:
            _first_use_notice(trust, known)
        else:
            click.echo(f"(pinned ledger {trust.origin} key id {trust.key_id}, as given with "
                       f"--key, in {known})", err=True)
    checkpoint = result.checkpoint
    size = checkpoint.size if checkpoint else 0
    click.echo(f"OK: {result.entries} entries verified; checkpoint size {size} "
               f"signed by {trust.origin} with key id {trust.key_id}")
    if earlier is None:
        click.echo("(keep the checkpoint from /ledger/checkpoint and pass it with --since next "
                   "time to prove nothing was rewritten)", err=True)
