"""What every reference agency's Spanish case-type names must satisfy."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.sdk import AgencyProfile


def assert_named_in_spanish(profile: AgencyProfile,
                            names: Mapping[str, Mapping[str, str]]) -> None:
    """Spanish names cover exactly the profile's case types, each its own text (not the
    English), and the profile gives them English first, then Spanish."""
    spanish = names["es"]
    assert set(spanish) == set(profile.case_types)
    for code, english in profile.case_types.items():
        assert spanish[code] != english
        assert profile.case_type_in_languages(code) == (("en", english), ("es", spanish[code]))
