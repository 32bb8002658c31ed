"""The access token: fetched with client credentials, cached, refreshed before expiry."""

from __future__ import annotations

import httpx
import pytest

from adapters.uscis_api.errors import UnavailableError
from adapters.uscis_api.token import REFRESH_MARGIN_S, Credentials, TokenCache
from support.uscis_fake import CLIENT_ID, CLIENT_SECRET, FakeUscisApi


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def _http(fake: FakeUscisApi) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app()),
                             base_url="http://uscis.test")


async def test_the_token_is_cached_until_shortly_before_it_expires() -> None:
    fake, clock = FakeUscisApi(expires_in="1799"), Clock()  # a string, as USCIS sends it
    async with _http(fake) as http:
        tokens = TokenCache(http, Credentials(CLIENT_ID, CLIENT_SECRET), clock=clock)
        first = await tokens.get()
        clock.now += 1799 - REFRESH_MARGIN_S - 1
        assert await tokens.get() == first and fake.token_requests == 1
        clock.now += 2  # now within the margin: renewed before it lapses
        assert await tokens.get() != first and fake.token_requests == 2


async def test_an_unreadable_expires_in_falls_back_to_thirty_minutes() -> None:
    fake, clock = FakeUscisApi(expires_in="soon"), Clock()
    async with _http(fake) as http:
        tokens = TokenCache(http, Credentials(CLIENT_ID, CLIENT_SECRET), clock=clock)
        first = await tokens.get()
        clock.now += 1000
        assert await tokens.get() == first


async def test_an_invalidated_token_is_fetched_again() -> None:
    fake = FakeUscisApi()
    async with _http(fake) as http:
        tokens = TokenCache(http, Credentials(CLIENT_ID, CLIENT_SECRET))
        first = await tokens.get()
        tokens.invalidate(first)
        assert await tokens.get() != first


async def test_refused_credentials_say_which_settings_to_check() -> None:
    async with _http(FakeUscisApi()) as http:
        tokens = TokenCache(http, Credentials(CLIENT_ID, "wrong"))
        with pytest.raises(UnavailableError) as caught:
            await tokens.get()
    assert caught.value.reason == "USCIS_API_CREDENTIALS_REFUSED"
    assert "USCIS_CLIENT_SECRET" in caught.value.message


def test_the_secret_never_shows_in_a_repr() -> None:
    assert "s3cret" not in repr(Credentials("id", "s3cret"))
