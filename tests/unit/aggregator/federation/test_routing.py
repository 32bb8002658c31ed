"""The agency registry: configuration validation and routing numbers to agencies."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator.config import ConfigError, load_config, parse_config
from aggregator.federation.routing import route, unroutable_message

REGISTRY = load_config(Path(__file__).parents[4] / "deploy" / "agencies.toml")


@pytest.mark.parametrize(("number", "agency"), [
    ("IOE0912345678", "immigration"),
    ("eac 21 900 12345", "immigration"),
    ("G-100-24123-123456", "labor"),
    ("i-200-24123-123456", "labor"),
    ("A201555123", "courts"),
    ("201-555-123", "courts"),
    ("A# 12345678", "courts"),
])
def test_numbers_route_to_the_agency_that_issues_them(number: str, agency: str) -> None:
    """Each agency's number shapes are routed to that agency."""
    assert route(number, REGISTRY.agencies) == agency


@pytest.mark.parametrize("number", ["", "hello", "12", "!!!"])
def test_numbers_no_agency_issues_are_not_routed(number: str) -> None:
    """Shapes no agency issues have no route."""
    assert route(number, REGISTRY.agencies) is None


def test_unroutable_message_names_every_format() -> None:
    """The error for an unroutable number lists each agency's expected format."""
    message = unroutable_message("hello", REGISTRY.agencies)
    assert message.startswith("'hello' is not a case number Caseline can look up; expected ")
    for example in ("IOE0912345678", "G-100-24123-123456", "A201555123"):
        assert example in message


def test_adding_an_agency_is_configuration() -> None:
    """A fourth agency is one more table entry; ids must be unique."""
    raw = {"agencies": [
        {"id": "state", "name": "State Dept", "address": "127.0.0.1:1", "numbers": "^X",
         "number_format": "X..."},
    ]}
    assert parse_config(raw).agency("state").name == "State Dept"
    raw["agencies"].append(dict(raw["agencies"][0]))
    with pytest.raises(ConfigError, match="must be unique"):
        parse_config(raw)


def test_bad_pattern_is_reported_with_its_key() -> None:
    """An invalid routing regex names the entry and key."""
    raw = {"agencies": [{"id": "x1", "name": "X", "address": "a:1", "numbers": "(",
                         "number_format": "f"}]}
    with pytest.raises(ConfigError, match=r"agencies\[0\]: 'numbers' is not a valid regular"):
        parse_config(raw)


def test_expected_formats_are_told_in_spanish_where_the_registry_has_them() -> None:
    """number_format_es for Spanish readers; an agency without one keeps its English."""
    import dataclasses

    from aggregator.federation.routing import expected_formats

    spanish = expected_formats(REGISTRY.agencies, "es")
    assert spanish.startswith("un número de recibo de USCIS: 3 letras y 10 dígitos")
    assert expected_formats(REGISTRY.agencies) == expected_formats(REGISTRY.agencies, "en")
    plain = dataclasses.replace(REGISTRY.agencies[0], number_format_es="")
    assert expected_formats((plain,), "es") == plain.number_format


def test_a_spanish_format_that_is_not_text_is_refused_with_its_key() -> None:
    raw = {"agencies": [{"id": "x1", "name": "X", "address": "a:1", "numbers": "^X",
                         "number_format": "f", "number_format_es": 3}]}
    with pytest.raises(ConfigError, match=r"agencies\[0\]: 'number_format_es' must be a "
                                          "string, got int"):
        parse_config(raw)



def test_an_agencys_time_zone_is_eastern_unless_configured_and_must_be_real() -> None:
    """Deadlines count in the agency's calendar: the registry's time_zone, Eastern time (US
    federal agencies) when not given; a zone that does not exist is refused by name."""
    entry = {"id": "state", "name": "State Dept", "address": "127.0.0.1:1", "numbers": "^X",
             "number_format": "X..."}
    assert parse_config({"agencies": [entry]}).agency("state").time_zone == "America/New_York"
    chicago = parse_config({"agencies": [{**entry, "time_zone": "America/Chicago"}]})
    assert chicago.agency("state").time_zone == "America/Chicago"
    with pytest.raises(ConfigError, match=r"agencies\[0\]: 'time_zone' 'Eastern'"):
        parse_config({"agencies": [{**entry, "time_zone": "Eastern"}]})
