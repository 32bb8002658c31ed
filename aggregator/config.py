"""Aggregator configuration: the agency registry and federation settings, from TOML.

Adding an agency is configuration, not code::

    [federation]
    deadline_ms = 1000          # whole fan-out, per request
    retry_attempts = 3
    breaker_failures = 5
    breaker_reset_ms = 5000

    [[agencies]]
    id = "labor"
    name = "U.S. Department of Labor"
    name_es = "Departamento de Trabajo de los EE. UU."
    address = "127.0.0.1:50052"
    numbers = '^\\s*[A-Za-z][\\s-]*\\d{3}[\\s-]'   # which case numbers this agency answers
    number_format = "a DOL case number like G-100-24123-123456"
    number_format_es = "un número de caso del DOL como G-100-24123-123456"   # optional
    time_zone = "America/New_York"   # optional: the agency's calendar, deadlines count in it
    ca = "tls/labor-ca.pem"     # the CA the adapter's certificate must chain to (mutual TLS;
                                # relative to this file's directory); without: plaintext,
                                # allowed for a loopback address only
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aggregator.federation.patterns import LinearPattern, PatternError
from caseline.v1.lib.scopes import Scope

__all__ = ["AgencyConfig", "AggregatorConfig", "ConfigError", "load_config"]

_ID = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")


class ConfigError(ValueError):
    """The configuration is invalid; the message names the key."""


@dataclass(frozen=True, slots=True)
class AgencyConfig:
    """One agency in the registry."""

    id: str
    name: str
    name_es: str
    address: str
    # Linear-time (RE2): agencies write these, and they run on numbers the public sends.
    numbers: LinearPattern
    number_format: str
    # ``number_format`` in Spanish, for Spanish readers; "" shows the English one.
    number_format_es: str = ""
    # "IDENTITY" where the agency's case numbers identify the person (the immigration court's
    # A-numbers): readers without that scope see them masked.
    number_scope: Scope = Scope.STATUS
    # The CA (PEM) that the adapter's server certificate must chain to; None: plaintext,
    # for an adapter on a loopback address only (aggregator.federation.transport).
    ca: Path | None = None
    # The IANA zone of the agency's own calendar: legal deadlines count from an event's date
    # there. US federal agencies keep Eastern time; an adapter states its zone in Describe.
    time_zone: str = "America/New_York"


@dataclass(frozen=True, slots=True)
class AggregatorConfig:
    """Everything the aggregator needs to federate."""

    agencies: tuple[AgencyConfig, ...]
    deadline_s: float = 1.0
    retry_attempts: int = 3
    breaker_failures: int = 5
    breaker_reset_s: float = 5.0

    def agency(self, agency_id: str) -> AgencyConfig:
        """The agency with this id; KeyError when unknown."""
        for agency in self.agencies:
            if agency.id == agency_id:
                return agency
        raise KeyError(agency_id)


def _require(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = table.get(key)
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise ConfigError(f"{where}: '{key}' must be a non-empty {kind.__name__}")
    return value


def _ca_path(item: dict[str, Any], where: str, base_dir: Path | None) -> Path | None:
    raw = item.get("ca")
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise ConfigError(f"{where}: 'ca' must be the path of a PEM CA certificate")
    path = Path(raw).expanduser()
    return path if path.is_absolute() or base_dir is None else base_dir / path


def _optional_text(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key!r} must be a string, got {type(value).__name__}")
    return value


def parse_config(raw: dict[str, Any], base_dir: Path | None = None) -> AggregatorConfig:
    """Validate parsed TOML; relative ``ca`` paths are taken from ``base_dir`` (the
    configuration file's directory)."""
    fed = raw.get("federation", {})
    agencies = []
    seen: set[str] = set()
    for i, item in enumerate(raw.get("agencies", [])):
        where = f"agencies[{i}]"
        agency_id = _require(item, "id", str, where)
        if not _ID.match(agency_id) or agency_id in seen:
            raise ConfigError(f"{where}: id {agency_id!r} must be unique, lower case, 2-32 chars")
        seen.add(agency_id)
        try:
            numbers = LinearPattern(_require(item, "numbers", str, where))
        except PatternError as exc:
            raise ConfigError(
                f"{where}: 'numbers' is not a valid regular expression for RE2, the "
                f"linear-time engine agency patterns run on: {exc}") from exc
        number_scope = item.get("case_number_scope", "STATUS")
        if number_scope not in (Scope.STATUS, Scope.IDENTITY):
            raise ConfigError(f"{where}: 'case_number_scope' must be \"STATUS\" or "
                              f"\"IDENTITY\", got {number_scope!r}")
        time_zone = _optional_text(item, "time_zone", where) or "America/New_York"
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"{where}: 'time_zone' {time_zone!r} is not an IANA time zone "
                              "(\"America/New_York\")") from exc
        agencies.append(AgencyConfig(
            id=agency_id, name=_require(item, "name", str, where),
            name_es=item.get("name_es", ""), address=_require(item, "address", str, where),
            numbers=numbers, number_format=_require(item, "number_format", str, where),
            number_format_es=_optional_text(item, "number_format_es", where),
            number_scope=Scope(number_scope), ca=_ca_path(item, where, base_dir),
            time_zone=time_zone))
    if not agencies:
        raise ConfigError("at least one [[agencies]] entry is required")
    deadline_ms = fed.get("deadline_ms", 1000)
    if not isinstance(deadline_ms, int) or not 10 <= deadline_ms <= 60_000:
        raise ConfigError("federation.deadline_ms must be an integer from 10 to 60000")
    return AggregatorConfig(
        agencies=tuple(agencies), deadline_s=deadline_ms / 1000,
        retry_attempts=int(fed.get("retry_attempts", 3)),
        breaker_failures=int(fed.get("breaker_failures", 5)),
        breaker_reset_s=int(fed.get("breaker_reset_ms", 5000)) / 1000)


def load_config(path: Path) -> AggregatorConfig:
    """Read and validate a TOML configuration file."""
    try:
        return parse_config(tomllib.loads(path.read_text(encoding="utf-8")),
                            base_dir=path.parent)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
