"""Concurrent requests to one agency, carried together in shared calls when it is busy.

A gRPC call has a fixed cost on both ends (some 0.3-0.5 ms of CPU in Python) that is larger
than the work of a small request. Under load many readers' requests to the same agency are
waiting at once; sending them in one batch call pays that cost once. The rule is Nagle's: a
request goes out at once when no call is in flight; requests that arrive while one is wait
for it to finish and then go together. An idle gateway therefore adds no delay, and a busy
one never waits longer than one call.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from aggregator.federation.fanout import AgencyCallError

__all__ = ["Coalescer", "SendBatch"]

Req = TypeVar("Req")
Resp = TypeVar("Resp")

# Sends requests in one call with the given timeout; one answer per request, in order, each
# a response or the AgencyCallError that request alone would have failed with. Raises
# AgencyCallError when the call as a whole fails.
SendBatch = Callable[[Sequence[Req], float], Awaitable[list[Resp | AgencyCallError]]]


@dataclass(slots=True)
class _Waiting(Generic[Req, Resp]):
    request: Req
    deadline: float
    answer: asyncio.Future[Resp]


class Coalescer(Generic[Req, Resp]):
    """Sends requests through ``send``: at once when idle, else together in the next call."""

    def __init__(self, send: SendBatch[Req, Resp], *, max_batch: int = 100,
                 max_in_flight: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        if max_batch < 1 or max_in_flight < 1:
            raise ValueError("max_batch and max_in_flight must be at least 1")
        self._send = send
        self._max_batch = max_batch
        self._max_in_flight = max_in_flight
        self._clock = clock
        self._queue: deque[_Waiting[Req, Resp]] = deque()
        self._in_flight = 0
        self._senders: set[asyncio.Task[None]] = set()
        self.calls = 0  # batch calls made, for tests and benchmarks
        self.requests = 0  # requests carried in them

    @property
    def max_batch(self) -> int:
        """The most requests one call carries."""
        return self._max_batch

    @max_batch.setter
    def max_batch(self, value: int) -> None:
        # Learned from the agency after start (its Describe); calls in flight keep theirs.
        if value < 1:
            raise ValueError(f"max_batch must be at least 1, got {value}")
        self._max_batch = value

    async def call(self, request: Req, timeout: float) -> Resp:
        """``request``'s answer; AgencyCallError as the request alone would have failed."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Resp] = loop.create_future()
        waiting = _Waiting(request, self._clock() + timeout, answer)
        self._queue.append(waiting)
        if self._in_flight < self._max_in_flight:
            self._in_flight += 1
            sender = loop.create_task(self._drain())
            self._senders.add(sender)
            sender.add_done_callback(self._senders.discard)
        # A waiter that times out or is cancelled cancels its answer, which the call that
        # carries it then skips.
        try:
            async with asyncio.timeout(timeout):
                return await answer
        except TimeoutError:
            raise AgencyCallError("DEADLINE_EXCEEDED",
                                  "no answer within the call's deadline") from None

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = [self._queue.popleft()
                         for _ in range(min(self._max_batch, len(self._queue)))]
                batch = [w for w in batch if not w.answer.done()]  # drop the abandoned
                if batch:
                    await self._carry(batch)
        finally:
            self._in_flight -= 1

    async def _carry(self, batch: list[_Waiting[Req, Resp]]) -> None:
        # The call may take as long as the most patient request allows; each request's own
        # deadline is kept by its waiter.
        timeout = max(w.deadline for w in batch) - self._clock()
        self.calls += 1
        self.requests += len(batch)
        try:
            if timeout <= 0:
                raise AgencyCallError("DEADLINE_EXCEEDED", "no time left for the call")
            answers = await self._send([w.request for w in batch], timeout)
            if len(answers) != len(batch):
                raise AgencyCallError("INTERNAL", f"{len(answers)} answers to {len(batch)} "
                                                  "requests")
        except AgencyCallError as exc:
            answers = [exc] * len(batch)
        except Exception as exc:  # a bug of ours must not leave readers waiting forever
            answers = [AgencyCallError("INTERNAL", f"batch call failed: {exc!r}")] * len(batch)
        for waiting, answer in zip(batch, answers, strict=True):
            if waiting.answer.done():
                continue
            if isinstance(answer, AgencyCallError):
                waiting.answer.set_exception(answer)
            else:
                waiting.answer.set_result(answer)
