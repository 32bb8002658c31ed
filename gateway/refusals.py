"""The words of a public lookup refused before any agency is asked, shared by the GraphQL
API and the pages so both say the same thing in each language."""

from __future__ import annotations

from collections.abc import Sequence

from aggregator.config import AgencyConfig
from aggregator.federation.routing import MAX_NUMBER_LENGTH, expected_formats
from gateway.messages import message
from gateway.ratelimit import Refusal

__all__ = ["rate_limited_text", "too_long_text"]


def too_long_text(language: str, number: str, agencies: Sequence[AgencyConfig]) -> str:
    """A number longer than any case number: its length, the limit and every format."""
    return message(language, "a case number has at most {limit} characters, this one has "
                             "{length}; expected {formats}",
                   limit=MAX_NUMBER_LENGTH, length=len(number),
                   formats=expected_formats(agencies, language))


def rate_limited_text(language: str, refusal: Refusal, signed_in: bool) -> str:
    """A lookup over its quota: how long to wait, and what signing in would change."""
    seconds = refusal.retry_after_s
    if refusal.per_account:
        return message(language, "your account's lookup quota ({burst} at once, then {rate} "
                                 "per second) is used up; try again in {seconds} s",
                       burst=f"{refusal.policy.burst:g}", rate=f"{refusal.policy.per_second:g}",
                       seconds=seconds)
    if signed_in:
        return message(language, "too many lookups from this client; try again in {seconds} s",
                       seconds=seconds)
    return message(language, "too many lookups from this client; try again in {seconds} s "
                             "(sign in to see your own cases without this limit)",
                   seconds=seconds)
