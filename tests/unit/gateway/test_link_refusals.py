"""A refused link's words: in English exactly the link service's own (so ``linkCase``
answers as before), in Spanish the catalog's."""

from __future__ import annotations

import pytest

from aggregator.consent.linking import LinkError
from aggregator.federation.fanout import AgencyCallError
from gateway.link_refusals import link_refusal_text
from support.applicant_pages import CONFIG

AGENCIES = CONFIG.agencies


def _unavailable() -> LinkError:
    try:
        raise LinkError("immigration could not check the access code now (UNAVAILABLE); try "
                        "again shortly", "AGENCY_UNAVAILABLE") from AgencyCallError(
            "UNAVAILABLE", "connection refused")
    except LinkError as exc:
        return exc


REFUSALS = [
    ("IOE0990000002", LinkError("the access code does not match this case; it is printed on "
                                "the agency's notice for this case", "WRONG_ACCESS_CODE"),
     "el código de acceso no corresponde"),
    ("IOE0990000002", LinkError("too many refused link attempts; try again in 42 s",
                                "RATE_LIMITED", retry_after_s=42),
     "inténtelo de nuevo en 42 s"),
    ("IOE0990000002", LinkError("this case is already linked to another account; to see it, "
                                "ask that person to grant you consent, or ask the agency for "
                                "a new access code if the case is yours", "ALREADY_LINKED"),
     "ya está vinculado a otra cuenta"),
    ("IOE0990000002", LinkError("someone else linked this case at the same moment; try again",
                                "CONFLICT"), "otra persona vinculó este caso"),
    ("zz9", LinkError("'ZZ9' is not a case number Caseline can look up; expected IOE and 10 "
                      "digits; A and 9 digits", "INVALID_NUMBER"),
     "'ZZ9' no es un número de caso que Caseline pueda consultar; se esperaba IOE and 10"),
    ("IOE0990000002", LinkError("linking cases is paused: wrong access codes cannot be "
                                "counted just now; try again in a minute",
                                "THROTTLE_UNAVAILABLE"),
     "la vinculación de casos está en pausa"),
    ("IOE0990000002", _unavailable(), "immigration no pudo comprobar el código de acceso en "
                                      "este momento (UNAVAILABLE)"),
]


@pytest.mark.parametrize(("number", "refusal", "spanish"), REFUSALS,
                         ids=[r.code for _, r, _ in REFUSALS])
def test_english_is_the_services_text_and_spanish_is_translated(
        number: str, refusal: LinkError, spanish: str) -> None:
    assert link_refusal_text(refusal, number, "en", AGENCIES) == str(refusal)
    assert spanish in link_refusal_text(refusal, number, "es", AGENCIES)


def test_an_overlong_number_says_the_limit() -> None:
    refusal = LinkError("too long", "INVALID_NUMBER")
    text = link_refusal_text(refusal, "I" * 100, "es", AGENCIES)
    assert "100" in text and "IOE and 10 digits" in text


def test_an_agencys_own_explanation_is_passed_on() -> None:
    refusal = LinkError("case_number: check digit wrong", "INVALID_INPUT")
    assert link_refusal_text(refusal, "IOE0990000002", "es", AGENCIES) == str(refusal)
