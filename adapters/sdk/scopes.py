"""Withholding fields outside a consent token's scopes, at the source.

The split is the one documented in ``caseline.v1.consent_token``: STATUS releases the case
number and type, category, milestone, mapped texts, the agency's code and event dates;
DETAILS releases the agency's own wording, offices, due dates and hearings; IDENTITY releases
personal identifiers (no field of the current messages carries one beyond the case number).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from caseline.v1 import case_pb2

__all__ = ["FIELD_SCOPES", "withhold"]

# message name -> field -> scope that releases it. Fields not listed need only STATUS.
FIELD_SCOPES: Mapping[str, Mapping[str, str]] = {
    "Case": {"office": "DETAILS"},
    "CaseEvent": {"due_date": "DETAILS", "office": "DETAILS", "hearing": "DETAILS"},
    "Status": {"agency_text": "DETAILS"},
}

_ALL = frozenset({"STATUS", "DETAILS", "IDENTITY"})


def _clear(message: object, scopes: Collection[str],
           split: Mapping[str, Mapping[str, str]]) -> None:
    fields = split.get(type(message).__name__, {})
    for name, scope in fields.items():
        if scope not in scopes:
            message.ClearField(name)  # type: ignore[attr-defined]


def withhold(case: case_pb2.Case, scopes: Collection[str],
             split: Mapping[str, Mapping[str, str]] = FIELD_SCOPES) -> None:
    """Clear, in place, every field of ``case`` (and its events) outside ``scopes``."""
    if set(scopes) >= _ALL and split is FIELD_SCOPES:
        return  # the subject's own reads: nothing to withhold
    _clear(case, scopes, split)
    _clear(case.status, scopes, split)
    for event in case.events:
        _clear(event, scopes, split)
        _clear(event.status, scopes, split)
