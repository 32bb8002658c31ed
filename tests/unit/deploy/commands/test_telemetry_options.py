"""The telemetry options refuse what cannot work, saying what is expected."""

from __future__ import annotations

import click
import pytest

from deploy.commands.telemetry_options import metrics_networks, start_tracing


def test_a_bad_scraper_address_is_a_usage_error() -> None:
    assert len(metrics_networks("10.0.0.0/8,192.0.2.7")) == 2
    assert metrics_networks("") == ()
    with pytest.raises(click.BadParameter, match="not an IP address"):
        metrics_networks("10.0.0.0/8,everyone")


def test_an_otlp_endpoint_must_be_a_url() -> None:
    with pytest.raises(click.BadParameter, match="http:// or https://"):
        start_tracing("test", "127.0.0.1:4318")
