"""The shared vocabulary's names, as plain strings the domain code uses.

The proto enums carry prefixed names (``STATUS_CATEGORY_PENDING``); mapping tables and the
domain use the short ones (``PENDING``). This module is the one place that knows both.
"""

from __future__ import annotations

from caseline.v1 import vocabulary_pb2

CATEGORIES: tuple[str, ...] = tuple(
    name.removeprefix("STATUS_CATEGORY_")
    for name in vocabulary_pb2.StatusCategory.keys()  # noqa: SIM118 - enum wrapper, not a dict
    if name != "STATUS_CATEGORY_UNSPECIFIED"
)
MILESTONES: tuple[str, ...] = tuple(
    name.removeprefix("MILESTONE_")
    for name in vocabulary_pb2.Milestone.keys()  # noqa: SIM118 - enum wrapper, not a dict
    if name != "MILESTONE_UNSPECIFIED"
)
UNSPECIFIED = "UNSPECIFIED"


def category_to_proto(name: str) -> vocabulary_pb2.StatusCategory.ValueType:
    """Short category name (or UNSPECIFIED) to the proto enum value."""
    return vocabulary_pb2.StatusCategory.Value(f"STATUS_CATEGORY_{name}")


def milestone_to_proto(name: str) -> vocabulary_pb2.Milestone.ValueType:
    """Short milestone name (or UNSPECIFIED) to the proto enum value."""
    return vocabulary_pb2.Milestone.Value(f"MILESTONE_{name}")


def category_from_proto(value: int) -> str:
    """Proto enum value to the short name; values this build does not know are UNSPECIFIED."""
    try:
        return vocabulary_pb2.StatusCategory.Name(value).removeprefix("STATUS_CATEGORY_")  # type: ignore[arg-type]
    except ValueError:
        return UNSPECIFIED


def milestone_from_proto(value: int) -> str:
    """Proto enum value to the short name; values this build does not know are UNSPECIFIED."""
    try:
        return vocabulary_pb2.Milestone.Name(value).removeprefix("MILESTONE_")  # type: ignore[arg-type]
    except ValueError:
        return UNSPECIFIED


def match_to_proto(name: str) -> vocabulary_pb2.StatusMatch.ValueType:
    """Short match kind (EXACT, VARIANT, AMBIGUOUS, NONE, or UNSPECIFIED) to the proto enum."""
    return vocabulary_pb2.StatusMatch.Value(f"STATUS_MATCH_{name}")


def match_from_proto(value: int) -> str:
    """Proto enum value to the short match kind; values this build does not know (and an
    adapter that does not say) are UNSPECIFIED."""
    try:
        return vocabulary_pb2.StatusMatch.Name(value).removeprefix("STATUS_MATCH_")  # type: ignore[arg-type]
    except ValueError:
        return UNSPECIFIED
