"""Lookups split into the batches an adapter takes: its Describe limit read once, the
batches sent at once under one deadline, answers merged in order, a failing batch failing only
its own numbers."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from aggregator.config import parse_config
from aggregator.federation.chunks import (
    CONTRACT_MAX_BATCH,
    batch_limit,
    chunks,
    limit_from_describe,
)
from aggregator.federation.fanout import AgencyCallError, Federation, RetryPolicy
from aggregator.model import AgencyFailure, Case, LookupFailure, LookupOutcome, Status
from aggregator.ports import AdapterPort
from support.fakes import fake_service

AT = datetime(2026, 5, 1, tzinfo=UTC)
CONFIG = parse_config({"agencies": [
    {"id": "immigration", "name": "Immigration Agency", "name_es": "Agencia de Inmigración",
     "address": "unused:1", "numbers": "^IOE", "number_format": "IOE and 10 digits"}]})
NUMBERS = [f"IOE09900000{i:02d}" for i in range(1, 13)]  # twelve


def _case(number: str) -> Case:
    status = Status("PENDING", "RECEIVED", False, "Case Was Received", "")
    return Case("immigration", number, "I-765", "Work permit", status, AT, AT)


class FiveAtATime:
    """An adapter that says it takes 5 numbers a call, refuses more (as the bridge does),
    and holds every call until all the calls it expects have started, so calls made one
    after another would never finish (concurrency shown without timing anything)."""

    agency_id = "immigration"

    def __init__(self, *, expected_calls: int, failing: str = "",
                 code: str = "INTERNAL") -> None:
        self.calls: list[list[str]] = []
        self.limit_asked = 0
        self._expected = expected_calls
        self._all_started = asyncio.Event()
        self._failing, self._code = failing, code

    async def batch_limit(self, timeout: float) -> int:
        self.limit_asked += 1
        return 5

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        if len(numbers) > 5:
            raise AgencyCallError("INVALID_ARGUMENT", "at most 5", "BATCH_TOO_LARGE")
        self.calls.append(list(numbers))
        if len(self.calls) >= self._expected:
            self._all_started.set()
        try:
            await asyncio.wait_for(self._all_started.wait(), timeout)
        except TimeoutError:
            raise AgencyCallError("DEADLINE_EXCEEDED", "calls came one at a time") from None
        if self._failing in numbers:
            raise AgencyCallError(self._code, "this batch failed")
        return [_case(n) for n in numbers]

    async def subject_cases(self, *args: object) -> object:
        raise NotImplementedError

    async def verify_ownership(self, *args: object) -> object:
        raise NotImplementedError

    async def close(self) -> None:
        return None


def _service(adapter: object) -> object:
    adapters: dict[str, AdapterPort] = {"immigration": adapter}  # type: ignore[dict-item]
    return fake_service(CONFIG, adapters)


def test_chunks_keep_order_and_the_last_holds_the_rest() -> None:
    """Twelve in fives: 5, 5 and 2, in order."""
    assert chunks(NUMBERS, 5) == [NUMBERS[:5], NUMBERS[5:10], NUMBERS[10:]]
    assert chunks([], 5) == [] and chunks(NUMBERS, 100) == [NUMBERS]


def test_a_chunk_size_below_one_is_refused() -> None:
    """Size 0 would never end: refused, saying what is expected."""
    with pytest.raises(ValueError, match="a batch holds at least 1 item, got size 0"):
        chunks(NUMBERS, 0)


@pytest.mark.parametrize(("advertised", "used"), [(0, 100), (5, 5), (100, 100), (1000, 100),
                                                  (-3, 100), (1, 1)])
def test_an_adapters_advertised_limit_is_believed_within_the_contract(advertised: int,
                                                                      used: int) -> None:
    """Unset is the contract's 100; nothing above 100 is believed."""
    assert limit_from_describe(advertised) == used


async def test_an_adapter_that_does_not_say_takes_the_contracts_maximum() -> None:
    """A fake without batch_limit: 100, as before this existed."""
    assert await batch_limit(object(), 1.0) == CONTRACT_MAX_BATCH


async def test_twelve_numbers_go_as_three_calls_at_once_answered_in_order() -> None:
    """The adapter advertising 5 gets 5, 5 and 2 numbers, all in flight together; the
    answers come back in the order asked, and the limit was asked once."""
    adapter = FiveAtATime(expected_calls=3)
    service = _service(adapter)
    outcomes = await service.lookup(NUMBERS)  # type: ignore[attr-defined]
    assert sorted(map(len, adapter.calls)) == [2, 5, 5]
    assert sorted(n for call in adapter.calls for n in call) == NUMBERS
    assert [o.number for o in outcomes] == NUMBERS
    assert all(isinstance(o, Case) for o in outcomes)
    assert adapter.limit_asked == 1


async def test_a_failing_batch_fails_only_its_own_numbers() -> None:
    """The batch holding the 7th number fails: numbers 6-10 are AGENCY_UNAVAILABLE with the
    agency's code, the other seven are answered."""
    adapter = FiveAtATime(expected_calls=3, failing=NUMBERS[6])
    outcomes = await _service(adapter).lookup(NUMBERS)  # type: ignore[attr-defined]
    failed = [o.number for o in outcomes if isinstance(o, LookupFailure)]
    assert failed == NUMBERS[5:10]
    assert all(o.code == "AGENCY_UNAVAILABLE" and o.cause == "INTERNAL"
               for o in outcomes if isinstance(o, LookupFailure))
    assert [o.number for o in outcomes if isinstance(o, Case)] == NUMBERS[:5] + NUMBERS[10:]


async def test_an_unavailable_batch_is_retried_on_its_own() -> None:
    """UNAVAILABLE for one batch: that batch alone is retried (then fails), the others are
    asked once."""
    adapter = FiveAtATime(expected_calls=3, failing=NUMBERS[0], code="UNAVAILABLE")
    outcomes = await _service(adapter).lookup(NUMBERS)  # type: ignore[attr-defined]
    first = [call for call in adapter.calls if NUMBERS[0] in call]
    assert len(first) == CONFIG.retry_attempts  # retried
    assert len(adapter.calls) == CONFIG.retry_attempts + 2  # the other two once each
    assert [isinstance(o, LookupFailure) for o in outcomes] == [True] * 5 + [False] * 7


async def test_a_batch_answered_with_too_few_answers_fails_as_internal() -> None:
    """An adapter that drops an answer fails its batch, not a neighbour's number."""
    async def short(numbers: Sequence[str], timeout: float) -> list[str]:
        return list(numbers)[1:] if "b" in numbers else list(numbers)

    federation = Federation(["a"], retry=RetryPolicy(attempts=1))
    answers = await federation.call_in_chunks("a", short, ["a", "b", "c", "d"], 2,
                                              federation.deadline_after(1.0))
    assert answers[2:] == ["c", "d"]
    assert answers[:2] == [AgencyFailure("a", "INTERNAL", "1 answers to 2 items")] * 2
