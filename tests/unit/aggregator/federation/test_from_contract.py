"""Contract messages read into aggregator records."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aggregator.federation import from_contract as convert
from aggregator.federation.from_contract import status_from_proto
from aggregator.model import InvalidNumber, LookupFailure, Status, Text
from aggregator.processing.model import CompletionFigures, InquiryRule, TargetKind, TargetUnit
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import case_pb2
from caseline.v1 import statistics_pb2 as stats_pb
from caseline.v1 import vocabulary_pb2 as vocab


def _status(code: str = "CERTIFIED", *, category: int = vocab.STATUS_CATEGORY_APPROVED,
            title: str = "Certified", action: bool = False) -> vocab.Status:
    return vocab.Status(
        category=category, milestone=vocab.MILESTONE_DECISION_MADE, action_required=action,
        agency_code=code, agency_text=code.title(),
        texts=[vocab.LocalizedText(language="en", title=title, description="d", next_step="n"),
               vocab.LocalizedText(language="es", title="Certificado", description="d",
                                   next_step="n")])


def test_a_status_reads_every_field() -> None:
    assert status_from_proto(_status()) == Status(
        category="APPROVED", milestone="DECISION_MADE", action_required=False,
        agency_code="CERTIFIED", agency_text="Certified",
        texts={"en": Text("Certified", "d", "n"), "es": Text("Certificado", "d", "n")})


def test_the_match_kind_is_carried_and_unknown_or_absent_kinds_are_unspecified() -> None:
    """How the adapter matched the code travels on; an older adapter's status says nothing."""
    for value, name in [(vocab.STATUS_MATCH_VARIANT, "VARIANT"),
                        (vocab.STATUS_MATCH_AMBIGUOUS, "AMBIGUOUS"),
                        (vocab.STATUS_MATCH_NONE, "NONE"), (77, "UNSPECIFIED")]:
        status = _status()
        status.match = value  # type: ignore[assignment]
        assert status_from_proto(status).match == name
    assert status_from_proto(_status()).match == "UNSPECIFIED"


def test_unknown_enum_values_read_as_unspecified() -> None:
    status = status_from_proto(_status(category=99))
    assert status.category == "UNSPECIFIED" and status.milestone == "DECISION_MADE"


def test_equal_statuses_share_one_record_and_any_difference_tells_them_apart() -> None:
    assert status_from_proto(_status()) is status_from_proto(_status())
    variants = [_status(), _status("DENIED"), _status(category=vocab.STATUS_CATEGORY_DENIED),
                _status(title="Approved"), _status(action=True)]
    read = [status_from_proto(v) for v in variants]
    assert len({id(r) for r in read}) == len(variants)
    assert [r.agency_code for r in read] == ["CERTIFIED", "DENIED", "CERTIFIED", "CERTIFIED",
                                             "CERTIFIED"]
    assert read[1].category == "APPROVED" and read[2].category == "DENIED"
    assert read[3].texts["en"].title == "Approved" and read[4].action_required


def test_statuses_an_agency_makes_up_without_end_do_not_grow_memory() -> None:
    for i in range(convert._STATUS_CACHE_SIZE * 2 + 10):
        assert status_from_proto(_status(f"CODE-{i}")).agency_code == f"CODE-{i}"
    assert len(convert._statuses) <= convert._STATUS_CACHE_SIZE


def _case(**fields: object) -> case_pb2.Case:
    return case_pb2.Case(case_number="IOE0912345678", case_type="I-130",
                         case_type_name="Petition for Alien Relative", status=_status(),
                         **fields)  # type: ignore[arg-type]


def test_a_case_reads_its_type_name_per_language() -> None:
    case = convert.case_from_proto("immigration", _case(case_type_names=[
        vocab.LocalizedString(language="en", text="Petition for Alien Relative"),
        vocab.LocalizedString(language="es", text="Petición de Familiar Extranjero")]))
    assert case.type_name("es") == "Petición de Familiar Extranjero"
    assert case.type_name("en") == case.type_name("fr") == "Petition for Alien Relative"


def test_a_case_from_an_adapter_without_localized_names_reads_its_english_name() -> None:
    case = convert.case_from_proto("immigration", _case())
    assert case.case_type_names == {} and case.type_name("es") == "Petition for Alien Relative"


def test_localized_lists_keep_the_first_entry_per_language_and_drop_the_malformed() -> None:
    texts = [vocab.LocalizedString(language="ES", text="Primero"),
             vocab.LocalizedString(language="es", text="Segundo"),
             vocab.LocalizedString(language="", text="sin idioma"),
             vocab.LocalizedString(language="fr", text="  "),
             vocab.LocalizedString(language="de", text="x" * 1000)]
    read = convert.localized_from_proto(texts)
    assert read == {"es": "Primero", "de": "x" * 400}


def test_localized_lists_are_bounded_in_languages() -> None:
    texts = [vocab.LocalizedString(language=f"l{i:02d}", text="t") for i in range(40)]
    assert len(convert.localized_from_proto(texts)) == 16


