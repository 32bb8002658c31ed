"""A webhook receiver for tests: a real HTTP server (Starlette under uvicorn) on a loopback
port the OS picks, checking every request's Standard Webhooks signature with the
``standardwebhooks`` library, answering the verification challenge, recording what came.
Tell it to fail with ``status`` (500, 410, ...), to echo wrongly, or to be slow."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from deploy.demo.local_ca import TLSFiles

__all__ = ["Received", "WebhookReceiver", "webhook_receiver"]


@dataclass(frozen=True)
class Received:
    """One request whose signature verified."""

    id: str
    type: str
    body: dict[str, Any]
    signatures: tuple[str, ...]
    host: str


@dataclass
class WebhookReceiver:
    """The receiver's state; change the fields to change how it answers."""

    url: str = ""
    # Secrets the receiver accepts (whsec_...): a request verifies when any of them does.
    secrets: list[str] = field(default_factory=list)
    # The status answered to everything once the signature verified; 200 answers normally.
    status: int = 200
    # How the challenge is echoed: "json" ({"challenge": ...}), "plain", or "wrong".
    echo: str = "json"
    delay_s: float = 0.0
    received: list[Received] = field(default_factory=list)
    # Requests whose signature did not verify with any secret (answered 401).
    bad_signatures: int = 0
    # Requests being answered now, and the most there ever were at once.
    in_flight: int = 0
    most_in_flight: int = 0
    # Client connections seen (by peer address and port): reuse keeps this low.
    peers: set[str] = field(default_factory=set)

    @property
    def ids(self) -> list[str]:
        """The webhook-id of each verified request, in arrival order."""
        return [r.id for r in self.received]

    async def handle(self, request: Request) -> Response:
        """Verify, record, answer; counting requests in flight and connections."""
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if request.client is not None:
            self.peers.add(f"{request.client.host}:{request.client.port}")
        try:
            return await self._answer(request)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: Request) -> Response:
        body = await request.body()
        headers = dict(request.headers)
        payload = None
        for secret in self.secrets:
            try:
                payload = Webhook(secret).verify(body, headers)
                break
            except WebhookVerificationError:
                continue
        if not isinstance(payload, dict):
            self.bad_signatures += 1
            return PlainTextResponse("bad signature", status_code=401)
        self.received.append(Received(
            headers["webhook-id"], str(payload.get("type")), payload,
            tuple(headers["webhook-signature"].split(" ")), headers.get("host", "")))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.status != 200:
            return PlainTextResponse("as told", status_code=self.status)
        if payload.get("type") == "webhook.verification":
            challenge = str(payload["data"]["challenge"])
            if self.echo == "plain":
                return PlainTextResponse(challenge)
            if self.echo == "wrong":
                return JSONResponse({"challenge": challenge[::-1]})
            return JSONResponse({"challenge": challenge})
        return Response(status_code=204)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@asynccontextmanager
async def webhook_receiver(path: str = "/hooks/caseline", *, tls: TLSFiles | None = None,
                           host_name: str = "127.0.0.1") -> AsyncIterator[WebhookReceiver]:
    """A receiver serving ``path`` on 127.0.0.1 (a port of the OS's choosing), over https
    with ``tls``'s certificate when given; ``url`` is set to its full URL, naming
    ``host_name`` (which the caller's resolver must send to 127.0.0.1)."""
    receiver = WebhookReceiver()
    app = Starlette(routes=[Route(path, receiver.handle, methods=["POST"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    extra: dict[str, Any] = ({} if tls is None else
                             {"ssl_certfile": str(tls.cert), "ssl_keyfile": str(tls.key)})
    # timeout_graceful_shutdown: stopping drops a request still running after 10 s (a
    # delivery a failed test left hanging) instead of waiting for it forever.
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off",
                                    access_log=False, timeout_graceful_shutdown=10, **extra))
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    ready = asyncio.ensure_future(server.ready.wait())
    await asyncio.wait([task, ready], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()
        raise RuntimeError("the webhook receiver stopped before serving")
    scheme = "http" if tls is None else "https"
    receiver.url = f"{scheme}://{host_name}:{sock.getsockname()[1]}{path}"
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task
        sock.close()


def body_of(received: Received) -> str:
    """A received payload as compact JSON (for messages in failed assertions)."""
    return json.dumps(received.body, separators=(",", ":"))
