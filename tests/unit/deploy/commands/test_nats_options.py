"""`--nats-url` on the command line: settings from it, refusals naming the option."""

from __future__ import annotations

import os

import click
import pytest
from click.testing import CliRunner

from deploy.cli import main
from deploy.commands.nats_options import jetstream_settings


def test_no_url_means_the_embedded_default() -> None:
    """Without --nats-url there are no JetStream settings."""
    assert jetstream_settings(None) is None


def test_url_gives_the_default_stream_and_consumer() -> None:
    """A URL alone: CASELINE_CHANGES, caseline.changes.<agency>, caseline-matcher."""
    settings = jetstream_settings("nats://127.0.0.1:4222")
    assert settings is not None
    assert (settings.stream, settings.subjects, settings.consumer) == (
        "CASELINE_CHANGES", "caseline.changes.*", "caseline-matcher")
    assert settings.duplicate_window_s >= 30.0  # the watchers' default longest backoff


def test_bad_url_is_a_usage_error_naming_the_option() -> None:
    """An http:// URL is refused, saying what is expected."""
    with pytest.raises(click.BadParameter) as raised:
        jetstream_settings("http://127.0.0.1:4222")
    assert raised.value.param_hint == "--nats-url"
    assert raised.value.message == ("NATS URL 'http://127.0.0.1:4222': expected "
                                    "nats://HOST:PORT or tls://HOST:PORT")


def test_subject_prefix_with_a_wildcard_is_refused() -> None:
    """A prefix that is not plain subject words cannot name the stream's subjects."""
    with pytest.raises(click.BadParameter) as raised:
        jetstream_settings("nats://127.0.0.1:4222", subject_prefix="caseline.*")
    assert "subject prefix 'caseline.*'" in raised.value.message


def test_notify_match_requires_a_nats_url() -> None:
    """`caseline notify match` without --nats-url exits 2 naming the option."""
    umask = os.umask(0o077)  # the CLI's group sets the caller's umask; keep the suite's
    try:
        result = CliRunner().invoke(main, ["notify", "match", "--state-dir", "/nonexistent"])
    finally:
        os.umask(umask)
    assert result.exit_code == 2
    assert "Missing option '--nats-url'" in result.output