def _invalid(detail: pb.InvalidNumberDetail | None) -> pb.LookupResult:
    result = pb.LookupResult(requested_number="IOE12")
    result.error.code = pb.LOOKUP_ERROR_CODE_INVALID_NUMBER
    result.error.message = "'IOE12' is not a valid case number"
    if detail is not None:
        result.error.invalid_number.CopyFrom(detail)
    return result


def test_an_invalid_number_reads_its_structure() -> None:
    failure = convert.lookup_from_proto("immigration", _invalid(pb.InvalidNumberDetail(
        problem=pb.INVALID_NUMBER_PROBLEM_WRONG_LENGTH, expected_format="USCIS receipt number",
        example="IOE0912345678", expected_length=10, actual_length=2,
        part_names=[vocab.LocalizedString(language="es", text="número")],
        allowed=["IOE", "EAC"], found="X" * 40)))
    assert isinstance(failure, LookupFailure) and failure.agency_id == "immigration"
    assert failure.invalid == InvalidNumber(
        "WRONG_LENGTH", "USCIS receipt number", "IOE0912345678", part_names={"es": "número"},
        found="X" * 16, expected_length=10, actual_length=2, allowed=("IOE", "EAC"))


def test_an_invalid_number_without_structure_or_with_an_unknown_problem() -> None:
    """An older adapter's failure has no structure; a newer problem reads UNSPECIFIED."""
    old = convert.lookup_from_proto("immigration", _invalid(None))
    assert isinstance(old, LookupFailure) and old.invalid is None
    assert old.message == "'IOE12' is not a valid case number"
    newer = convert.lookup_from_proto("immigration", _invalid(pb.InvalidNumberDetail(
        problem=99)))  # type: ignore[arg-type]
    assert isinstance(newer, LookupFailure) and newer.invalid is not None
    assert newer.invalid.problem == "UNSPECIFIED"


def _related_case() -> case_pb2.Case:
    case = case_pb2.Case(case_number="IOE0990000011", case_type="I-140")
    add = case.related_cases.add
    add(agency_id="labor", case_number="G-100-24218-604417",
        relation=case_pb2.CASE_RELATION_BASED_ON)
    add(agency_id="", case_number="IOE0990000012", relation=case_pb2.CASE_RELATION_BASIS_FOR)
    add(agency_id="labor", case_number="G-100-24218-604417",
        relation=case_pb2.CASE_RELATION_BASED_ON)  # twice: once is kept
    add(agency_id="labor", case_number="", relation=case_pb2.CASE_RELATION_BASED_ON)
    add(agency_id="labor", case_number="G-1", relation=case_pb2.CASE_RELATION_UNSPECIFIED)
    add(agency_id="labor", case_number="X" * 65, relation=case_pb2.CASE_RELATION_HEARS)
    add(agency_id="courts", case_number="A201555123", relation=99)  # a newer relation
    return case


def test_related_cases_are_read_only_when_the_read_released_them() -> None:
    """With ``related`` (DETAILS released) the usable related cases are kept, in order, an
    empty agency id meaning the agency's own; without it none, even if present."""
    from aggregator.processing.model import RelatedCase

    case = convert.case_from_proto("immigration", _related_case(), related=True)
    assert case.related_cases == (
        RelatedCase("labor", "G-100-24218-604417", "BASED_ON"),
        RelatedCase("immigration", "IOE0990000012", "BASIS_FOR"))
    assert convert.case_from_proto("immigration", _related_case()).related_cases == ()


def test_an_adapters_excess_of_related_cases_is_cut() -> None:
    case = case_pb2.Case(case_number="IOE0990000011")
    for i in range(80):
        case.related_cases.add(agency_id="immigration", case_number=f"IOE09900001{i:02d}",
                               relation=case_pb2.CASE_RELATION_FILED_WITH)
    assert len(convert.related_from_proto("immigration", case.related_cases)) == 50
def _figures(completed: int = 40, *, suppressed: bool = False,
             share: float = 0.75) -> stats_pb.CompletionFigures:
    if suppressed:
        return stats_pb.CompletionFigures(suppressed=True, withheld_cells=3)
    return stats_pb.CompletionFigures(completed=completed, median_days=90, p80_days=140,
                                      within_target_share=share,
                                      decile_days=list(range(10, 100, 10)))


