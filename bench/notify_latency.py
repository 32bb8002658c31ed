"""Change -> notification latency (issue 17): from an agency recording a status change (the
recording function `caseline adapter record-event` calls, into the agency's demo store) to
(a) the in-app delivery, seen on the live feed a gateway subscribes to, and (b) the webhook
delivery, seen by a receiver on loopback that verifies each Standard Webhooks signature.

The three reference adapters run as real processes on loopback over seeded stores; the
aggregator runs its watchers, matcher and deliverer with their default settings, embedded
(SQLite outbox) or, with ``--nats-url``, over NATS JetStream. ``--subjects`` subjects each
have one case linked and have granted a representative (``rep-bench``, a webhook registered
and turned on) consent for every agency, so every change is one in-app notification to the
subject, one in-app and one webhook delivery to the representative: the representative's
live feed and webhook are what is timed.

Phases: idle (one change at a time, each waited for) and loaded (``--rate`` changes per
second across the agencies from a separate process, as agencies are other systems, for
``--seconds``). Prints JSON: p50/p99 per phase and path, lost and duplicated counts, and the
targets (in-app p99 <= 1 s, webhook p99 <= 2 s at 100 changes/s, none lost).

What each figure measures. Every latency starts at one origin per change, ``recorded``: the
wall clock (``time.time()``) just before the change is recorded into the agency's store, in
the process that records it (this one when idle, the driver process when loaded).

- ``idle``/``loaded`` ``in_app``: until the representative's live feed (the gateway's
  in-process subscription) yields the notification, on this process's wall clock;
- ``idle``/``loaded`` ``webhook``: until the receiver process has checked the signature of
  the ``case.status_changed`` delivery, on its wall clock;
- ``stages`` (both phases together, per channel, from the outbox's own timestamps on the
  same origin): ``matched`` until the matcher took the change up (the notification's
  ``created_at``, stamped as its batch starts, before the batch is decided and committed),
  ``delivered`` until the deliverer stamped the delivery delivered (``delivered_at``:
  after the send succeeded, i.e. the webhook receiver's 2xx or, in-app, before the live feed
  is told; before that stamp is committed).

So per change ``matched`` <= ``delivered``; in-app ``delivered`` comes before the live feed
sees it, and webhook ``delivered`` after the receiver has (it waits for the 2xx). All these
clocks are the one machine's wall clock read by different processes. The agency's own time
of the change (``occurred_at``) is not an origin: it is whole seconds (the bench records
``at`` truncated to the second, as an agency's record-event time is), on average half a
second before the change really was recorded, which once made a stage (then measured from
it) look longer than the whole path.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from _harness import RESULTS, percentiles
from _receiver_process import RemoteReceiver, receiver_process
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection

from adapters.reference.catalog import REFERENCE_AGENCIES
from adapters.reference.demo_store import DemoStore
from adapters.reference.progressions import for_agency
from adapters.reference.seed import seed_store
from aggregator.bootstrap import bootstrap, consent_issuer, open_state
from aggregator.consent.records import ConsentRecord
from aggregator.consent.vocabulary import ConsentState, Purpose, Role
from aggregator.notify.model import ChannelKind, Preferences, Released
from aggregator.notify.preferences import SqlPreferences
from aggregator.notify.runtime import Notifier, NotifySettings
from aggregator.notify.tables import deliveries, notifications
from aggregator.notify.webhooks import WebhookSettings
from aggregator.notify.wire import JetStreamSettings
from aggregator.service import CaselineService
from aggregator.state import StatePaths
from caseline.v1.lib.scopes import Scope
from deploy.commands.record_event import DemoRecorder
from deploy.demo.state import DemoState
from deploy.processes.launcher import registry_with, start_adapter, stop_adapters

REP = "rep-bench"
PLAN = "plan.json"
TODAY = date(2026, 11, 1)
TARGET_IN_APP_P99_MS = 1000.0
TARGET_WEBHOOK_P99_MS = 2000.0
# After the last change, how long a delivery may still arrive before it counts as lost
# (outbox_deliveries in the output tells late from dropped).
DRAIN_S = 20.0

Key = tuple[str, str]  # (agency, case number)


@dataclass
class Arrivals:
    """When each change's in-app and webhook delivery arrived (wall clock), and repeats."""

    in_app: dict[Key, float] = field(default_factory=dict)
    webhook: dict[Key, float] = field(default_factory=dict)
    in_app_repeats: int = 0
    webhook_repeats: int = 0
    waiters: dict[Key, asyncio.Event] = field(default_factory=dict)
    # Each change's origin: the wall clock just before it was recorded (both phases).
    recorded: dict[Key, float] = field(default_factory=dict)
    # The representative's notification id of each change, as the live feed told it (the
    # outbox keeps case numbers sealed).
    ids: dict[str, Key] = field(default_factory=dict)

    def arrived(self, kind: str, key: Key, at: float | None = None) -> None:
        seen = self.in_app if kind == "in_app" else self.webhook
        if key in seen:
            if kind == "in_app":
                self.in_app_repeats += 1
            else:
                self.webhook_repeats += 1
            return
        seen[key] = time.time() if at is None else at
        if key in self.in_app and key in self.webhook and key in self.waiters:
            self.waiters[key].set()


