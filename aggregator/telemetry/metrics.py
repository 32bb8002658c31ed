"""The aggregator's Prometheus metrics: agency calls and ledger batches.

Labels stay bounded: an agency id comes from the registry, an outcome is OK or a gRPC status
name (or the federation's CIRCUIT_OPEN, DEADLINE_EXCEEDED). Metrics live in
prometheus-client's default registry; with ``PROMETHEUS_MULTIPROC_DIR`` set (several worker
processes on one port) prometheus-client keeps them in files the /metrics endpoint merges.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from aggregator.ledger import batching

__all__ = ["AGENCY_CALLS", "AGENCY_CALL_SECONDS", "LEDGER_BATCH_ENTRIES",
           "LEDGER_COMMIT_SECONDS", "observe_agency_call", "observe_commit"]

# Agency calls answer within a request's deadline (a few seconds at most).
_CALL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

AGENCY_CALLS = Counter(
    "caseline_agency_calls", "Calls to agencies' adapters (retries included in one call), "
    "by agency and outcome (OK, or the failure's code).", ["agency", "outcome"])
AGENCY_CALL_SECONDS = Histogram(
    "caseline_agency_call_duration_seconds", "Time an agency call took, retries included.",
    ["agency"], buckets=_CALL_BUCKETS)
LEDGER_BATCH_ENTRIES = Histogram(
    "caseline_ledger_batch_entries", "Entries committed together in one ledger batch.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096))
LEDGER_COMMIT_SECONDS = Histogram(
    "caseline_ledger_commit_duration_seconds", "Time one ledger batch's commit took (its "
    "transaction, signature and fsync).",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0))

LEDGER_WRITER = "ledger-writer"  # aggregator.ledger.ledger's GroupCommit


def observe_agency_call(agency_id: str, outcome: str, seconds: float) -> None:
    """Count one agency call and its duration."""
    AGENCY_CALLS.labels(agency_id, outcome).inc()
    AGENCY_CALL_SECONDS.labels(agency_id).observe(seconds)


def observe_commit(writer: str, entries: int, seconds: float) -> None:
    """A group commit's batch (the ledger's only: other writers are not the ledger)."""
    if writer == LEDGER_WRITER:
        LEDGER_BATCH_ENTRIES.observe(entries)
        LEDGER_COMMIT_SECONDS.observe(seconds)


if observe_commit not in batching.commit_observers:
    batching.commit_observers.append(observe_commit)
