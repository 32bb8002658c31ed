"""Who may read /metrics, and the scraper's networks as given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.metrics import LOOPBACK, parse_networks, scraper_allowed

ALLOWED = (*LOOPBACK, *parse_networks(["10.0.0.0/8", "192.0.2.7"]))


@pytest.mark.parametrize(("client", "headers", "allowed"), [
    ("127.0.0.1", [], True),
    ("::1", [], True),
    ("10.1.2.3", ["host"], True),
    ("192.0.2.7", [], True),
    ("192.0.2.8", [], False),
    ("203.0.113.9", [], False),
    ("127.0.0.1", ["x-forwarded-for"], False),  # came through a proxy
    ("127.0.0.1", ["forwarded"], False),
    (None, [], False),
    ("not-an-address", [], False),
])
def test_only_direct_connections_from_allowed_addresses(
        client: str | None, headers: list[str], allowed: bool) -> None:
    assert scraper_allowed(client, headers, ALLOWED) is allowed


def test_a_bad_network_is_named() -> None:
    assert parse_networks(["", " 10.0.0.0/8 "]) == parse_networks(["10.0.0.0/8"])
    with pytest.raises(ValueError, match="'ten' is not an IP address or network"):
        parse_networks(["10.0.0.1", "ten"])


def test_several_workers_counts_are_merged_in_multiprocess_mode(tmp_path: Path) -> None:
    """Two worker processes count a call each; the scrape (any worker) shows both."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = ("from aggregator.telemetry.metrics import observe_agency_call; "
             "observe_agency_call('courts', 'OK', 0.1)")
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True)
    scrape = ("import sys; from prometheus_client import CollectorRegistry; "
              "from gateway.metrics import exposition; "
              "sys.stdout.write(exposition(CollectorRegistry()).decode())")
    text = subprocess.run([sys.executable, "-c", scrape], env=env, check=True,
                          capture_output=True, text=True).stdout
    assert 'caseline_agency_calls_total{agency="courts",outcome="OK"} 2.0' in text
    assert 'caseline_agency_call_duration_seconds_count{agency="courts"} 2.0' in text
