"""uvicorn_config: a stopping server does not wait forever for a request stuck in progress."""

from __future__ import annotations

import asyncio

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from deploy.processes.serving import GRACEFUL_SHUTDOWN_S, uvicorn_config


async def test_a_request_that_never_ends_does_not_hold_the_shutdown() -> None:
    started = asyncio.Event()

    async def stuck(_: Request) -> PlainTextResponse:
        started.set()
        await asyncio.Event().wait()  # an agency that never answers
        return PlainTextResponse("never")

    server = uvicorn.Server(uvicorn_config(Starlette(routes=[Route("/", stuck)])))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    async with httpx.AsyncClient() as client:
        request = asyncio.create_task(client.get(f"http://127.0.0.1:{port}/", timeout=60))
        await asyncio.wait_for(started.wait(), 10)
        server.should_exit = True
        # Without a graceful-shutdown bound uvicorn waits for the request for ever.
        await asyncio.wait_for(serving, GRACEFUL_SHUTDOWN_S + 20)
        request.cancel()
    assert serving.done() and serving.exception() is None
