"""The ledger's group commits are observed (batch size, commit time); other writers are not;
agency calls are counted by outcome."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import REGISTRY

from aggregator.ledger.batching import GroupCommit
from aggregator.telemetry.metrics import LEDGER_WRITER, observe_agency_call


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _run(writer: str, items: int) -> None:
    def commit(batch: Sequence[int]) -> list[int]:
        return list(batch)

    group: GroupCommit[int, int] = GroupCommit(commit, name=writer)
    futures = [group.submit(i) for i in range(items)]
    assert [f.result(timeout=10) for f in futures] == list(range(items))
    group.close(10)


def test_ledger_batches_are_observed_and_other_writers_are_not() -> None:
    batches = _sample("caseline_ledger_batch_entries_count")
    entries = _sample("caseline_ledger_batch_entries_sum")
    commits = _sample("caseline_ledger_commit_duration_seconds_count")
    _run("some-other-writer", 5)
    assert _sample("caseline_ledger_batch_entries_sum") == entries
    _run(LEDGER_WRITER, 5)
    assert _sample("caseline_ledger_batch_entries_sum") == entries + 5
    grown = _sample("caseline_ledger_batch_entries_count") - batches
    assert 1 <= grown <= 5
    assert _sample("caseline_ledger_commit_duration_seconds_count") == commits + grown


def test_agency_calls_are_counted_by_agency_and_outcome() -> None:
    ok = _sample("caseline_agency_calls_total", agency="test-agency", outcome="OK")
    observe_agency_call("test-agency", "OK", 0.02)
    observe_agency_call("test-agency", "CIRCUIT_OPEN", 0.0)
    assert _sample("caseline_agency_calls_total", agency="test-agency", outcome="OK") == ok + 1
    assert _sample("caseline_agency_calls_total", agency="test-agency",
                   outcome="CIRCUIT_OPEN") >= 1
    assert _sample("caseline_agency_call_duration_seconds_sum", agency="test-agency") >= 0.02
