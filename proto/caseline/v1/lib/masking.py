"""How an identifying number is shown to a reader whose consent lacks IDENTITY.

One style everywhere (the gateway's masked case numbers, the adapter SDK's redacted texts):
the leading letter, a bullet for each hidden character, the last four characters.
"""

from __future__ import annotations

__all__ = ["MASK", "mask_number"]

MASK = "•"


def mask_number(number: str) -> str:
    """A number with all but its prefix letter and last four characters hidden."""
    keep = 1 if number[:1].isalpha() else 0
    hidden = max(len(number) - keep - 4, 0)
    return number[:keep] + MASK * hidden + number[keep + hidden:]
