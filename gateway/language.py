"""Choosing the response language: argument, else Accept-Language, else English."""

from __future__ import annotations

__all__ = ["SUPPORTED", "from_accept_language"]

SUPPORTED = ("en", "es")


def from_accept_language(header: str | None) -> str:
    """The supported language the client prefers most (RFC 9110 weights), else "en"."""
    if not header:
        return "en"
    best, best_q = "en", 0.0
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        # Earlier entries win ties, as clients list their preferences in order.
        q -= position * 1e-6
        if primary in SUPPORTED and q > best_q:
            best, best_q = primary, q
    return best
