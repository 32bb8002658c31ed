"""Webhook endpoints and their delivery log at rest, on SQLite and PostgreSQL alike.

URLs and secrets are sealed under the owning account's data key (a ``SubjectSealer``, in
production ``aggregator.vault.SubjectKeys``): an endpoint whose account's key was shredded
no longer opens and is treated as gone. Sealing runs outside transactions: it may create the
account's key, a write of its own that on SQLite would wait for our lock.
"""

from __future__ import annotations

import base64
import json
import secrets as random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine

from aggregator.migrations import ensure_schema
from aggregator.notify.webhooks.model import Attempt, Endpoint, EndpointState, Problem
from aggregator.notify.webhooks.signing import Secret
from aggregator.notify.webhooks.tables import webhook_deliveries, webhook_endpoints
from aggregator.write_turns import write_turn

if TYPE_CHECKING:
    from aggregator.store.subjects import SubjectSealer

__all__ = ["WebhookStore"]

_MAX_ERROR = 500  # characters of an error kept in the log


class WebhookStore:
    """Endpoints per account, and a bounded log of the attempts to call each."""

    def __init__(self, engine: Engine, sealer: SubjectSealer, *, log_limit: int = 100) -> None:
        self._engine = engine
        self._sealer = sealer
        self._log_limit = log_limit
        ensure_schema(engine)

    # -- sealing -------------------------------------------------------------------------

    def _seal(self, account_id: str, endpoint_id: str, what: str, value: bytes) -> str:
        sealed = self._sealer.seal(account_id, value, ("webhook", endpoint_id, what))
        return base64.b64encode(sealed).decode()

    def _open(self, account_id: str, endpoint_id: str, what: str, stored: str) -> bytes | None:
        try:
            return self._sealer.open(account_id, base64.b64decode(stored),
                                     ("webhook", endpoint_id, what))
        except ValueError:
            return None  # the account's key was shredded: its endpoints are gone

    def _seal_secrets(self, account_id: str, endpoint_id: str,
                      secrets: Sequence[Secret]) -> str:
        plain = json.dumps([{"value": s.value, "created_at": s.created_at.isoformat(),
                             "expires_at": s.expires_at.isoformat() if s.expires_at else None}
                            for s in secrets]).encode()
        return self._seal(account_id, endpoint_id, "secrets", plain)

    # -- endpoints -----------------------------------------------------------------------

    def add(self, account_id: str, url: str, secret: Secret, now: datetime) -> Endpoint:
        """Register a new UNVERIFIED endpoint for ``account_id``."""
        endpoint_id = "wh_" + random.token_hex(12)
        url_sealed = self._seal(account_id, endpoint_id, "url", url.encode())
        secrets_sealed = self._seal_secrets(account_id, endpoint_id, [secret])
        with self._engine.begin() as conn:
            conn.execute(webhook_endpoints.insert().values(
                id=endpoint_id, account_id=account_id, url_sealed=url_sealed,
                secrets_sealed=secrets_sealed, state=EndpointState.UNVERIFIED,
                created_at=now, verified_at=None, problem=None))
        return Endpoint(endpoint_id, account_id, url, EndpointState.UNVERIFIED, now, None,
                        None, (secret,))

    def count(self, account_id: str) -> int:
        """How many endpoints the account has registered."""
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(webhook_endpoints).where(
                webhook_endpoints.c.account_id == account_id)).scalar() or 0)

    def get(self, endpoint_id: str) -> Endpoint | None:
        """The endpoint, open; None when there is none (or it no longer opens)."""
        with self._engine.connect() as conn:
            row = conn.execute(select(webhook_endpoints)
                               .where(webhook_endpoints.c.id == endpoint_id)).first()
        return self._open_endpoint(row._mapping) if row else None

    def get_many(self, endpoint_ids: Sequence[str]) -> dict[str, Endpoint]:
        """``get`` for several endpoints in one query, each distinct endpoint opened once
        (with a sealer that opens many at once, in one call); missing ones are left out."""
        unique = sorted(set(endpoint_ids))
        with self._engine.connect() as conn:
            rows = [r._mapping for start in range(0, len(unique), 500)
                    for r in conn.execute(select(webhook_endpoints).where(
                        webhook_endpoints.c.id.in_(unique[start:start + 500])))]
        items = [(r["account_id"], base64.b64decode(r[column]), ("webhook", r["id"], what))
                 for r in rows for column, what in (("url_sealed", "url"),
                                                    ("secrets_sealed", "secrets"))]
        many = getattr(self._sealer, "open_many", None)
        opened: list[bytes | None] = []
        if callable(many):
            opened = [None if isinstance(o, ValueError) else bytes(o) for o in many(items)]
        else:
            opened = [self._open(a, p[1], p[2], base64.b64encode(v).decode())
                      for a, v, p in items]
        found: dict[str, Endpoint] = {}
        for i, row in enumerate(rows):
            endpoint = self._endpoint(row, opened[2 * i], opened[2 * i + 1])
            if endpoint is not None:
                found[endpoint.id] = endpoint
        return found

    def of_account(self, account_id: str) -> list[Endpoint]:
        """The account's endpoints, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(webhook_endpoints)
                                .where(webhook_endpoints.c.account_id == account_id)
                                .order_by(webhook_endpoints.c.created_at,
                                          webhook_endpoints.c.id)).all()
        opened = (self._open_endpoint(r._mapping) for r in rows)
        return [e for e in opened if e is not None]

    def active_ids(self, account_id: str) -> list[str]:
        """The ids of the account's ACTIVE endpoints (nothing is opened)."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(webhook_endpoints.c.id).where(
                (webhook_endpoints.c.account_id == account_id)
                & (webhook_endpoints.c.state == EndpointState.ACTIVE))
                .order_by(webhook_endpoints.c.created_at, webhook_endpoints.c.id)).all()
        return [r.id for r in rows]

    def set_state(self, endpoint_id: str, state: EndpointState, *,
                  problem: Problem | None = None, verified_at: datetime | None = None) -> None:
        """Move the endpoint to ``state`` with ``problem`` (None clears it);
        ``verified_at`` is kept unless given."""
        values: dict[str, Any] = {"state": state, "problem": None if problem is None else
                                  json.dumps({"code": problem.code, "message": problem.message,
                                              "status": problem.status})}
        if verified_at is not None:
            values["verified_at"] = verified_at
        with self._engine.begin() as conn:
            conn.execute(webhook_endpoints.update()
                         .where(webhook_endpoints.c.id == endpoint_id).values(**values))

    def set_secrets(self, endpoint: Endpoint, secrets: Sequence[Secret]) -> None:
        """Replace the endpoint's secrets (current first)."""
        sealed = self._seal_secrets(endpoint.account_id, endpoint.id, secrets)
        with self._engine.begin() as conn:
            conn.execute(webhook_endpoints.update()
                         .where(webhook_endpoints.c.id == endpoint.id)
                         .values(secrets_sealed=sealed))

    def remove(self, account_id: str, endpoint_id: str) -> bool:
        """Delete the account's endpoint and its log; False when it has no such endpoint."""
        with self._engine.begin() as conn:
            removed = conn.execute(delete(webhook_endpoints).where(
                (webhook_endpoints.c.id == endpoint_id)
                & (webhook_endpoints.c.account_id == account_id))).rowcount
            if removed:
                conn.execute(delete(webhook_deliveries)
                             .where(webhook_deliveries.c.endpoint_id == endpoint_id))
        return bool(removed)

    def _open_endpoint(self, row: Any) -> Endpoint | None:
        account, endpoint_id = row["account_id"], row["id"]
        return self._endpoint(row, self._open(account, endpoint_id, "url", row["url_sealed"]),
                              self._open(account, endpoint_id, "secrets",
                                         row["secrets_sealed"]))

    def _endpoint(self, row: Any, url: bytes | None, plain: bytes | None) -> Endpoint | None:
        """The endpoint of a row, its URL and secrets opened (None: they no longer open)."""
        account, endpoint_id = row["account_id"], row["id"]
        if url is None or plain is None:
            return None
        secrets = tuple(Secret(s["value"], _utc(datetime.fromisoformat(s["created_at"])),
                               _utc(datetime.fromisoformat(s["expires_at"]))
                               if s["expires_at"] else None) for s in json.loads(plain))
        return Endpoint(endpoint_id, account, url.decode(), EndpointState(row["state"]),
                        _utc(row["created_at"]),
                        _utc(row["verified_at"]) if row["verified_at"] else None,
                        _problem(row["problem"]), secrets)

    # -- delivery log --------------------------------------------------------------------

    def log(self, endpoint_id: str, attempt: Attempt) -> None:
        """Record one attempt; only the newest ``log_limit`` attempts per endpoint stay."""
        self.log_many([(endpoint_id, attempt)])

    def log_many(self, attempts: Sequence[tuple[str, Attempt]]) -> None:
        """Record several (endpoint id, attempt) in order, in one transaction; only the
        newest ``log_limit`` attempts per endpoint stay."""
        if not attempts:
            return
        with write_turn(self._engine), self._engine.begin() as conn:
            conn.execute(webhook_deliveries.insert(), [{
                "endpoint_id": endpoint_id, "message_id": attempt.message_id,
                "event_type": attempt.event_type, "attempted_at": attempt.at,
                "status": attempt.status, "duration_ms": attempt.duration_ms,
                "error": attempt.error[:_MAX_ERROR]} for endpoint_id, attempt in attempts])
            for endpoint_id in dict.fromkeys(e for e, _ in attempts):
                # The id of the oldest row to keep; everything older goes.
                keep_from = conn.execute(
                    select(webhook_deliveries.c.id)
                    .where(webhook_deliveries.c.endpoint_id == endpoint_id)
                    .order_by(webhook_deliveries.c.id.desc())
                    .offset(self._log_limit - 1).limit(1)).scalar()
                if keep_from is not None:
                    conn.execute(delete(webhook_deliveries).where(
                        (webhook_deliveries.c.endpoint_id == endpoint_id)
                        & (webhook_deliveries.c.id < keep_from)))

    def attempts(self, endpoint_id: str, first: int) -> list[Attempt]:
        """The endpoint's newest ``first`` attempts, newest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(webhook_deliveries)
                                .where(webhook_deliveries.c.endpoint_id == endpoint_id)
                                .order_by(webhook_deliveries.c.id.desc())
                                .limit(first)).all()
        return [Attempt(r.message_id, r.event_type, _utc(r.attempted_at), r.status,
                        r.duration_ms, r.error or "") for r in rows]


def _problem(stored: str | None) -> Problem | None:
    if not stored:
        return None
    value = json.loads(stored)
    return Problem(value["code"], value["message"], value.get("status"))


def _utc(value: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns; they were stored as UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
