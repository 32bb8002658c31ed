"""The catalog of reference agencies: each id names its own profile and generator, and an
agency's profile is built from its facts without loading its demo-data generator."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import date

import pytest

from adapters.reference.catalog import CATALOG, REFERENCE_AGENCIES, profile, synthetic

TODAY = date(2026, 11, 22)


def test_the_agencies_are_listed_in_the_demos_order() -> None:
    """Immigration, labor, courts: the order the demo starts and lists them in."""
    assert REFERENCE_AGENCIES == ("immigration", "labor", "courts")
    assert tuple(CATALOG) == REFERENCE_AGENCIES


@pytest.mark.parametrize("agency_id", REFERENCE_AGENCIES)
def test_each_id_names_its_own_profile_and_generator(agency_id: str) -> None:
    """The profile carries the same id, and the generator makes cases of the profile's types."""
    assert profile(agency_id).agency_id == agency_id
    assert profile(agency_id) is CATALOG[agency_id].profile
    assert synthetic(agency_id) is CATALOG[agency_id].synthetic
    case = synthetic(agency_id).generate_case(random.Random(1), 0, TODAY)
    assert case.case_type in profile(agency_id).case_types
    assert profile(agency_id).normalize_number(case.number) == case.number


def test_an_unknown_agency_is_refused_naming_the_known_ones() -> None:
    """A KeyError that says which ids exist."""
    with pytest.raises(KeyError, match="unknown agency 'tax'; expected one of "
                                       "immigration, labor, courts"):
        profile("tax")


@pytest.mark.parametrize("agency_id", REFERENCE_AGENCIES)
def test_the_profile_does_not_load_the_demo_data_generator(agency_id: str) -> None:
    """Importing an agency's profile loads its facts, not its synthetic modules."""
    probe = (f"import sys, adapters.{agency_id}.profile as p; "
             f"print(sorted(m for m in sys.modules if m.startswith('adapters.')))")
    loaded = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                            text=True).stdout
    assert f"adapters.{agency_id}.facts" in loaded
    assert "synthetic" not in loaded
