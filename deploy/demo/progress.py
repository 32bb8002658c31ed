"""One progress display for a run of steps known in advance (the demo's first seeding): each
step numbered against the total and summed up on a line of its own when done, and on a
terminal one live bar for the step under way."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from tqdm import tqdm

__all__ = ["Step", "StepProgress"]


@dataclass
class Step:
    """The step under way: ``advance`` moves its bar, ``summary`` is said when it is done."""

    bar: tqdm[Any] | None
    summary: str = "done"

    def advance(self, units: int) -> None:
        """``units`` more of the step's total are done."""
        if self.bar is not None:
            self.bar.update(units)


class StepProgress:
    """Steps ``[1/N]`` to ``[N/N]`` on ``stream`` (stderr by default).

    ``live`` (default: whether ``stream`` is a terminal) adds the bar, redrawn in place; a log
    or a pipe gets only the finished steps' lines, one each, never a redrawn bar.
    """

    def __init__(self, total_steps: int, stream: TextIO | None = None,
                 live: bool | None = None) -> None:
        self._total = total_steps
        self._stream = stream if stream is not None else sys.stderr
        self._live = self._stream.isatty() if live is None else live
        self._done = 0

    def say(self, text: str) -> None:
        """A line of its own, above the bar if one is shown."""
        tqdm.write(text, file=self._stream)
        self._stream.flush()

    @contextmanager
    def step(self, name: str, total: int = 1, unit: str = "step") -> Iterator[Step]:
        """Step ``name`` of ``total`` units; its line (number, summary, seconds) is written
        when the block ends without an error."""
        if self._done >= self._total:
            raise ValueError(f"step {name!r} is more than the {self._total} announced")
        number = f"[{self._done + 1}/{self._total}]"
        started = time.perf_counter()
        bar = (tqdm(total=total, desc=f"{number} {name}", unit=unit, unit_scale=True,
                    leave=False, file=self._stream, smoothing=0.1)
               if self._live else None)
        current = Step(bar)
        try:
            yield current
        finally:
            if bar is not None:
                bar.close()
        self._done += 1
        self.say(f"  {number} {name}: {current.summary} "
                 f"({time.perf_counter() - started:.1f} s)")
