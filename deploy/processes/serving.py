"""How every Caseline process configures uvicorn (the gateway, the demo and its workers)."""

from __future__ import annotations

from collections.abc import Sequence

import uvicorn
from starlette.types import ASGIApp

__all__ = ["uvicorn_config"]


def uvicorn_config(app: ASGIApp, *, forwarded_allow_ips: Sequence[str] = (),
                   host: str = "127.0.0.1", port: int = 0) -> uvicorn.Config:
    """uvicorn's configuration for ``app``: httptools, no access log, no WebSockets, and
    forwarded headers (X-Forwarded-For, -Proto) believed only from ``forwarded_allow_ips``.

    uvicorn's own default believes them from 127.0.0.1 (or $FORWARDED_ALLOW_IPS): a client
    on the same host, or any client when a proxy passes such headers through unchanged,
    could then name any address it likes and get a fresh rate-limit allowance with each.
    """
    proxies = [ip.strip() for ip in forwarded_allow_ips if ip.strip()]
    # No WebSocket protocol: the schema has no subscriptions, so nothing would answer one.
    return uvicorn.Config(app, host=host, port=port, http="httptools", ws="none",
                          lifespan="on", log_level="warning", access_log=False,
                          proxy_headers=bool(proxies),
                          forwarded_allow_ips=proxies)
