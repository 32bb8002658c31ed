"""Requests to one agency carried together while a call is in flight."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from aggregator.federation.coalescing import Coalescer
from aggregator.federation.fanout import AgencyCallError


class Agency:
    """A fake batch endpoint: records each call's requests; answers when released."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.timeouts: list[float] = []
        self.release = asyncio.Event()
        self.release.set()
        self.fail_with: AgencyCallError | None = None

    async def send(self, requests: Sequence[str], timeout: float
                   ) -> list[str | AgencyCallError]:
        self.calls.append(list(requests))
        self.timeouts.append(timeout)
        await self.release.wait()
        if self.fail_with is not None:
            raise self.fail_with
        return [AgencyCallError("PERMISSION_DENIED", f"not {r}") if r.startswith("bad")
                else r.upper() for r in requests]


async def test_a_lone_request_goes_out_at_once_by_itself() -> None:
    agency = Agency()
    coalescer = Coalescer(agency.send)
    assert await coalescer.call("a", 1.0) == "A"
    assert agency.calls == [["a"]]


async def test_requests_arriving_during_a_call_go_together_in_the_next() -> None:
    agency = Agency()
    agency.release.clear()
    coalescer = Coalescer(agency.send)
    first = asyncio.ensure_future(coalescer.call("a", 1.0))
    await asyncio.sleep(0)  # the first call is now in flight
    rest = [asyncio.ensure_future(coalescer.call(r, 1.0)) for r in ("b", "c", "d")]
    await asyncio.sleep(0)
    assert agency.calls == [["a"]]
    agency.release.set()
    assert await first == "A"
    assert await asyncio.gather(*rest) == ["B", "C", "D"]
    assert agency.calls == [["a"], ["b", "c", "d"]]
    assert (coalescer.calls, coalescer.requests) == (2, 4)


async def test_each_request_gets_its_own_answer_or_error() -> None:
    agency = Agency()
    agency.release.clear()
    coalescer = Coalescer(agency.send)
    blocker = asyncio.ensure_future(coalescer.call("x", 1.0))
    await asyncio.sleep(0)
    good, bad = (asyncio.ensure_future(coalescer.call(r, 1.0)) for r in ("ok", "bad1"))
    agency.release.set()
    await blocker
    assert await good == "OK"
    with pytest.raises(AgencyCallError) as caught:
        await bad
    assert (caught.value.code, caught.value.message) == ("PERMISSION_DENIED", "not bad1")


async def test_a_failed_call_fails_every_request_it_carried() -> None:
    agency = Agency()
    agency.fail_with = AgencyCallError("UNAVAILABLE", "down")
    coalescer = Coalescer(agency.send)
    results = await asyncio.gather(*(coalescer.call(r, 1.0) for r in "abc"),
                                   return_exceptions=True)
    assert all(isinstance(r, AgencyCallError) and r.code == "UNAVAILABLE" for r in results)


async def test_batches_are_capped_and_in_arrival_order() -> None:
    agency = Agency()
    agency.release.clear()
    coalescer = Coalescer(agency.send, max_batch=2)
    # Queued in one go, before the first call could start: they leave together, two a time.
    waiting = [asyncio.ensure_future(coalescer.call(r, 1.0)) for r in "abcde"]
    await asyncio.sleep(0)
    agency.release.set()
    assert await asyncio.gather(*waiting) == list("ABCDE")
    assert agency.calls == [["a", "b"], ["c", "d"], ["e"]]


async def test_a_request_keeps_its_own_deadline_and_is_dropped_once_given_up() -> None:
    agency = Agency()
    agency.release.clear()
    coalescer = Coalescer(agency.send)
    slow = asyncio.ensure_future(coalescer.call("a", 5.0))
    await asyncio.sleep(0)
    impatient = asyncio.ensure_future(coalescer.call("b", 0.05))
    patient = asyncio.ensure_future(coalescer.call("c", 5.0))
    with pytest.raises(AgencyCallError) as caught:
        await impatient
    assert caught.value.code == "DEADLINE_EXCEEDED"
    agency.release.set()
    assert (await slow, await patient) == ("A", "C")
    assert agency.calls == [["a"], ["c"]]  # nobody was waiting for b any more
    assert 4.0 < agency.timeouts[1] <= 5.0  # the call may use what its request has left


async def test_a_cancelled_reader_does_not_disturb_the_others() -> None:
    agency = Agency()
    agency.release.clear()
    coalescer = Coalescer(agency.send)
    first = asyncio.ensure_future(coalescer.call("a", 1.0))
    await asyncio.sleep(0)
    gone, stays = (asyncio.ensure_future(coalescer.call(r, 1.0)) for r in "bc")
    await asyncio.sleep(0)
    gone.cancel()
    agency.release.set()
    assert (await first, await stays) == ("A", "C")
    assert gone.cancelled()


async def test_too_few_answers_fail_the_whole_call_instead_of_misdelivering() -> None:
    async def short(requests: Sequence[str], timeout: float) -> list[str | AgencyCallError]:
        return ["only one"]

    coalescer: Coalescer[str, str] = Coalescer(short)
    results = await asyncio.gather(*(coalescer.call(r, 1.0) for r in "abc"),
                                   return_exceptions=True)
    assert all(isinstance(r, AgencyCallError) and r.code == "INTERNAL" for r in results)


def test_limits_must_be_positive() -> None:
    async def send(requests: Sequence[str], timeout: float) -> list[str | AgencyCallError]:
        return list(requests)

    with pytest.raises(ValueError, match="at least 1"):
        Coalescer(send, max_batch=0)
