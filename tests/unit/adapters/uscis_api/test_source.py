"""The bridge's source: lookups count on the quota; watched receipts make a change feed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.uscis_api.client import CaseStatusClient
from adapters.uscis_api.errors import QuotaSpentError, UnavailableError
from adapters.uscis_api.limits import DailyQuota, RateLimiter
from adapters.uscis_api.source import FROM_MEMORY, REJECTED, UscisCaseSource
from adapters.uscis_api.token import Credentials, TokenCache
from support.uscis_fake import CLIENT_ID, CLIENT_SECRET, FakeUscisApi, case_status


class Setup:
    def __init__(self, fake: FakeUscisApi, source: UscisCaseSource, quota: DailyQuota) -> None:
        self.fake, self.source, self.quota = fake, source, quota


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    fake = FakeUscisApi()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app()),
                                 base_url="http://uscis.test") as http:
        quota = DailyQuota(20, reserve=0.5)
        client = CaseStatusClient(http, TokenCache(http, Credentials(CLIENT_ID, CLIENT_SECRET)),
                                  RateLimiter(1000.0, burst=10), quota)
        source = UscisCaseSource(client, quota, poll_interval_s=0.01, max_watched=2)
        yield Setup(fake, source, quota)
        await source.close()


def _approve(fake: FakeUscisApi, receipt: str) -> None:
    fake.cases[receipt] = case_status(receipt, "I-129", "Case Was Approved", "We approved it.",
                                      modified="11-20-2026 09:00:00")


async def test_found_and_missing_numbers(setup: Setup) -> None:
    found = await setup.source.find_cases(["EAC9999103402", "EAC0000000001"],
                                          with_history=False)
    assert list(found) == ["EAC9999103402"]
    assert setup.quota.remaining == 18


async def test_a_batch_past_the_quota_asks_nothing(setup: Setup) -> None:
    setup.quota.take(19)
    with pytest.raises(QuotaSpentError):
        await setup.source.find_cases(["EAC9999103402", "LIN9912345678"], with_history=False)
    assert setup.fake.status_requests == []


async def test_numbers_uscis_refuses_are_noted_for_the_call(setup: Setup) -> None:
    rejected: dict[str, str] = {}
    token = REJECTED.set(rejected)
    try:
        found = await setup.source.find_cases(["EAC99991034", "EAC9999103402"],
                                              with_history=False)
    finally:
        REJECTED.reset(token)
    assert list(found) == ["EAC9999103402"]
    assert rejected == {"EAC99991034": "Invalid receipt number format"}


async def test_an_outage_fails_the_whole_call(setup: Setup) -> None:
    setup.fake.unavailable = "maintenance"
    with pytest.raises(UnavailableError, match="maintenance"):
        await setup.source.find_cases(["EAC9999103402"], with_history=False)


async def test_a_watched_receipt_that_changes_makes_one_change(setup: Setup) -> None:
    await setup.source.find_cases(["LIN9912345678"], with_history=False)
    start = setup.source.latest_cursor()
    await setup.source.poll_once()  # unchanged: nothing
    assert setup.source.changes_since(start, 10) == []
    _approve(setup.fake, "LIN9912345678")
    await setup.source.poll_once()
    await setup.source.poll_once()  # still approved: no repeat
    (change,) = setup.source.changes_since(start, 10)
    assert change.case_number == "LIN9912345678" and change.cursor == start + 1
    assert change.event.code == "Case Was Approved"


async def test_undated_statuses_keep_the_time_first_seen(setup: Setup) -> None:
    first = await setup.source.find_cases(["IOE0912345678"], with_history=False)
    again = await setup.source.find_cases(["IOE0912345678"], with_history=False)
    assert first["IOE0912345678"].events == again["IOE0912345678"].events


async def test_polling_keeps_the_lookups_share_of_the_quota(setup: Setup) -> None:
    await setup.source.find_cases(["LIN9912345678"], with_history=False)
    setup.quota.take(9)  # 10 left: the lookups' half
    polled = len(setup.fake.status_requests)
    wait = await setup.source.poll_once()
    assert len(setup.fake.status_requests) == polled and wait >= 60


async def test_only_the_most_recently_asked_receipts_are_watched(setup: Setup) -> None:
    for number in ("LIN9912345678", "EAC9999103402", "IOE0912345678"):
        await setup.source.find_cases([number], with_history=False)
    assert setup.source.watched == ("EAC9999103402", "IOE0912345678")


async def test_a_change_stream_s_lookups_come_from_memory(setup: Setup) -> None:
    await setup.source.find_cases(["LIN9912345678"], with_history=False)
    asked = len(setup.fake.status_requests)
    token = FROM_MEMORY.set(True)
    try:
        found = await setup.source.find_cases(["LIN9912345678", "EAC9999103402"],
                                              with_history=False)
    finally:
        FROM_MEMORY.reset(token)
    assert list(found) == ["LIN9912345678"]
    assert len(setup.fake.status_requests) == asked and setup.quota.remaining == 19
