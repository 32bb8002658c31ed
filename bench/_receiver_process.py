"""The benchmark's webhook receiver in a process of its own, as a representative's system is:
tests/support/webhook_receiver.py's receiver (signatures verified with ``standardwebhooks``)
serving on loopback, each verified delivery's (type, agency, case number, arrival time)
sent back to the benchmark over a queue. Its secret is given once registration made one."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RemoteReceiver", "receiver_process"]

_STOP = "stop"


def _serve(commands: Any, arrivals: Any) -> None:
    """The child: serve until told to stop; "secret" commands add a signing secret."""
    from support.webhook_receiver import Received, webhook_receiver

    class Telling(list[Received]):
        def append(self, item: Received) -> None:
            super().append(item)
            data = item.body.get("data", {})
            arrivals.put((item.type, data.get("agency", {}).get("id"), data.get("caseNumber"),
                          time.time()))

    async def main() -> None:
        async with webhook_receiver() as receiver:
            receiver.received = Telling()
            arrivals.put(("url", receiver.url, None, 0.0))
            while True:
                command = await asyncio.to_thread(commands.get)
                if command == _STOP:
                    arrivals.put(("bad_signatures", receiver.bad_signatures, None, 0.0))
                    return
                receiver.secrets.append(command)
                arrivals.put(("secret", None, None, 0.0))

    asyncio.run(main())


@dataclass
class RemoteReceiver:
    """The running receiver: its ``url``; ``add_secret`` before the handshake."""

    url: str
    _commands: Any
    bad_signatures: int = 0
    _secret_taken: threading.Event = field(default_factory=threading.Event)

    async def add_secret(self, secret: str) -> None:
        """Accept deliveries signed with ``secret`` from now on (returns once it does)."""
        self._secret_taken.clear()
        self._commands.put(secret)
        if not await asyncio.to_thread(self._secret_taken.wait, 30):
            raise RuntimeError("the receiver process did not take the secret")


@asynccontextmanager
async def receiver_process(on_arrival: Callable[[str, str, str, float], None]
                           ) -> AsyncIterator[RemoteReceiver]:
    """Start the receiver process; ``on_arrival(type, agency, number, wall time)`` is called
    on the event loop for each verified delivery."""
    context = multiprocessing.get_context("spawn")
    commands, arrivals = context.Queue(), context.Queue()
    child = context.Process(target=_serve, args=(commands, arrivals), daemon=True)
    child.start()
    kind, url, _, _ = await asyncio.to_thread(arrivals.get, True, 60)
    assert kind == "url", kind
    remote = RemoteReceiver(str(url), commands)
    loop = asyncio.get_running_loop()
    running = threading.Event()
    running.set()

    def pump() -> None:
        while running.is_set():
            with contextlib.suppress(queue.Empty):
                item = arrivals.get(timeout=0.2)
                if item[0] == "secret":
                    remote._secret_taken.set()
                    continue
                if item[0] == "bad_signatures":
                    remote.bad_signatures = int(item[1])
                    running.clear()
                    return
                loop.call_soon_threadsafe(on_arrival, *item)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        yield remote
    finally:
        commands.put(_STOP)
        await asyncio.to_thread(reader.join, 10)
        await asyncio.to_thread(child.join, 10)
        if child.is_alive():
            child.kill()
