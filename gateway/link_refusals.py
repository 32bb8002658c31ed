"""The words of a refused case link, shared by the GraphQL ``linkCase`` mutation and the
link page so both say the same thing in each language.

The English texts are the link service's own (aggregator/consent/linking.py), so the API's
English answers stay as they were; other languages get the catalog's translation."""

from __future__ import annotations

from collections.abc import Sequence

from aggregator.config import AgencyConfig
from aggregator.consent.linking import LinkError
from aggregator.federation.fanout import AgencyCallError
from aggregator.federation.routing import (
    MAX_NUMBER_LENGTH,
    expected_formats,
    route,
)
from gateway.messages import message
from gateway.refusals import too_long_text

__all__ = ["link_refusal_text"]


def link_refusal_text(exc: LinkError, number: str, language: str,
                      agencies: Sequence[AgencyConfig]) -> str:
    """Why linking ``number`` was refused, in ``language``; the service's own text when the
    refusal is one this module does not know (an agency's explanation of bad input)."""
    if exc.code == "ALREADY_LINKED":
        return message(language, "this case is already linked to another account; to see it, "
                                 "ask that person to grant you consent, or ask the agency for "
                                 "a new access code if the case is yours")
    if exc.code == "RATE_LIMITED" and exc.retry_after_s:
        return message(language, "too many refused link attempts; try again in {seconds} s",
                       seconds=exc.retry_after_s)
    if exc.code == "THROTTLE_UNAVAILABLE":
        return message(language, "linking cases is paused: wrong access codes cannot be "
                                 "counted just now; try again in a minute")
    if exc.code == "WRONG_ACCESS_CODE":
        return message(language, "the access code does not match this case; it is printed on "
                                 "the agency's notice for this case")
    if exc.code == "CONFLICT":
        return message(language, "someone else linked this case at the same moment; try again")
    if exc.code == "INVALID_NUMBER":
        number = number.strip().upper()
        if len(number) > MAX_NUMBER_LENGTH:
            return too_long_text(language, number, agencies)
        shown = repr(number if len(number) <= 40 else number[:40] + "…")
        return message(language, "{number} is not a case number Caseline can look up; "
                                 "expected {formats}",
                       number=shown, formats=expected_formats(agencies, language))
    cause = exc.__cause__
    if exc.code == "AGENCY_UNAVAILABLE" and isinstance(cause, AgencyCallError):
        agency = route(number.strip().upper(), agencies) or ""
        return message(language, "{agency} could not check the access code now ({code}); try "
                                 "again shortly", agency=agency, code=cause.code)
    return str(exc)