def _seed(root: Path, subjects: int) -> dict[str, list[tuple[str, str]]]:
    """Stores with enough cases for ``subjects``; per agency, (number, last code) of the
    cases to link."""
    state = DemoState(root)
    per_agency = -(-subjects // len(REFERENCE_AGENCIES))
    chosen: dict[str, list[tuple[str, str]]] = {}
    for agency in REFERENCE_AGENCIES:
        path = state.store(agency)
        path.parent.mkdir(parents=True, exist_ok=True)
        seed_store(path, agency, cases=per_agency + 50, seed=7, today=TODAY, progress=False)
        with sqlite3.connect(path) as conn:
            numbers = [r[0] for r in conn.execute(
                "SELECT number FROM cases ORDER BY number LIMIT ?", (per_agency,))]
        cases = DemoStore(path).find_cases(numbers, with_history=True)
        # Recording the case's current code again is a new event (a real change) whatever
        # the case's program; it resolves exactly against the agency's table.
        chosen[agency] = [(n, cases[n].events[-1].code) for n in numbers]
    return chosen


def _link(root: Path, chosen: dict[str, list[tuple[str, str]]],
          subjects: int) -> list[tuple[str, str, str]]:
    """Each subject linked to one case and consenting to REP for every agency and scope,
    written through the store's API before the aggregator starts. Setup only: nothing it
    writes is fsync'd (each new subject's key rewrites the keyring file, and 40,000 durable
    writes would take minutes here); the aggregator then opens the state afresh with its own
    settings. Consent rows are unsigned: the matcher and the releaser read them as stored.
    The (agency, number, code) list."""
    fsync = os.fsync
    os.fsync = lambda fd: None
    try:
        return _link_unsynced(root, chosen, subjects)
    finally:
        os.fsync = fsync


def _link_unsynced(root: Path, chosen: dict[str, list[tuple[str, str]]],
                   subjects: int) -> list[tuple[str, str, str]]:
    store, _ = open_state(StatePaths(root))
    store.engine.dispose()
    event.listen(store.engine, "connect",
                 lambda conn, _: conn.execute("PRAGMA synchronous=OFF"))
    now = datetime.now(UTC)
    store.ensure_account(REP, Role.REPRESENTATIVE)
    plan = [(a, n, c) for a in REFERENCE_AGENCIES for n, c in chosen[a]][:subjects]
    for i, (agency, number, _) in enumerate(plan):
        subject = f"s{i:05d}"
        store.ensure_account(subject, Role.APPLICANT)
        store.add_link(subject, agency, number)
        store.add_consent_version(ConsentRecord(
            id=f"cns_{i:024x}", version=1, subject_id=subject, grantee_id=REP,
            agencies=tuple(REFERENCE_AGENCIES), scopes=tuple(Scope),
            purpose_code=Purpose.LEGAL_REPRESENTATION, purpose_text="bench",
            valid_from=now, valid_until=now + timedelta(days=30),
            state=ConsentState.ACTIVE, created_at=now))
    store.close()
    return plan


def _ready(root: Path) -> DemoRecorder:
    """A recorder with every agency's store, mapping table and progressions open: seconds
    of CPU once per process, spent before any change is timed. Otherwise the first change
    at each agency would wait for them and, in the driver, the changes held back meanwhile
    would then go out as one burst far above the rate."""
    recorder = DemoRecorder(DemoState(root))
    for agency in REFERENCE_AGENCIES:
        recorder.store(agency)
        recorder.table(agency)
        for_agency(agency)
    return recorder


def _drive(root: str, changes: list[tuple[str, str, str]], rate: float,
           out: str) -> None:
    """In its own process (the agencies): record ``changes`` at ``rate`` per second, write
    [(agency, number, wall time before recording)] to ``out``."""
    recorder = _ready(Path(root))
    started = time.monotonic()
    sent = []
    for i, (agency, number, code) in enumerate(changes):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        t0 = time.time()
        recorder.record(agency, number, code, at=datetime.now(UTC).replace(microsecond=0))
        sent.append((agency, number, t0))
    Path(out).write_text(json.dumps({"sent": sent,
                                     "elapsed_s": time.monotonic() - started}))


def _figures(sent: list[tuple[str, str, float]], arrivals: Arrivals) -> dict[str, object]:
    keys = [(a, n) for a, n, _ in sent]
    in_app = [arrivals.in_app[(a, n)] - t0 for a, n, t0 in sent if (a, n) in arrivals.in_app]
    hooks = [arrivals.webhook[(a, n)] - t0 for a, n, t0 in sent
             if (a, n) in arrivals.webhook]
    return {"changes": len(sent),
            "in_app": percentiles(in_app) if in_app else None,
            "webhook": percentiles(hooks) if hooks else None,
            "lost_in_app": sum(k not in arrivals.in_app for k in keys),
            "lost_webhook": sum(k not in arrivals.webhook for k in keys)}


def _template(subjects: int) -> Path:
    """A seeded and linked state directory for ``subjects``, built once under
    bench/results/ (minutes: every new subject's key is wrapped and the keyring rewritten)
    and copied for each run, which changes the stores."""
    template = RESULTS / f"notify-latency-{subjects}"
    if not (template / PLAN).is_file():
        building = RESULTS / f"notify-latency-{subjects}.building"
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        chosen = _seed(building, subjects)
        consent_issuer(StatePaths(building))
        plan = _link(building, chosen, subjects)
        (building / PLAN).write_text(json.dumps(plan))
        shutil.rmtree(template, ignore_errors=True)
        building.rename(template)
    return template


@asynccontextmanager
async def _stream(url: str | None) -> AsyncIterator[JetStreamSettings | None]:
    """A JetStream stream and consumer of this run's own (deleted afterwards), or None."""
    if url is None:
        yield None
        return
    tag = uuid.uuid4().hex[:12]
    settings = JetStreamSettings(url, stream=f"BENCH_CHANGES_{tag}",
                                 subject_prefix=f"bench.{tag}.changes",
                                 consumer=f"bench-matcher-{tag}",
                                 max_bytes=256 * 1024 * 1024)
    try:
        yield settings
    finally:
        import nats

        nc = await nats.connect(url, connect_timeout=2)
        try:
            await nc.jetstream().delete_stream(settings.stream)
        finally:
            await nc.close()


async def run(args: argparse.Namespace, root: Path) -> dict[str, object]:
    """Seed, start, measure both phases; the figures."""
    setup = time.perf_counter()
    shutil.copytree(_template(args.subjects), root, dirs_exist_ok=True)
    plan = [tuple(p) for p in json.loads((root / PLAN).read_text())]
    jwks = StatePaths(root).jwks
    state = DemoState(root)
    adapters = {a: await start_adapter(a, state.store(a), jwks, root / f"{a}.log")
                for a in REFERENCE_AGENCIES}
    arrivals = Arrivals()
    def hooked(kind: str, agency: str, number: str, at: float) -> None:
        if kind == "case.status_changed":
            arrivals.arrived("webhook", (agency, number), at)

    async with _stream(args.nats_url) as nats, receiver_process(hooked) as receiver:
        service = bootstrap(registry_with({a: p.port for a, p in adapters.items()}), root,
                            notify=NotifySettings(nats=nats,
                                                  deliver=not args.deliverer_process),
                            webhooks=WebhookSettings(allow_local=True))
        deliverer = await _deliverer_process(root) if args.deliverer_process else None
        try:
            assert service.notify is not None
            await _register_webhook(service, receiver)
            runner = service.notify.runner
            assert isinstance(runner, Notifier)
            for agency in REFERENCE_AGENCIES:  # watch from the store's newest change on
                cursor = DemoStore(state.store(agency)).latest_cursor()
                runner.outbox.set_cursor(agency, str(cursor), datetime.now(UTC))
            await runner.start()
            setup_s = time.perf_counter() - setup

            async def listen() -> None:
                async for message in service.notify.live.subscribe(REP):  # type: ignore[union-attr]
                    _in_app(message)

            def _in_app(message: Released) -> None:
                n = message.notification
                arrivals.ids[n.id] = (n.agency_id, n.case_number)
                arrivals.arrived("in_app", (n.agency_id, n.case_number))

            listener = asyncio.get_running_loop().create_task(listen())
            await asyncio.sleep(0.5)  # subscribed, watchers connected
            order = random.Random(7).sample(plan, len(plan))
            idle_plan = order[:args.idle]
            loaded_plan = order[args.idle:args.idle + int(args.rate * args.seconds)]
            idle = await _idle(root, idle_plan, arrivals)
            loaded = await _loaded(root, loaded_plan, args.rate, arrivals)
            listener.cancel()
            await runner.stop()
            with service.store.engine.connect() as conn:
                states = dict(conn.execute(select(deliveries.c.state, func.count())
                                           .group_by(deliveries.c.state)).all())
                stages = _stages(conn, arrivals)
        finally:
            if deliverer is not None:
                deliverer.terminate()
                await asyncio.to_thread(deliverer.wait, 30)
            await service.close()
            await stop_adapters(list(adapters.values()))
    bad = receiver.bad_signatures
    return {"setup_s": round(setup_s, 1), "idle": idle, "loaded": loaded,
            "repeats_in_app": arrivals.in_app_repeats,
            "repeats_webhook": arrivals.webhook_repeats, "bad_signatures": bad,
            # Where the time went, from the outbox's own timestamps (both phases), from the
            # same origin as the figures above (see the module's docstring).
            "stages": stages,
            # Every delivery in the outbox at the end, by state: "lost" changes still
            # pending here were late (a backlog), not dropped.
            "outbox_deliveries": states}


async def _register_webhook(service: CaselineService, receiver: RemoteReceiver) -> None:
    """The representative's webhook at the receiver, verified, and turned on."""
    assert service.webhooks is not None
    registered = await service.webhooks.register(REP, receiver.url)
    await receiver.add_secret(registered.secret)
    assert (await service.webhooks.verify(REP, registered.endpoint.id)).ok
    SqlPreferences(service.store.engine).set_preferences(REP, Preferences(
        channels=frozenset({ChannelKind.IN_APP, ChannelKind.WEBHOOK})))


async def _deliverer_process(root: Path) -> subprocess.Popen[str]:
    """`caseline notify deliver` over ``root`` in a process of its own (the scale-out
    layout: watchers and matcher in the gateway, delivery beside it), once it is ready."""
    bench = Path(__file__).resolve().parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(bench), str(bench.parent), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, "-m", "deploy.cli", "notify", "deliver", "--state-dir", str(root),
         "--channel-factory", "_bench_channels:loopback_webhooks"],
        cwd=bench.parent, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    ready = await asyncio.to_thread(process.stdout.readline)
    if '"ready"' not in ready:
        process.kill()
        raise RuntimeError(f"the deliverer process did not start: {ready!r}")
    return process


