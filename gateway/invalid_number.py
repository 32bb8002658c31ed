"""An invalid case number explained in the reader's language, for the GraphQL API and the pages.

The agency's English message is kept word for word for English readers (clients and tests
read it). For other languages the explanation is built from the structured problem
(aggregator.model.InvalidNumber): the sentence is Caseline's, from the catalogs; the names in
it (the part of the number, the format) are the agency's, in the reader's language where the
agency supplies it. A failure without structure (an adapter older than the contract's
InvalidNumberDetail) keeps its English message.
"""

from __future__ import annotations

from collections.abc import Sequence

from aggregator.config import AgencyConfig
from aggregator.federation.routing import expected_formats
from aggregator.model import InvalidNumber, LookupFailure, in_language
from gateway.messages import message

__all__ = ["invalid_number_text"]


def invalid_number_text(language: str, failure: LookupFailure,
                        agencies: Sequence[AgencyConfig]) -> str:
    """What is wrong with ``failure``'s number and what was expected, in ``language``."""
    invalid = failure.invalid
    if language == "en" or invalid is None:
        return failure.message
    if invalid.problem == "NO_AGENCY":  # worded as a refused link words it (link_refusals.py)
        return message(language, "{number} is not a case number Caseline can look up; "
                                 "expected {formats}", number=repr(failure.number),
                       formats=expected_formats(agencies, language))
    if invalid.problem == "TOO_LONG" and not invalid.example:
        return message(language, "The number is far longer than any case number; expected "
                                 "{formats}", formats=expected_formats(agencies, language))
    sentences = [_problem(language, invalid)]
    note = invalid.notes.get(language)
    if note:  # the agency's extra sentence, only in the reader's own language
        sentences.append(note)
    if invalid.example:
        sentences.append(message(
            language, "Expected format: {name}, for example {example}.",
            name=in_language(invalid.format_names, language, invalid.expected_format),
            example=invalid.example))
    return " ".join(sentences)


def _problem(language: str, invalid: InvalidNumber) -> str:
    """The sentence that says what is wrong."""
    part = in_language(invalid.part_names, language)
    found, problem = invalid.found, invalid.problem
    if problem == "EMPTY":
        return message(language, "The number is empty.")
    if problem == "WRONG_PREFIX" and part:
        text = (message(language, "The {part} cannot be “{found}”.", part=part, found=found)
                if found else message(language, "The {part} is not right.", part=part))
        if invalid.allowed:
            text += " " + message(language, "Accepted: {values}.",
                                  values=", ".join(invalid.allowed))
        return text
    if problem == "WRONG_LENGTH" and invalid.expected_length:
        if part:
            return message(language, "The {part} has {actual} characters; it must have "
                                     "{expected}.", part=part, actual=invalid.actual_length,
                           expected=invalid.expected_length)
        return message(language, "The number has {actual} characters; it must have "
                                 "{expected}.", actual=invalid.actual_length,
                       expected=invalid.expected_length)
    if problem == "NOT_DIGITS" and found:
        if part:
            return message(language, "The {part} contains “{found}” where only digits belong.",
                           part=part, found=found)
        return message(language, "“{found}” does not belong in this number.", found=found)
    if problem == "MISSING_PART":
        if part:
            return message(language, "The {part} is missing.", part=part)
        return message(language, "The number is incomplete.")
    if problem == "EXTRA_PART":
        if found:
            return message(language, "Something follows the end of the number: “{found}”.",
                           found=found)
        return message(language, "Something follows the end of the number.")
    if problem == "IMPOSSIBLE_VALUE" and found:
        if part:
            return message(language, "The {part} cannot be “{found}”.", part=part, found=found)
        return message(language, "No case number is “{found}”.", found=found)
    if problem == "WRONG_KIND":
        return message(language, "This is another kind of number.")
    if problem == "TOO_LONG":
        return message(language, "The number is far longer than any case number.")
    return message(language, "This number does not have the expected format.")
