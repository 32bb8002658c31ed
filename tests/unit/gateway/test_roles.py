"""Roles from a token's claim or the operator's table, and the table's file."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator.consent.vocabulary import Role
from gateway.roles import RoleMapping, RoleRefused, load_roles


def test_the_claim_names_the_role_and_the_table_wins() -> None:
    mapping = RoleMapping("groups_role", {"u-1": Role.AUDITOR})
    assert mapping.role_of({"sub": "u-2", "groups_role": "representative"}) == Role.REPRESENTATIVE
    assert mapping.role_of({"sub": "u-1", "groups_role": "applicant"}) == Role.AUDITOR


@pytest.mark.parametrize("claims", [{"sub": "u"}, {"sub": "u", "role": "admin"},
                                    {"sub": "u", "role": ["applicant"]},
                                    {"sub": ["u"], "role": None}])
def test_no_role_is_refused_naming_the_roles(claims: dict[str, object]) -> None:
    with pytest.raises(RoleRefused, match="is not one of applicant, representative, auditor"):
        RoleMapping().role_of(claims)


def test_a_roles_file_maps_subjects(tmp_path: Path) -> None:
    path = tmp_path / "roles.toml"
    path.write_text('[roles]\n"248289761001" = "applicant"\nlee = "representative"\n')
    assert load_roles(path) == {"248289761001": Role.APPLICANT, "lee": Role.REPRESENTATIVE}


@pytest.mark.parametrize(("text", "why"), [
    ("roles = 1", r"expected a \[roles\] table"),
    ("[roles]\nann = 'admin'", "subject 'ann' has role 'admin'"),
    ("[roles", "not a TOML file")])
def test_a_bad_roles_file_says_what_is_wrong(tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "roles.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=why):
        load_roles(path)
