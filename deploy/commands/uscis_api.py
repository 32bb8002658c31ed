"""`caseline adapter run uscis-api`: the bridge over the official USCIS Case Status API."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = ["run_uscis_api", "uscis_api_options"]

F = TypeVar("F", bound=Callable[..., Any])


def uscis_api_options(command: F) -> F:
    """--sandbox/--production, --base-url and --daily-quota (uscis-api only)."""
    command = click.option(
        "--daily-quota", type=click.IntRange(min=1), default=None,
        help="uscis-api: calls a day the Developer App may make (default: the "
             "environment's, 1,000 in the sandbox, 150,000 in production).")(command)
    command = click.option(
        "--base-url", default=None, metavar="URL",
        help="uscis-api: the API's address instead of the environment's (a local fake in "
             "tests, a forward proxy).")(command)
    return click.option(
        "--sandbox/--production", "sandbox", default=True, show_default=True,
        help="uscis-api: the sandbox (api-int.uscis.gov, staging receipt numbers) or "
             "production (api.uscis.gov, live receipt numbers).")(command)


def run_uscis_api(*, host: str, port: int, tls_files: list[Path] | None, log_level: str,
                  sandbox: bool, base_url: str | None, daily_quota: int | None) -> None:
    """Serve the bridge until SIGINT or SIGTERM; prints {"event": "listening", ...}."""
    import uvloop

    from adapters.sdk.logs import configure_logging
    from adapters.sdk.server import run_adapter
    from adapters.sdk.transport import ServerTLS, check_listen_address
    from adapters.uscis_api.profile import PRODUCTION, SANDBOX
    from adapters.uscis_api.serve import BridgeSettings, credentials_from, open_bridge

    configure_logging(log_level.upper())
    if base_url is not None and not base_url.startswith(("https://", "http://")):
        raise click.BadParameter("must start with https:// (or http:// for a local fake)",
                                 param_hint="--base-url")
    try:
        tls = ServerTLS.from_files(*tls_files) if tls_files else None
        check_listen_address(host, tls)
        settings = BridgeSettings(SANDBOX if sandbox else PRODUCTION,
                                  credentials_from(os.environ), base_url=base_url,
                                  daily_quota=daily_quota)
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc

    def listening(bound: int) -> None:
        click.echo(json.dumps({"event": "listening", "agency": "immigration",
                               "adapter": "uscis-api", "api": settings.url, "port": bound}))
        sys.stdout.flush()

    async def serve() -> None:
        async with open_bridge(settings) as servicer:
            await run_adapter(servicer, host=host, port=port, on_listening=listening, tls=tls)

    uvloop.run(serve())
