"""The progress line: every milestone of the contract has its step; the card and the form
in the reader's language."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import pytest

from aggregator.config import parse_config
from aggregator.model import Case, InvalidNumber, LookupFailure, LookupOutcome, Status, Text
from aggregator.service import CaselineService
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import case_pb2, vocabulary_pb2
from gateway.ratelimit import LookupQuotas, RatePolicy
from gateway.web.lookup import (
    WITHOUT_STEP,
    Card,
    Problem,
    format_hints,
    look_up,
    statistics_path,
    step_of,
)
from support.fakes import fake_service

PREFIX = "MILESTONE_"


def test_every_contract_milestone_sits_on_a_step() -> None:
    """Each Milestone value maps to one of the four steps, in order, unless it is listed as
    saying nothing of progress."""
    names = [n.removeprefix(PREFIX) for n in vocabulary_pb2.Milestone.DESCRIPTOR.values_by_name]
    unmapped = [n for n in names if n not in WITHOUT_STEP and step_of(n) is None]
    assert not unmapped, f"milestones without a step: {unmapped}"
    assert all(step_of(n) is None for n in WITHOUT_STEP)
    assert set(names) >= WITHOUT_STEP
    assert [step_of(n) for n in ("RECEIVED", "UNDER_REVIEW", "HEARING_SCHEDULED",
                                 "DECISION_MADE")] == [0, 1, 2, 3]


# The card and the form in the reader's language: the agency's texts where it supplies them.

T0 = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)
CONFIG = parse_config({"agencies": [{
    "id": "fake", "name": "Fake Agency", "name_es": "Agencia Falsa", "address": "unused:1",
    "numbers": "^FAK", "number_format": "FAK and 6 digits (e.g. FAK123456)",
    "number_format_es": "FAK y 6 dígitos (p. ej., FAK123456)"}]})
STATUS = Status("PENDING", "RECEIVED", False, "Received", "", {"en": Text("Received", "d", "")})
SHORT = InvalidNumber("WRONG_LENGTH", "fake number", "FAK123456",
                      {"en": "fake number", "es": "número ficticio"},
                      {"en": "digits", "es": "dígitos"}, expected_length=6, actual_length=2)


class _Adapter:
    """FAK000001 named in English and Spanish, FAK000002 in English only; others too short."""

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        names = {"FAK000001": {"en": "Fake Application", "es": "Solicitud Ficticia"},
                 "FAK000002": {}}
        return [Case("fake", n, "F-1", "Fake Application", STATUS, T0, T0,
                     case_type_names=names[n]) if n in names
                else LookupFailure(n, "INVALID_NUMBER", "too short (English)", "fake",
                                   invalid=SHORT)
                for n in numbers]

    async def describe(self, timeout: float) -> pb.DescribeResponse:
        return pb.DescribeResponse(number_formats=[case_pb2.NumberFormat(
            name="fake number", example="FAK123456", description="FAK and 6 digits",
            names=[vocabulary_pb2.LocalizedString(language="es", text="número ficticio")],
            descriptions=[vocabulary_pb2.LocalizedString(language="es",
                                                         text="FAK y 6 dígitos")])])

    async def close(self) -> None:
        return None


@pytest.fixture
async def service() -> AsyncIterator[CaselineService]:
    running = fake_service(CONFIG, {"fake": _Adapter()})  # type: ignore[dict-item]
    yield running
    await running.close()


async def _look_up(service: CaselineService, number: str, language: str) -> Card | Problem:
    return await look_up(service, LookupQuotas(RatePolicy(burst=100, per_second=1)), "c",
                         number, language)


async def test_the_card_names_the_case_type_in_the_readers_language(
        service: CaselineService) -> None:
    spanish = await _look_up(service, "FAK000001", "es")
    english = await _look_up(service, "FAK000001", "en")
    assert isinstance(spanish, Card) and isinstance(english, Card)
    assert (spanish.case_type_name, spanish.case_type_language) == ("Solicitud Ficticia", "es")
    assert (english.case_type_name, english.case_type_language) == ("Fake Application", "en")


async def test_a_type_the_agency_names_in_english_only_is_marked_english(
        service: CaselineService) -> None:
    card = await _look_up(service, "FAK000002", "es")
    assert isinstance(card, Card)
    assert (card.case_type_name, card.case_type_language) == ("Fake Application", "en")


async def test_a_bad_number_is_explained_in_the_readers_language(
        service: CaselineService) -> None:
    spanish = await _look_up(service, "FAK12", "es")
    english = await _look_up(service, "FAK12", "en")
    assert isinstance(spanish, Problem) and isinstance(english, Problem)
    assert spanish.status == english.status == 400
    assert spanish.text == ("La parte «dígitos» tiene 2 caracteres; debe tener 6. Formato "
                            "esperado: número ficticio, por ejemplo FAK123456.")
    assert english.text == "too short (English)"


async def test_a_number_no_agency_claims_is_explained_with_the_registrys_spanish(
        service: CaselineService) -> None:
    problem = await _look_up(service, "hello", "es")
    assert isinstance(problem, Problem)
    assert problem.text.endswith("se esperaba FAK y 6 dígitos (p. ej., FAK123456)")


async def test_format_hints_are_in_the_readers_language(service: CaselineService) -> None:
    (spanish,) = await format_hints(service, "es")
    (english,) = await format_hints(service, "en")
    assert spanish.formats == ("número ficticio: FAK123456 (FAK y 6 dígitos)",)
    assert english.formats == ("fake number: FAK123456 (FAK and 6 digits)",)


def test_the_statistics_path_is_quoted() -> None:
    assert statistics_path("immigration", "I-765") == "/statistics/immigration/I-765"
    assert statistics_path("labor", "H-2A/B") == "/statistics/labor/H-2A%2FB"
