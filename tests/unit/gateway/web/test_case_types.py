"""Case types from the adapters' Describe: names by language, asked once per adapter, asked
again after a failure, nothing from an adapter that cannot describe itself."""

from __future__ import annotations

from aggregator.federation.fanout import AgencyCallError
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import vocabulary_pb2
from gateway.web.case_types import case_types, is_identifier, label


class Describing:
    def __init__(self, failures: int = 0) -> None:
        self.calls = 0
        self.failures = failures

    async def describe(self, timeout: float) -> pb.DescribeResponse:
        self.calls += 1
        if self.calls <= self.failures:
            raise AgencyCallError("UNAVAILABLE", "down")
        return pb.DescribeResponse(case_types=[
            pb.CaseType(code="N-400", name="Naturalization", names=[
                vocabulary_pb2.LocalizedString(language="es", text="Naturalización")]),
            pb.CaseType(code="I-90", name="Replace a green card")])


async def test_names_by_language_with_english_as_fallback() -> None:
    types = await case_types(Describing(), 1.0)
    assert types is not None
    assert [t.code for t in types] == ["N-400", "I-90"]
    assert types[0].name_in("es") == "Naturalización" and types[0].name_in("en") == "Naturalization"
    assert types[1].name_in("es") == "Replace a green card"


async def test_asked_once_and_again_after_a_failure() -> None:
    adapter = Describing(failures=1)
    assert await case_types(adapter, 1.0) is None
    assert await case_types(adapter, 1.0) is not None
    assert await case_types(adapter, 1.0) is not None
    assert adapter.calls == 2


async def test_an_adapter_that_cannot_describe_itself_gives_nothing() -> None:
    assert await case_types(object(), 1.0) is None


def test_an_identifier_is_shown_by_its_name_a_form_number_as_itself() -> None:
    """CREDIBLE_FEAR_REVIEW is only its name's words in capitals: the pages show the name in
    the reader's language; a form number or an acronym people know stays (I-485, PERM)."""
    names = {"es": "Revisión de temor creíble"}
    assert label("CREDIBLE_FEAR_REVIEW", "Credible Fear Review", names, "es") == (
        "Revisión de temor creíble")
    assert label("CREDIBLE_FEAR_REVIEW", "Credible Fear Review", names, "en") == (
        "Credible Fear Review")
    assert is_identifier("BOND", "Bond (Custody Redetermination) Proceedings")
    assert is_identifier("ASYLUM_ONLY", "Asylum-Only Proceedings")
    assert not is_identifier("PERM", "Permanent Labor Certification (ETA-9089)")
    assert not is_identifier("H-2A", "H-2A Temporary Agricultural Labor Certification")
    assert label("I-485", "Adjust status", {"es": "Ajuste"}, "es") == "I-485"
