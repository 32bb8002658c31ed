"""The bridge's settings: credentials from the environment, and the polling pace."""

from __future__ import annotations

import pytest

from adapters.uscis_api.profile import PRODUCTION, SANDBOX
from adapters.uscis_api.serve import BridgeSettings, credentials_from, poll_interval
from adapters.uscis_api.token import Credentials

CREDENTIALS = Credentials("id", "secret")


def test_credentials_come_from_the_environment() -> None:
    found = credentials_from({"USCIS_CLIENT_ID": " id ", "USCIS_CLIENT_SECRET": "secret"})
    assert found == CREDENTIALS


def test_missing_credentials_say_which() -> None:
    with pytest.raises(ValueError, match="set USCIS_CLIENT_SECRET to"):
        credentials_from({"USCIS_CLIENT_ID": "id"})
    with pytest.raises(ValueError, match="set USCIS_CLIENT_ID and USCIS_CLIENT_SECRET"):
        credentials_from({})


def test_credentials_have_a_size_limit() -> None:
    with pytest.raises(ValueError, match="USCIS_CLIENT_ID: longer than 512"):
        credentials_from({"USCIS_CLIENT_ID": "x" * 513, "USCIS_CLIENT_SECRET": "s"})


def test_polling_all_day_spends_at_most_half_the_quota() -> None:
    # Production: 75,000 polls a day is one every 1.152 s; the sandbox's 500, every 172.8 s.
    assert poll_interval(BridgeSettings(PRODUCTION, CREDENTIALS)) == pytest.approx(1.152)
    assert poll_interval(BridgeSettings(SANDBOX, CREDENTIALS)) == pytest.approx(172.8)
    assert poll_interval(BridgeSettings(SANDBOX, CREDENTIALS, poll_interval_s=0.1)) == 0.1


def test_a_base_url_overrides_the_environment() -> None:
    settings = BridgeSettings(PRODUCTION, CREDENTIALS, base_url="http://127.0.0.1:9/")
    assert settings.url == "http://127.0.0.1:9" and settings.quota == 150_000
    assert BridgeSettings(SANDBOX, CREDENTIALS).url == "https://api-int.uscis.gov"
