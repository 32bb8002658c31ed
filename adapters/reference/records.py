"""Record types for history generators (defined by the SDK; re-exported for convenience)."""

from adapters.sdk.records import CaseRecord, ChangeRecord, EventRecord, HearingRecord

__all__ = ["CaseRecord", "ChangeRecord", "EventRecord", "HearingRecord"]
