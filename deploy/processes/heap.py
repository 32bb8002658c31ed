"""Garbage-collector settings for long-running server processes."""

from __future__ import annotations

import gc

__all__ = ["freeze_startup_heap"]


def freeze_startup_heap() -> None:
    """Exclude everything allocated so far from future garbage collections.

    A server's startup leaves some 100,000 long-lived objects (modules, schema, tables). Under
    load, objects of in-flight requests outlive young collections and so trigger full ones,
    and each full one walked that whole heap: a ~70 ms pause about every 1.5 s, which every
    request in flight waited out. Frozen objects are never walked again; they were never going
    to be freed anyway.
    """
    gc.collect()
    gc.freeze()
