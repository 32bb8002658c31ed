"""`--redis-url` and `--redis-prefix` on the command line: settings from them, refusals naming
the option."""

from __future__ import annotations

import click
import pytest

from deploy.commands.redis_options import shared_limits


def test_no_url_means_each_process_counts_alone() -> None:
    """Without --redis-url there are no shared limits."""
    assert shared_limits(None, "caseline") is None


def test_a_url_gives_settings_with_the_prefix_and_bounded_timeouts() -> None:
    """A URL and prefix: the settings carry both, with sub-second timeouts."""
    settings = shared_limits("redis://127.0.0.1:6379/0", "caseline-prod")
    assert settings is not None
    assert (settings.url, settings.prefix) == ("redis://127.0.0.1:6379/0", "caseline-prod")
    assert settings.timeout_s < 1


def test_a_url_that_is_not_redis_is_a_usage_error_naming_the_option() -> None:
    """An http:// URL is refused, saying what is expected."""
    with pytest.raises(click.BadParameter) as raised:
        shared_limits("http://127.0.0.1:6379", "caseline")
    assert raised.value.param_hint == "--redis-url"
    assert raised.value.message == ("expected a Redis URL such as redis://127.0.0.1:6379/0 "
                                    "(redis://, rediss:// or unix://), got "
                                    "'http://127.0.0.1:6379'")


def test_a_prefix_with_spaces_is_a_usage_error_naming_the_option() -> None:
    """Keys are named by the prefix: a space in it is refused."""
    with pytest.raises(click.BadParameter) as raised:
        shared_limits("redis://127.0.0.1:6379/0", "my prefix")
    assert raised.value.param_hint == "--redis-prefix"
    assert "printable without spaces" in raised.value.message
