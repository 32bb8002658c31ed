"""Group commit: what waits together is committed together, and each caller gets its own
outcome, on a plain future or on its event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from aggregator.ledger.batching import GroupCommit


class _Recorder:
    """Commits by recording each batch; the first batch waits until released, so that
    everything submitted meanwhile queues up behind it."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def commit(self, batch: Sequence[int]) -> list[str | BaseException]:
        self.batches.append(list(batch))
        if len(self.batches) == 1:
            self.started.set()
            self.release.wait(10)
        return [ValueError(f"odd {n}") if n % 2 else f"ok {n}" for n in batch]


def test_items_waiting_together_are_committed_in_one_batch_in_order() -> None:
    """While one batch commits, the rest queue up and go in the next batch, in order."""
    recorder = _Recorder()
    writer: GroupCommit[int, str] = GroupCommit(recorder.commit, name="test-writer")
    try:
        first = writer.submit(0)
        assert recorder.started.wait(10)
        rest = [writer.submit(n) for n in range(2, 12, 2)]
        recorder.release.set()
        assert first.result(10) == "ok 0"
        assert [f.result(10) for f in rest] == [f"ok {n}" for n in range(2, 12, 2)]
        assert recorder.batches == [[0], [2, 4, 6, 8, 10]]
    finally:
        writer.close(10)


def test_a_batch_is_at_most_max_batch_items() -> None:
    """A long queue is committed in slices of ``max_batch``."""
    recorder = _Recorder()
    writer: GroupCommit[int, str] = GroupCommit(recorder.commit, name="test-writer",
                                                max_batch=3)
    try:
        writer.submit(0)
        assert recorder.started.wait(10)
        futures = [writer.submit(n) for n in range(2, 16, 2)]
        recorder.release.set()
        for future in futures:
            future.result(10)
        assert recorder.batches == [[0], [2, 4, 6], [8, 10, 12], [14]]
    finally:
        writer.close(10)


def test_an_error_outcome_fails_only_its_own_caller() -> None:
    """The commit's error for one item is raised to that caller; the others succeed."""
    recorder = _Recorder()
    recorder.release.set()
    writer: GroupCommit[int, str] = GroupCommit(recorder.commit, name="test-writer")
    try:
        odd, even = writer.submit(1), writer.submit(2)
        with pytest.raises(ValueError, match=r"^odd 1$"):
            odd.result(10)
        assert even.result(10) == "ok 2"
    finally:
        writer.close(10)


async def test_callers_on_an_event_loop_are_settled_on_their_loop() -> None:
    """``submit_async`` resolves (or raises) on the caller's loop, many callers at once."""
    recorder = _Recorder()
    recorder.release.set()
    writer: GroupCommit[int, str] = GroupCommit(recorder.commit, name="test-writer")
    try:
        results = await asyncio.gather(*(writer.submit_async(n) for n in range(0, 40, 2)))
        assert results == [f"ok {n}" for n in range(0, 40, 2)]
        with pytest.raises(ValueError, match=r"^odd 3$"):
            await writer.submit_async(3)
    finally:
        writer.close(10)


def test_close_commits_what_is_queued_before_stopping() -> None:
    """Nothing queued before close is dropped."""
    recorder = _Recorder()
    writer: GroupCommit[int, str] = GroupCommit(recorder.commit, name="test-writer")
    first = writer.submit(0)
    assert recorder.started.wait(10)
    queued = writer.submit(2)
    threading.Timer(0.05, recorder.release.set).start()
    writer.close(10)
    assert (first.result(0), queued.result(0)) == ("ok 0", "ok 2")
