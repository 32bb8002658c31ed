"""How pytest-xdist's workers share the suite (tests/conftest.py): a module's tests stay
on one worker, so a module-scoped demo starts once; the modules of a directory whose tests
share a session-wide fixture costly to start go to one worker together; and the units that
start servers run first, so the run does not end with one worker on a long module while the
other has nothing left (xdist would order units by their number of tests, which puts the
few, slow tests of a module that starts a demo last)."""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadFileScheduling

__all__ = ["SHARED_SESSION_DIRS", "ModuleScheduling", "slow_first", "unit_of"]

# tests/browser: one demo and one Chromium for the session (tests/browser/conftest.py).
SHARED_SESSION_DIRS = ("tests/browser/",)


# Where the tests start real servers (demos, adapters, Chromium), slowest first; every other
# test comes after these, in collection order.
SLOW_FIRST = ("tests/acceptance/", "tests/browser/", "tests/test_readme.py",
              "tests/integration/", "tests/security/", "tests/conformance/")


def slow_first(nodeid: str) -> int:
    """The rank a test runs in: the index of its place in SLOW_FIRST, or after them all."""
    return next((i for i, place in enumerate(SLOW_FIRST) if nodeid.startswith(place)),
                len(SLOW_FIRST))


def unit_of(nodeid: str) -> str:
    """The work unit a test belongs to: its shared directory, or else its module."""
    module = nodeid.split("::", 1)[0]
    return next((d for d in SHARED_SESSION_DIRS if module.startswith(d)), module)


class ModuleScheduling(LoadFileScheduling):
    """xdist's per-module scheduling, with ``unit_of``'s units, in collection order (which
    tests/conftest.py sorts with ``slow_first``)."""

    def __init__(self, config: Any, log: Any = None) -> None:
        super().__init__(config, log)
        config.option.loadscopereorder = False

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)
