"""How every Caseline process configures uvicorn (the gateway, the demo and its workers)."""

from __future__ import annotations

from collections.abc import Sequence

import uvicorn
from starlette.types import ASGIApp

from gateway.bodylimit import DEFAULT_MAX_BODY_BYTES

__all__ = ["uvicorn_config"]


# Seconds a stopping server waits for requests in progress (Kubernetes' default
# termination grace period is 30 s; this leaves room for the ledger's last flush).
GRACEFUL_SHUTDOWN_S = 10


def uvicorn_config(app: ASGIApp, *, forwarded_allow_ips: Sequence[str] = (),
                   host: str = "127.0.0.1", port: int = 0) -> uvicorn.Config:
    """uvicorn's configuration for ``app``: httptools, no access log, WebSockets (for the
    GraphQL subscriptions) with small messages, and
    forwarded headers (X-Forwarded-For, -Proto) believed only from ``forwarded_allow_ips``.

    uvicorn's own default believes them from 127.0.0.1 (or $FORWARDED_ALLOW_IPS): a client
    on the same host, or any client when a proxy passes such headers through unchanged,
    could then name any address it likes and get a fresh rate-limit allowance with each.
    """
    proxies = [ip.strip() for ip in forwarded_allow_ips if ip.strip()]
    # WebSockets carry GraphQL subscriptions (graphql-transport-ws on /graphql): the sans-I/O
    # implementation of the websockets library (the legacy one is deprecated), messages no
    # larger than a request body may be, pings every 20 s to drop dead peers.
    return uvicorn.Config(app, host=host, port=port, http="httptools",
                          ws="websockets-sansio", ws_max_size=DEFAULT_MAX_BODY_BYTES,
                          ws_ping_interval=20.0, ws_ping_timeout=20.0,
                          lifespan="on", log_level="warning", access_log=False,
                          proxy_headers=bool(proxies),
                          forwarded_allow_ips=proxies,
                          # A request stuck past this (an agency that never answers, a
                          # client that never reads) must not hold a SIGTERM forever.
                          timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
