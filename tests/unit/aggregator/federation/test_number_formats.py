"""Each agency's number formats as Describe gives them, with their texts per language."""

from __future__ import annotations

from aggregator.federation.number_formats import AgencyNumberFormat, number_formats
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import case_pb2
from caseline.v1 import vocabulary_pb2 as vocab


class _Describing:
    """An adapter whose Describe lists one format, with Spanish or without."""

    def __init__(self, spanish: bool) -> None:
        self.spanish = spanish
        self.asked = 0

    async def describe(self, timeout: float) -> pb.DescribeResponse:
        self.asked += 1
        number_format = case_pb2.NumberFormat(name="A-number", pattern="^A\\d{9}$",
                                              example="A201555123", description="A and 9")
        if self.spanish:
            number_format.names.add(language="es", text="número A")
            number_format.descriptions.extend([
                vocab.LocalizedString(language="en", text="A and 9"),
                vocab.LocalizedString(language="es", text="A y 9")])
        return pb.DescribeResponse(agency_id="courts", number_formats=[number_format])


async def test_formats_carry_their_texts_per_language_and_are_asked_once() -> None:
    adapter = _Describing(spanish=True)
    formats = await number_formats(adapter, 1.0)
    assert formats is not None and await number_formats(adapter, 1.0) == formats
    (only,) = formats
    assert (only.name_in("es"), only.description_in("es")) == ("número A", "A y 9")
    assert (only.name_in("en"), only.description_in("en")) == ("A-number", "A and 9")
    assert adapter.asked == 1


async def test_an_adapter_without_localized_texts_reads_in_english_everywhere() -> None:
    formats = await number_formats(_Describing(spanish=False), 1.0)
    assert formats is not None
    (only,) = formats
    assert (only.name_in("es"), only.description_in("es")) == ("A-number", "A and 9")


def test_formats_compare_by_their_definition_not_their_translations() -> None:
    plain = AgencyNumberFormat("A-number", "^A$", "A1", "A")
    spanish = AgencyNumberFormat("A-number", "^A$", "A1", "A", {"es": "número A"})
    assert plain == spanish and hash(plain) == hash(spanish)
