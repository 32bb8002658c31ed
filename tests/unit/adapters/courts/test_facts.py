"""EOIR's proceedings (case types): each named in English and in Spanish."""

from __future__ import annotations

from adapters.courts.facts import CASE_TYPE_NAMES
from adapters.courts.profile import PROFILE
from support.case_type_names import assert_named_in_spanish


def test_every_proceeding_has_a_spanish_name() -> None:
    assert_named_in_spanish(PROFILE, CASE_TYPE_NAMES)
