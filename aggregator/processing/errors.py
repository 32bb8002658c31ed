"""Why a statistics request got no figures: the request's fault (unknown agency or case
type, bad input) or the agency's (it could not answer). Each names what was wrong."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AgencyUnavailableError",
    "InvalidStatisticsRequestError",
    "StatisticsError",
    "UnknownAgencyError",
    "UnknownCaseTypeError",
]


class StatisticsError(Exception):
    """A statistics request without an answer; ``code`` is stable for clients."""

    code = "STATISTICS_ERROR"


class InvalidStatisticsRequestError(StatisticsError, ValueError):
    """An input too long, empty or out of range: ``field`` names it, ``rule`` says which
    check failed (TOO_LONG, EMPTY, NOT_PRINTABLE, AFTER_CURRENT, BACKWARDS,
    PERIOD_TOO_LONG) and ``params`` its figures, so that it can be told in any language."""

    code = "INVALID_ARGUMENT"

    def __init__(self, field: str, problem: str, rule: str, **params: object) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
        self.rule = rule
        self.params = params


class UnknownAgencyError(StatisticsError, LookupError):
    """No configured agency has this id."""

    code = "UNKNOWN_AGENCY"

    def __init__(self, agency_id: str, known: Iterable[str]) -> None:
        self.agency_id = agency_id
        self.known = tuple(sorted(known))
        super().__init__(f"no agency {agency_id!r}; expected one of {', '.join(self.known)}")


class UnknownCaseTypeError(StatisticsError, LookupError):
    """The agency does not know this case type (it answered INVALID_ARGUMENT)."""

    code = "UNKNOWN_CASE_TYPE"

    def __init__(self, agency_id: str, case_type: str, detail: str = "") -> None:
        self.agency_id = agency_id
        self.case_type = case_type
        self.detail = detail
        super().__init__(f"{agency_id} has no case type {case_type!r}"
                         + (f" ({detail})" if detail else ""))


class AgencyUnavailableError(StatisticsError):
    """The agency could not answer; ``cause`` is the failure's code (UNAVAILABLE,
    DEADLINE_EXCEEDED, CIRCUIT_OPEN, UNIMPLEMENTED, ...)."""

    code = "AGENCY_UNAVAILABLE"

    def __init__(self, agency_id: str, cause: str) -> None:
        self.agency_id = agency_id
        self.cause = cause
        super().__init__(f"{agency_id} gave no processing statistics ({cause})")
