"""The longest agency text the SDK releases, and cutting a longer one without leaving part of
a number at the cut."""

from __future__ import annotations

__all__ = ["MAX_TEXT_LENGTH", "bounded_text"]

# An agency's status text is a paragraph; this is several times the longest real one, and it
# bounds every scan the redaction makes over a text.
MAX_TEXT_LENGTH = 4000
# How far back from the limit a cut may go to land between words.
_CUT_WINDOW = 200
ELLIPSIS = "…"


def _safe_cut(text: str, limit: int) -> int:
    """An index at most ``limit`` where the text may be cut: at a space with no digit on
    either side, so a number spread over groups ("201 555 123") is never left half shown."""
    floor = max(limit - _CUT_WINDOW, 0)
    at = text.rfind(" ", floor, limit + 1)
    while at > floor:
        before, after = text[at - 1], text[at + 1] if at + 1 < len(text) else ""
        if not before.isdigit() and not after.isdigit():
            return at
        at = text.rfind(" ", floor, at)
    # No such space near the limit: drop the trailing run of letters, digits and separators.
    end = limit
    while end > floor and (text[end - 1].isalnum() or text[end - 1] in "-#./"):
        end -= 1
    return end


def bounded_text(text: str) -> str:
    """``text`` when within :data:`MAX_TEXT_LENGTH`, else its head cut between words and
    marked with an ellipsis (the length is checked before anything else is done)."""
    if len(text) <= MAX_TEXT_LENGTH:
        return text
    limit = MAX_TEXT_LENGTH - len(ELLIPSIS)
    return text[:_safe_cut(text, limit)].rstrip() + ELLIPSIS
