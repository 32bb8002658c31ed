"""`--engine` and its URLs: the defaults each engine fills in, explicit URLs winning,
refusals naming the option, and URLs shown without passwords."""

from __future__ import annotations

import click
import pytest

from deploy.commands.engine_options import (
    LOCAL_SERVICES,
    Engines,
    database_errors,
    resolve_engines,
    without_password,
)


def test_embedded_leaves_every_url_unset() -> None:
    assert resolve_engines("embedded", None, None, None) == Engines("embedded")


def test_postgres_defaults_to_the_local_services() -> None:
    assert resolve_engines("postgres", None, None, None) == Engines(
        "postgres", LOCAL_SERVICES["database_url"], LOCAL_SERVICES["redis_url"],
        LOCAL_SERVICES["nats_url"])


def test_an_explicit_url_wins_and_keeps_its_search_path() -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dt_1"
    engines = resolve_engines("postgres", url, None, "nats://10.0.0.5:4222")
    assert (engines.database_url, engines.nats_url) == (url, "nats://10.0.0.5:4222")
    assert engines.redis_url == LOCAL_SERVICES["redis_url"]
    # Under embedded too: an installation may point the embedded defaults elsewhere.
    assert resolve_engines("embedded", url, None, None).database_url == url


@pytest.mark.parametrize(("database", "says"), [
    ("mysql://root@127.0.0.1/caseline", "SQLite or PostgreSQL, not mysql"),
    ("not a url", "not an SQLAlchemy URL"),
])
def test_a_database_url_that_cannot_work_is_refused_naming_the_option(
        database: str, says: str) -> None:
    with pytest.raises(click.BadParameter) as raised:
        resolve_engines("embedded", database, None, None)
    assert raised.value.param_hint == "--database-url" and says in raised.value.message


def test_a_redis_url_that_is_not_one_is_refused_without_its_password() -> None:
    with pytest.raises(click.BadParameter) as raised:
        resolve_engines("embedded", None, "http://user:hunter2@127.0.0.1:6379", None)
    assert raised.value.param_hint == "--redis-url"
    assert "hunter2" not in raised.value.message


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql+psycopg://app:hunter2@db:5432/caseline?options=-csearch_path%3Dprod",
     "postgresql+psycopg://app@db:5432/caseline?options=-csearch_path%3Dprod"),
    ("redis://:hunter2@127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ("nats://app:hunter2@127.0.0.1:4222", "nats://app@127.0.0.1:4222"),
    ("sqlite:////var/lib/caseline/aggregator.sqlite3",
     "sqlite:////var/lib/caseline/aggregator.sqlite3"),
])
def test_urls_are_shown_without_passwords(url: str, shown: str) -> None:
    assert without_password(url) == shown
    engines = Engines("postgres", url, url, url)
    assert "hunter2" not in str(engines.described())


def test_an_unreachable_database_is_a_click_error_without_the_password() -> None:
    """PostgreSQL down (nothing listens on the port): a ClickException naming the database
    as it may be shown."""
    from sqlalchemy import create_engine

    url = "postgresql+psycopg://app:hunter2@127.0.0.1:1/caseline"
    engine = create_engine(url, connect_args={"connect_timeout": 2})
    with pytest.raises(click.ClickException) as raised, \
            database_errors(Engines("postgres", url)):
        engine.connect()
    engine.dispose()
    assert "postgresql+psycopg://app@127.0.0.1:1/caseline" in raised.value.message
    assert "hunter2" not in raised.value.message
