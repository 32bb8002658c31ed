"""Processing targets as data: per case type, the agency's published goal or statutory
timeframe, its unit, its legal source and how the inquiry date is derived."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["INQUIRY_RULES", "TARGET_KINDS", "TARGET_UNITS", "TargetSpec"]

TARGET_UNITS = ("CALENDAR_DAYS", "BUSINESS_DAYS")
TARGET_KINDS = ("STATUTORY", "REGULATORY", "PUBLISHED_GOAL")
INQUIRY_RULES = ("RECEIPT_PLUS_P80", "RECEIPT_PLUS_TARGET", "NONE")


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """One case type's target (the contract's ProcessingTarget, as the agency states it).

    ``basis`` holds one or two plain sentences by BCP 47 tag, English and Spanish at least;
    ``source`` is the citation as written ("8 U.S.C. 1571(b)"), never translated.
    """

    case_type: str
    days: int
    unit: str
    kind: str
    source: str
    basis: Mapping[str, str] = field(default_factory=dict)
    source_url: str = ""
    inquiry_rule: str = "RECEIPT_PLUS_P80"

    def __post_init__(self) -> None:
        if self.days < 0:
            raise ValueError(f"target for {self.case_type}: days must be 0 or more")
        if self.unit not in TARGET_UNITS:
            raise ValueError(f"target for {self.case_type}: unit {self.unit!r} is not one of "
                             f"{', '.join(TARGET_UNITS)}")
        if self.kind not in TARGET_KINDS:
            raise ValueError(f"target for {self.case_type}: kind {self.kind!r} is not one of "
                             f"{', '.join(TARGET_KINDS)}")
        if self.inquiry_rule not in INQUIRY_RULES:
            raise ValueError(f"target for {self.case_type}: inquiry_rule "
                             f"{self.inquiry_rule!r} is not one of {', '.join(INQUIRY_RULES)}")
        if self.source_url and not self.source_url.startswith("https://"):
            raise ValueError(f"target for {self.case_type}: source_url must be https")
