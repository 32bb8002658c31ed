"""Which Caseline role a verified identity has: a claim the issuer puts in its tokens, or, for
identity providers that know nothing of Caseline (login.gov, an agency's), a local table from
subject to role kept by the operator."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aggregator.consent.vocabulary import Role

__all__ = ["MAX_ROLES_FILE_BYTES", "RoleMapping", "RoleRefused", "load_roles"]

MAX_ROLES_FILE_BYTES = 4 * 1024 * 1024


class RoleRefused(ValueError):
    """The identity has no Caseline role (``str()`` says why, for the log)."""


@dataclass(frozen=True)
class RoleMapping:
    """``table`` (subject -> role) wins where it names the subject: it is the operator's own
    decision. Otherwise the token's ``claim`` must hold a role's value."""

    claim: str = "role"
    table: Mapping[str, Role] = field(default_factory=dict)

    def role_of(self, claims: Mapping[str, Any]) -> Role:
        """The role ``claims`` (a verified token's) sign in as; RoleRefused otherwise."""
        subject = claims.get("sub")
        if isinstance(subject, str) and subject in self.table:
            return self.table[subject]
        value = claims.get(self.claim)
        # A tuple, compared by equality: a claim of any JSON type is refused, never an error.
        if value not in tuple(Role):
            raise RoleRefused(f"role {value!r} is not one of {', '.join(Role)}")
        return Role(value)


def load_roles(path: Path) -> dict[str, Role]:
    """The roles table of a TOML file whose ``[roles]`` table maps subjects to role values::

        [roles]
        "248289761001" = "applicant"

    ValueError naming the file and what is wrong."""
    size = path.stat().st_size
    if size > MAX_ROLES_FILE_BYTES:
        raise ValueError(f"{path}: {size} bytes, more than the {MAX_ROLES_FILE_BYTES} a roles "
                         "file may have")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a TOML file: {exc}") from exc
    roles = data.get("roles")
    if not isinstance(roles, dict):
        raise ValueError(f"{path}: expected a [roles] table mapping subjects to one of "
                         f"{', '.join(Role)}")
    table: dict[str, Role] = {}
    for subject, role in roles.items():
        if role not in tuple(Role):
            raise ValueError(f"{path}: subject {subject!r} has role {role!r}; expected one "
                             f"of {', '.join(Role)}")
        table[subject] = Role(role)
    return table
