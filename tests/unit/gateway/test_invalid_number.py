"""Invalid numbers explained in the reader's language from their structure."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator.config import load_config
from aggregator.federation.routing import NO_AGENCY
from aggregator.model import InvalidNumber, LookupFailure
from caseline.v1 import agency_adapter_pb2 as pb
from gateway.invalid_number import invalid_number_text

REGISTRY = load_config(Path(__file__).parents[3] / "deploy" / "agencies.toml").agencies
ENGLISH = "'IOE12' is not a valid case number (it has 2 digits after IOE); expected e.g. X"
RECEIPT = {"format_names": {"en": "USCIS receipt number", "es": "número de recibo de USCIS"},
           "expected_format": "USCIS receipt number", "example": "IOE0912345678"}
SERIAL = {"en": "number after the office code", "es": "número después del código de oficina"}


def _failure(invalid: InvalidNumber | None, number: str = "IOE12") -> LookupFailure:
    return LookupFailure(number, "INVALID_NUMBER", ENGLISH, "immigration", invalid=invalid)


def test_english_readers_get_the_agencys_message_word_for_word() -> None:
    invalid = InvalidNumber("WRONG_LENGTH", part_names=SERIAL, expected_length=10,
                            actual_length=2, **RECEIPT)  # type: ignore[arg-type]
    assert invalid_number_text("en", _failure(invalid), REGISTRY) == ENGLISH


def test_without_structure_every_reader_gets_the_english_message() -> None:
    """An adapter older than InvalidNumberDetail: its English is all there is."""
    assert invalid_number_text("es", _failure(None), REGISTRY) == ENGLISH


@pytest.mark.parametrize(("invalid", "spanish"), [
    (InvalidNumber("WRONG_LENGTH", part_names=SERIAL, expected_length=10, actual_length=2),
     "La parte «número después del código de oficina» tiene 2 caracteres; debe tener 10."),
    (InvalidNumber("WRONG_LENGTH", expected_length=9, actual_length=7),
     "El número tiene 7 caracteres; debe tener 9."),
    (InvalidNumber("EMPTY"), "El número está vacío."),
    (InvalidNumber("WRONG_PREFIX", part_names={"en": "office code", "es": "código de oficina"},
                   found="XYZ", allowed=("EAC", "IOE")),
     "La parte «código de oficina» no puede ser «XYZ». Se aceptan: EAC, IOE."),
    (InvalidNumber("NOT_DIGITS", part_names=SERIAL, found="X"),
     "La parte «número después del código de oficina» contiene «X», pero en ella solo puede "
     "haber dígitos."),
    (InvalidNumber("NOT_DIGITS", found="#"), "«#» no puede aparecer en este número."),
    (InvalidNumber("MISSING_PART", part_names={"es": "código de fecha"}),
     "Falta la parte «código de fecha»."),
    (InvalidNumber("MISSING_PART"), "El número está incompleto."),
    (InvalidNumber("EXTRA_PART", found="7"),
     "Sobra algo después del final del número: «7»."),
    (InvalidNumber("IMPOSSIBLE_VALUE", part_names={"es": "código de fecha"}, found="24999",
                   notes={"es": "Sus 3 últimos dígitos son el día del año."}),
     "La parte «código de fecha» no puede ser «24999». Sus 3 últimos dígitos son el día del "
     "año."),
    (InvalidNumber("WRONG_KIND", notes={"en": "It looks like an A-number."}),
     "Este es otro tipo de número."),
    (InvalidNumber("TOO_LONG", example="X1"), "El número es mucho más largo que cualquier "
                                              "número de caso."),
    (InvalidNumber("UNSPECIFIED"), "Este número no tiene el formato esperado."),
])
def test_each_problem_is_worded_in_spanish(invalid: InvalidNumber, spanish: str) -> None:
    """The sentence is Caseline's, the part's name the agency's Spanish (English when it has
    none), a note only in the reader's own language."""
    text = invalid_number_text("es", _failure(invalid), REGISTRY)
    assert text.startswith(spanish), text
    assert "It looks like" not in text


def test_the_expected_format_follows_in_the_agencys_spanish() -> None:
    invalid = InvalidNumber("WRONG_LENGTH", part_names=SERIAL, expected_length=10,
                            actual_length=2, **RECEIPT)  # type: ignore[arg-type]
    assert invalid_number_text("es", _failure(invalid), REGISTRY).endswith(
        "Formato esperado: número de recibo de USCIS, por ejemplo IOE0912345678.")


def test_a_format_without_a_spanish_name_is_named_by_its_key() -> None:
    invalid = InvalidNumber("EMPTY", expected_format="PERM", example="G-100-24123-123456")
    assert invalid_number_text("es", _failure(invalid), REGISTRY) == (
        "El número está vacío. Formato esperado: PERM, por ejemplo G-100-24123-123456.")


def test_a_number_no_agency_claims_lists_the_registrys_spanish_formats() -> None:
    text = invalid_number_text("es", _failure(NO_AGENCY, "hola"), REGISTRY)
    assert text.startswith("'hola' no es un número de caso que Caseline pueda consultar; se "
                           "esperaba un número de recibo de USCIS")


def test_every_contract_problem_has_its_own_sentence() -> None:
    """No problem the contract names falls through to the generic sentence."""
    generic = invalid_number_text("es", _failure(InvalidNumber("UNSPECIFIED")), REGISTRY)
    for name in pb.InvalidNumberProblem.DESCRIPTOR.values_by_name:
        problem = name.removeprefix("INVALID_NUMBER_PROBLEM_")
        if problem == "UNSPECIFIED":
            continue
        invalid = InvalidNumber(problem, part_names={"es": "parte"}, found="x",
                                expected_length=2, actual_length=1)
        assert invalid_number_text("es", _failure(invalid), REGISTRY) != generic, problem
