"""The HTTP client against the fake API in process: every documented answer and failure."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.uscis_api.client import CaseStatusClient, RejectedNumberError
from adapters.uscis_api.errors import QuotaSpentError, RateLimitedError, UnavailableError
from adapters.uscis_api.limits import DailyQuota, RateLimiter
from adapters.uscis_api.token import Credentials, TokenCache
from support.uscis_fake import CLIENT_ID, CLIENT_SECRET, FakeUscisApi


class Setup:
    def __init__(self, fake: FakeUscisApi, client: CaseStatusClient, quota: DailyQuota,
                 waits: list[float]) -> None:
        self.fake, self.client, self.quota, self.waits = fake, client, quota, waits


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    fake = FakeUscisApi()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app()),
                                 base_url="http://uscis.test") as http:
        quota = DailyQuota(100, reserve=0.0)
        client = CaseStatusClient(http, TokenCache(http, Credentials(CLIENT_ID, CLIENT_SECRET)),
                                  RateLimiter(1000.0, burst=10), quota, sleep=sleep)
        yield Setup(fake, client, quota, waits)


async def test_a_known_receipt_is_the_case(setup: Setup) -> None:
    case = await setup.client.case_status("EAC9999103402")
    assert case is not None and case.title_en == "Case Was Approved"
    assert case.form_type == "I-485" and "<br" not in case.description_en


async def test_an_unknown_receipt_answered_200_with_empty_fields_is_none(setup: Setup) -> None:
    assert await setup.client.case_status("EAC0000000001") is None
    assert setup.fake.status_requests == [("EAC0000000001", 200)]


async def test_404_is_none(setup: Setup) -> None:
    setup.fake.not_found_404.add("EAC0000000404")
    assert await setup.client.case_status("EAC0000000404") is None


async def test_422_is_a_rejected_number_with_uscis_reason(setup: Setup) -> None:
    with pytest.raises(RejectedNumberError, match="Invalid receipt number format"):
        await setup.client.case_status("ABC123")


async def test_401_re_authenticates_once_and_retries(setup: Setup) -> None:
    assert await setup.client.case_status("EAC9999103402") is not None
    setup.fake.revoke_tokens()
    assert await setup.client.case_status("EAC9999103402") is not None
    assert setup.fake.token_requests == 2
    assert [s for _, s in setup.fake.status_requests] == [200, 401, 200]
    assert setup.quota.remaining == 99  # the retry counted on the quota


async def test_a_second_401_is_unavailable_not_a_loop(setup: Setup,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(setup.fake, "tokens", _NeverValid())
    with pytest.raises(UnavailableError) as caught:
        await setup.client.case_status("EAC9999103402")
    assert caught.value.reason == "USCIS_API_CREDENTIALS_REFUSED"
    assert len(setup.fake.status_requests) == 2


class _NeverValid(set[str]):
    def __contains__(self, item: object) -> bool:
        return False


async def test_429_backs_off_as_retry_after_asks_then_succeeds(setup: Setup) -> None:
    setup.fake.rate_limited, setup.fake.retry_after = 2, "3"
    assert await setup.client.case_status("EAC9999103402") is not None
    assert setup.waits == [3.0, 3.0]


async def test_429_that_persists_is_resource_exhausted(setup: Setup) -> None:
    setup.fake.rate_limited, setup.fake.retry_after = 5, "1"
    with pytest.raises(RateLimitedError) as caught:
        await setup.client.case_status("EAC9999103402")
    assert caught.value.code.name == "RESOURCE_EXHAUSTED"
    assert caught.value.reason == "RATE_LIMIT_EXCEEDED"
    assert len(setup.waits) == 2


async def test_a_retry_after_too_long_to_wait_gives_up_at_once(setup: Setup) -> None:
    setup.fake.rate_limited, setup.fake.retry_after = 1, "3600"
    with pytest.raises(RateLimitedError, match="try again in 3600 s"):
        await setup.client.case_status("EAC9999103402")
    assert setup.waits == []


async def test_503_is_unavailable_with_uscis_reason(setup: Setup) -> None:
    setup.fake.unavailable = "Sandbox is available Monday to Friday, 8 AM to 8 PM ET"
    with pytest.raises(UnavailableError) as caught:
        await setup.client.case_status("EAC9999103402")
    assert caught.value.code.name == "UNAVAILABLE"
    assert "(503): Sandbox is available Monday to Friday" in caught.value.message


async def test_a_503_html_page_gives_its_text_not_its_markup(setup: Setup) -> None:
    setup.fake.unavailable, setup.fake.unavailable_html = "Down for maintenance", True
    with pytest.raises(UnavailableError) as caught:
        await setup.client.case_status("EAC9999103402")
    assert "Service Unavailable Down for maintenance" in caught.value.message
    assert "<" not in caught.value.message


async def test_a_body_that_is_not_json_is_unavailable(setup: Setup) -> None:
    setup.fake.not_json.add("EAC9999103402")
    with pytest.raises(UnavailableError) as caught:
        await setup.client.case_status("EAC9999103402")
    assert caught.value.reason == "USCIS_API_BAD_ANSWER" and "not JSON" in caught.value.message


async def test_a_retry_past_the_quota_is_refused(setup: Setup) -> None:
    setup.quota.take(100)
    setup.fake.rate_limited, setup.fake.retry_after = 1, "0"
    with pytest.raises(QuotaSpentError):
        await setup.client.case_status("EAC9999103402")
