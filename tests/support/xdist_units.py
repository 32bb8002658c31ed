"""How pytest-xdist's workers share the suite (tests/conftest.py): a module's tests stay
on one worker, so a module-scoped demo starts once; the modules of a directory whose tests
share a session-wide fixture costly to start go to one worker together."""

from __future__ import annotations

from xdist.scheduler import LoadFileScheduling

__all__ = ["SHARED_SESSION_DIRS", "ModuleScheduling", "unit_of"]

# tests/browser: one demo and one Chromium for the session (tests/browser/conftest.py).
SHARED_SESSION_DIRS = ("tests/browser/",)


def unit_of(nodeid: str) -> str:
    """The work unit a test belongs to: its shared directory, or else its module."""
    module = nodeid.split("::", 1)[0]
    return next((d for d in SHARED_SESSION_DIRS if module.startswith(d)), module)


class ModuleScheduling(LoadFileScheduling):
    """xdist's per-module scheduling, with ``unit_of``'s units."""

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)
