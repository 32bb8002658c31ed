"""The consent scopes, part of the caseline.v1 contract (hand-written, not generated).

A scope is a class of fields a consent releases; consent tokens carry the granted ones in
``scp`` (see ``consent_token``). ``caseline/v1/sensitivity.proto`` declares them: STATUS for a
field with no sensitivity, and one scope per other ``Sensitivity`` value, named like it without
the ``SENSITIVITY_`` prefix. The adapter SDK and the aggregator both import :class:`Scope` from
here, so neither side keeps its own list (and the SDK never imports the aggregator).

The values are the strings tokens, consent records, ledger entries and GraphQL carry.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Scope"]


class Scope(StrEnum):
    """A consent scope, from the least to the most guarded."""

    # Case number and type, category, milestone, mapped titles, event dates.
    STATUS = "STATUS"
    # The agency's own free text, offices, due dates, hearing time, place and judge.
    DETAILS = "DETAILS"
    # The person's identifiers and personal data (A-number, name, date of birth).
    IDENTITY = "IDENTITY"