def _stages(conn: Connection, arrivals: Arrivals) -> dict[str, object]:
    """Per channel, the representative's delivered deliveries (of changes its live feed
    told, which names their case): ms from the change's origin (the wall clock just before
    it was recorded) to the matcher taking it up (the notification's ``created_at``) and to
    the delivery stamped delivered (``delivered_at``)."""
    rows = conn.execute(select(deliveries.c.channel, deliveries.c.notification_id,
                               notifications.c.created_at, deliveries.c.delivered_at)
                        .join(notifications, notifications.c.id == deliveries.c.notification_id)
                        .where((notifications.c.recipient_id == REP)
                               & deliveries.c.delivered_at.is_not(None))).all()
    found: dict[str, object] = {}
    for channel in sorted({r.channel for r in rows}):
        mine = [(r, arrivals.recorded[arrivals.ids[r.notification_id]]) for r in rows
                if r.channel == channel and arrivals.ids.get(r.notification_id)
                in arrivals.recorded]
        found[channel] = {
            "matched_after_recorded": percentiles(
                [_epoch(r.created_at) - t0 for r, t0 in mine]),
            "delivered_after_recorded": percentiles(
                [_epoch(r.delivered_at) - t0 for r, t0 in mine])}
    return found


def _epoch(at: datetime) -> float:
    """Seconds since the epoch of a stored UTC time (SQLite gives it back naive)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


async def _idle(root: Path, plan: list[tuple[str, str, str]], arrivals: Arrivals
                ) -> dict[str, object]:
    recorder = await asyncio.to_thread(_ready, root)
    sent = []
    for agency, number, code in plan:
        done = arrivals.waiters.setdefault((agency, number), asyncio.Event())
        t0 = time.time()
        await asyncio.to_thread(recorder.record, agency, number, code,
                                at=datetime.now(UTC).replace(microsecond=0))
        sent.append((agency, number, t0))
        arrivals.recorded[(agency, number)] = t0
        with contextlib.suppress(TimeoutError):  # not arrived: counted as lost
            await asyncio.wait_for(done.wait(), DRAIN_S)
    return _figures(sent, arrivals)


async def _loaded(root: Path, plan: list[tuple[str, str, str]], rate: float,
                  arrivals: Arrivals) -> dict[str, object]:
    out = root / "sent.json"
    process = multiprocessing.get_context("spawn").Process(
        target=_drive, args=(str(root), plan, rate, str(out)))
    process.start()
    while process.is_alive():
        await asyncio.sleep(0.2)
    driven = json.loads(out.read_text())
    sent = [tuple(s) for s in driven["sent"]]
    arrivals.recorded.update({(a, n): t0 for a, n, t0 in sent})
    keys = {(a, n) for a, n, _ in sent}
    deadline = time.monotonic() + DRAIN_S
    while time.monotonic() < deadline and not (keys <= arrivals.in_app.keys()
                                               and keys <= arrivals.webhook.keys()):
        await asyncio.sleep(0.1)
    figures = _figures(sent, arrivals)  # type: ignore[arg-type]
    # The rate the agencies recorded at (the driver's own clock, its start-up left out).
    figures["changes_per_s"] = round(len(sent) / driven["elapsed_s"], 1)
    return figures


def verdict(result: dict[str, object]) -> dict[str, object]:
    """The targets and whether the loaded phase met them."""
    loaded = result["loaded"]
    assert isinstance(loaded, dict)
    in_app, hooks = loaded["in_app"], loaded["webhook"]
    lost = sum(int(result[p][f]) for p in ("idle", "loaded")  # type: ignore[index]
               for f in ("lost_in_app", "lost_webhook"))
    return {
        "in_app_p99_ms<=1000": bool(in_app) and in_app["p99_ms"] <= TARGET_IN_APP_P99_MS,
        "webhook_p99_ms<=2000": bool(hooks) and hooks["p99_ms"] <= TARGET_WEBHOOK_P99_MS,
        "none_lost": lost == 0}


async def main() -> None:
    """Run and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--idle", type=int, default=200, help="idle samples")
    parser.add_argument("--rate", type=float, default=100.0, help="changes/s when loaded")
    parser.add_argument("--seconds", type=float, default=45.0, help="loaded phase length")
    parser.add_argument("--deliverer-process", action="store_true",
                        help="deliver in a `caseline notify deliver` process of its own (the "
                             "gateway's live feed then finds its deliveries by polling)")
    parser.add_argument("--nats-url", default=None,
                        help="change events over NATS JetStream (e.g. nats://127.0.0.1:4222)")
    args = parser.parse_args()
    if args.idle + args.rate * args.seconds > args.subjects:
        parser.error("--idle + --rate x --seconds changes need as many --subjects (each "
                     "change is on a case of its own, so arrivals are told apart)")
    with tempfile.TemporaryDirectory() as tmp:
        result = await run(args, Path(tmp))
    print(json.dumps({"benchmark": "notify_latency",
                      "backend": "jetstream" if args.nats_url else "embedded (SQLite)",
                      "deliverer": "own process" if args.deliverer_process else "in the gateway",
                      "subjects": args.subjects, **result,
                      "targets_met": verdict(result)}, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