def _statistics_response() -> pb.GetProcessingStatisticsResponse:
    target = stats_pb.ProcessingTarget(
        case_type="I-129", days=15, unit=stats_pb.TARGET_UNIT_BUSINESS_DAYS,
        kind=stats_pb.TARGET_KIND_STATUTORY, source="8 U.S.C. 1356(u)",
        basis=[vocab.LocalizedString(language="en", text="Premium processing."),
               vocab.LocalizedString(language="es", text="Trámite prémium.")],
        source_url="https://www.uscis.gov/forms/all-forms/how-do-i-request-premium-processing",
        inquiry_rule=stats_pb.INQUIRY_RULE_RECEIPT_PLUS_TARGET)
    response = pb.GetProcessingStatisticsResponse(
        target=target, first_month="2026-05", last_month="2026-10", min_cell_size=10,
        offices=[
            stats_pb.OfficeStatistics(
                office="CSC", period=_figures(), months=[
                    stats_pb.MonthlyFigures(month="2026-05", figures=_figures(12)),
                    stats_pb.MonthlyFigures(month="2026-13", figures=_figures(12)),
                    stats_pb.MonthlyFigures(month="2026-06", figures=_figures(suppressed=True))],
                pending=[stats_pb.PendingAtMilestone(milestone=vocab.MILESTONE_UNDER_REVIEW,
                                                     count=33, median_age_days=41),
                         stats_pb.PendingAtMilestone(milestone=vocab.MILESTONE_RECEIVED,
                                                     suppressed=True)]),
            stats_pb.OfficeStatistics(office="VSC", period=_figures(suppressed=True)),
            stats_pb.OfficeStatistics(office="", period=_figures(400))])
    response.computed_at.FromDatetime(datetime(2026, 11, 22, 3, 0, tzinfo=UTC))
    return response


def test_statistics_read_every_figure_and_withheld_ones_as_none() -> None:
    read = convert.statistics_from_proto("immigration", "I-129", _statistics_response(),
                                         first_month=date(2020, 1, 1),
                                         last_month=date(2020, 6, 1))
    assert (read.first_month, read.last_month) == (date(2026, 5, 1), date(2026, 10, 1))
    assert read.target.unit == TargetUnit.BUSINESS_DAYS
    assert read.target.kind == TargetKind.STATUTORY
    assert read.target.inquiry_rule == InquiryRule.RECEIPT_PLUS_TARGET
    assert read.target.basis == {"en": "Premium processing.", "es": "Trámite prémium."}
    assert read.min_cell_size == 10 and read.computed_at == datetime(2026, 11, 22, 3,
                                                                      tzinfo=UTC)
    csc, vsc, agency = read.offices
    assert (csc.office, vsc.office, agency.office) == ("CSC", "VSC", None)
    assert csc.period == CompletionFigures(False, 40, 90, 140, 0.75,
                                           tuple(range(10, 100, 10)), 0)
    assert vsc.period == CompletionFigures(True, None, None, None, None, (), 3)
    # The malformed month is dropped; the withheld one stays, its figures None.
    assert [m.month for m in csc.months] == [date(2026, 5, 1), date(2026, 6, 1)]
    assert csc.months[1].figures.completed is None
    assert csc.pending[0].milestone == "UNDER_REVIEW" and csc.pending[0].count == 33
    assert csc.pending[1].suppressed and csc.pending[1].count is None
    assert read.row(None) is agency and agency.period.completed == 400


def test_a_case_type_without_target_has_no_share_and_unspecified_enums_read_safely() -> None:
    response = pb.GetProcessingStatisticsResponse(
        target=stats_pb.ProcessingTarget(case_type="X"), first_month="bad",
        offices=[stats_pb.OfficeStatistics(period=_figures(share=0.0))])
    read = convert.statistics_from_proto("labor", "X", response, first_month=date(2026, 5, 1),
                                         last_month=date(2026, 10, 1))
    assert read.target.days == 0 and read.target.kind == TargetKind.NONE
    assert read.target.unit == TargetUnit.CALENDAR_DAYS
    assert read.target.inquiry_rule == InquiryRule.NONE
    assert read.offices[0].period.within_target_share is None
    assert (read.first_month, read.last_month) == (date(2026, 5, 1), date(2026, 10, 1))


def test_months_read_as_first_days() -> None:
    assert convert.month_from_contract("2026-02") == date(2026, 2, 1)
    assert convert.month_from_contract("2026-2") is None
    assert convert.month_from_contract("2026-00") is None


def test_premium_processing_is_read_only_when_usable_and_released() -> None:
    """8 CFR 106.4: the agency states when it received the request and its business days;
    a case read without DETAILS, or with no request time or days out of range, has none."""
    case = case_pb2.Case(case_number="IOE0990000011", case_type="I-140", status=_status())
    case.premium.requested_at.FromDatetime(datetime(2026, 3, 2, 18))
    case.premium.business_days = 15
    case.premium.source = "8 CFR 106.4"
    premium = convert.case_from_proto("immigration", case, related=True).premium
    assert premium is not None
    assert (premium.requested_at, premium.business_days, premium.source) == (
        datetime(2026, 3, 2, 18, tzinfo=UTC), 15, "8 CFR 106.4")
    assert convert.case_from_proto("immigration", case).premium is None
    case.premium.business_days = 0
    assert convert.premium_from_proto(case) is None
    case.premium.business_days = 100_000
    assert convert.premium_from_proto(case) is None
    case.premium.business_days = 15
    case.premium.ClearField("requested_at")
    assert convert.premium_from_proto(case) is None
