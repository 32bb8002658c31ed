"""The audit page's filters, read from its GET form: each one size-limited and checked, with
an error per field in the reader's language (the page shows them in an error summary)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from aggregator.ledger.entries import EntryKind
from gateway.messages import message

__all__ = [
    "MAX_ID_CHARS",
    "MAX_TIME_CHARS",
    "FilterError",
    "Filters",
    "read_filters",
    "read_index",
]

# Pseudonyms are psn_ and 26 base32 characters; account ids are short. Longer is a mistake.
MAX_ID_CHARS = 128
# "2026-05-01T14:00:00.000000+00:00" is 32 characters.
MAX_TIME_CHARS = 40
# Ledger indexes fit in 2^63: 19 digits.
MAX_INDEX_DIGITS = 19
# How much of a value the form shows again (more than any valid value).
_SHOWN_CHARS = 2 * MAX_ID_CHARS
_ID = re.compile(r"[A-Za-z0-9_.@:+\-]+")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True, slots=True)
class FilterError:
    """One field's problem: the form field's name and what to do, in words."""

    field: str
    text: str


@dataclass(frozen=True, slots=True)
class Filters:
    """The filters as given (``values``, to fill the form and build paging links) and
    parsed."""

    values: dict[str, str] = field(default_factory=dict)
    subject: str | None = None
    grantee: str | None = None
    agency: str | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: int = -1

    def link(self, **changes: object) -> str:
        """The audit page's address with these filters and ``changes`` (None drops one)."""
        values: dict[str, object] = {**self.values, **changes}
        query = urlencode({k: v for k, v in values.items() if v not in (None, "")})
        return "/audit" + (f"?{query}" if query else "")


def _identifier(language: str, name: str, value: str, errors: list[FilterError]) -> str | None:
    if not value:
        return None
    if len(value) > MAX_ID_CHARS:
        errors.append(FilterError(name, message(
            language, "{field}: at most {limit} characters; you gave {count}.",
            field=_label(language, name), limit=MAX_ID_CHARS, count=len(value))))
        return None
    if not _ID.fullmatch(value):
        errors.append(FilterError(name, message(
            language, "{field}: a pseudonym (psn_ and letters and digits) or an account id, "
                      "without spaces.", field=_label(language, name))))
        return None
    return value


def _moment(language: str, name: str, value: str, errors: list[FilterError]) -> datetime | None:
    if not value:
        return None
    problem = None
    if len(value) > MAX_TIME_CHARS:
        problem = message(language, "{field}: at most {limit} characters; you gave {count}.",
                          field=_label(language, name), limit=MAX_TIME_CHARS,
                          count=len(value))
    else:
        try:
            if len(value) == 10:
                day = date.fromisoformat(value)
                # "Until" a day includes that day: the range ends at the next midnight.
                start = datetime.combine(day, time(), UTC)
                return start + timedelta(days=1) if name == "until" else start
            moment = datetime.fromisoformat(value)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except ValueError:
            pass
    errors.append(FilterError(name, problem or message(
        language, "{field}: a date as YYYY-MM-DD, or a time as YYYY-MM-DDTHH:MM (UTC unless "
                  "it ends with an offset such as +02:00).", field=_label(language, name))))
    return None


def _choice(language: str, name: str, value: str, allowed: Collection[str],
            errors: list[FilterError]) -> str | None:
    if not value:
        return None
    if value not in allowed:
        errors.append(FilterError(name, message(
            language, "{field}: choose one of the list ({choices}).",
            field=_label(language, name), choices=", ".join(sorted(allowed)))))
        return None
    return value


def read_index(value: str) -> int | None:
    """A ledger index or tree size written in decimal, None when it is not one."""
    if len(value) > MAX_INDEX_DIGITS or not _DIGITS.fullmatch(value):
        return None
    return int(value)


def _label(language: str, name: str) -> str:
    return {"subject": message(language, "Pseudonym"), "grantee": message(language, "Grantee"),
            "agency": message(language, "Agency"), "kind": message(language, "Kind"),
            "since": message(language, "From"), "until": message(language, "Until"),
            "after": message(language, "After entry")}[name]


def read_filters(language: str, query: Mapping[str, str], agencies: Collection[str]
                 ) -> tuple[Filters, list[FilterError]]:
    """The filters in ``query`` (the page's GET parameters) and the problems found, each
    field checked for size before anything else."""
    errors: list[FilterError] = []
    names = ("subject", "grantee", "agency", "kind", "since", "until", "after")
    values = {n: query.get(n, "").strip() for n in names}
    after = -1
    if values["after"]:
        parsed = read_index(values["after"])
        if parsed is None:
            errors.append(FilterError("after", message(
                language, "{field}: an entry number (digits only, at most {limit}).",
                field=_label(language, "after"), limit=MAX_INDEX_DIGITS)))
        else:
            after = parsed
    filters = Filters(
        # Given back in the form and the paging links: cut, whatever was sent.
        values={n: v[:_SHOWN_CHARS] for n, v in values.items() if v and n != "after"},
        subject=_identifier(language, "subject", values["subject"], errors),
        grantee=_identifier(language, "grantee", values["grantee"], errors),
        agency=_choice(language, "agency", values["agency"], agencies, errors),
        kind=_choice(language, "kind", values["kind"], [k.value for k in EntryKind], errors),
        since=_moment(language, "since", values["since"], errors),
        until=_moment(language, "until", values["until"], errors), after=after)
    if filters.since and filters.until and filters.since >= filters.until:
        errors.append(FilterError("until", message(
            language, "{field}: must be later than {start}.", field=_label(language, "until"),
            start=_label(language, "since"))))
    return filters, errors
