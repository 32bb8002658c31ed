"""Webhook delivery time: one ``WebhookChannel.deliver`` — open the endpoint (URL and
secrets sealed under the account's key in SQLite), resolve and vet the address, sign, POST
to a receiver on loopback that verifies the signature, log the attempt — one at a time
(idle) and with ``--concurrency`` deliveries in flight. The webhook leg of issue 17's
change → webhook target (p99 <= 2 s end to end). Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _harness import percentiles, time_async

from aggregator.notify.model import (
    ChannelKind,
    Delivery,
    DeliveryState,
    Notification,
    Released,
)
from aggregator.notify.webhooks import Webhooks, WebhookSettings, WebhookStore
from aggregator.store import make_engine
from aggregator.vault import open_vault
from support.webhook_receiver import webhook_receiver

ACCOUNT = "rep-bench"


def _message(n: int) -> Released:
    at = datetime.now(UTC)
    notification = Notification(
        id=f"{n:032x}", recipient_id=ACCOUNT, subject_id="ana", agency_id="immigration",
        case_number="IOE0912345678", event_id=f"ev-{n}", occurred_at=at, created_at=at,
        category="ACTIVE", milestone="EVIDENCE_REQUESTED", action_required=True)
    return Released(notification, "en", "USCIS", "Request for Evidence Was Sent",
                    "IOE0912345678", "IOE0912345678")


async def main() -> None:
    """Run and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'aggregator.sqlite3'}")
        vault = open_vault(Path(tmp), engine)
        webhooks = Webhooks(WebhookStore(engine, vault.subject_keys),
                            WebhookSettings(allow_local=True))
        async with webhook_receiver() as receiver:
            registered = await webhooks.register(ACCOUNT, receiver.url)
            receiver.secrets.append(registered.secret)
            assert (await webhooks.verify(ACCOUNT, registered.endpoint.id)).ok
            endpoint = registered.endpoint.id
            counter = iter(range(10**9))

            async def one() -> None:
                n = next(counter)
                await webhooks.channel.deliver(_message(n), Delivery(
                    f"d{n}", f"{n:032x}", ChannelKind.WEBHOOK, endpoint,
                    DeliveryState.PENDING, 0, datetime.now(UTC), datetime.now(UTC)))

            idle = await time_async(one, args.deliveries, warmup=50)
            loaded: list[float] = []

            async def worker(count: int) -> None:
                for _ in range(count):
                    started = time.perf_counter()
                    await one()
                    loaded.append(time.perf_counter() - started)

            per = max(1, args.deliveries // args.concurrency)
            started = time.perf_counter()
            await asyncio.gather(*(worker(per) for _ in range(args.concurrency)))
            elapsed = time.perf_counter() - started
            await webhooks.aclose()
        assert receiver.bad_signatures == 0
    print(json.dumps({
        "benchmark": "webhook_delivery",
        "idle": percentiles(idle),
        "loaded": {**percentiles(loaded), "concurrency": args.concurrency,
                   "deliveries_per_s": round(len(loaded) / elapsed, 1)},
    }, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
