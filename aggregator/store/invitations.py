"""Invitation codes at rest (the ``invitations`` table), on SQLite and PostgreSQL alike.

A code is found by a keyed digest, so the table alone does not list working codes; the code
and the name it shows are sealed under the grantee's own data key, so erasing the grantee's
data makes their invitation unreadable (it then resolves to nothing).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from aggregator.consent.invitations import Invitation
from aggregator.ledger.entries import keyed_digest
from aggregator.store.tables import invitations

if TYPE_CHECKING:
    from aggregator.store.subjects import SubjectSealer

__all__ = ["InvitationStore"]


class InvitationStore:
    """One invitation per grantee, found by its code or by its grantee."""

    def __init__(self, engine: Engine, sealer: SubjectSealer, reference_key: bytes) -> None:
        self._engine = engine
        self._sealer = sealer
        self._key = reference_key

    def _ref(self, code: str) -> str:
        return "inv_" + keyed_digest(self._key, "invitation", code.encode())

    def _seal(self, grantee_id: str, value: str, place: str) -> str:
        sealed = self._sealer.seal(grantee_id, value.encode(), ("invitation", place))
        return base64.b64encode(sealed).decode()

    def _open(self, grantee_id: str, stored: str, place: str) -> str | None:
        try:
            return self._sealer.open(grantee_id, base64.b64decode(stored),
                                     ("invitation", place)).decode()
        except ValueError:
            return None  # the grantee's key was shredded: their data is erased

    def put(self, invitation: Invitation) -> None:
        """Keep ``invitation`` as its grantee's only one; ValueError when another grantee's
        invitation has the same code (the caller draws a new code)."""
        grantee = invitation.grantee_id
        # Sealed before the transaction: sealing may create the grantee's key, a write of its
        # own that on SQLite would wait for this transaction's lock forever.
        code_sealed = self._seal(grantee, invitation.code, "code")
        name_sealed = self._seal(grantee, invitation.display_name, "name")
        try:
            with self._engine.begin() as conn:
                conn.execute(delete(invitations).where(invitations.c.grantee_id == grantee))
                conn.execute(invitations.insert().values(
                    grantee_id=grantee, code_ref=self._ref(invitation.code),
                    code_sealed=code_sealed, display_name_sealed=name_sealed,
                    created_at=invitation.created_at, expires_at=invitation.expires_at))
        except IntegrityError as exc:
            raise ValueError("another invitation has this code") from exc

    def of_grantee(self, grantee_id: str) -> Invitation | None:
        """The grantee's invitation, expired or not; None when none (or erased)."""
        with self._engine.connect() as conn:
            row = conn.execute(select(invitations)
                               .where(invitations.c.grantee_id == grantee_id)).first()
        return self._invitation(row._mapping) if row else None

    def by_code(self, code: str) -> Invitation | None:
        """The invitation with this normalised code, expired or not; None when none."""
        with self._engine.connect() as conn:
            row = conn.execute(select(invitations)
                               .where(invitations.c.code_ref == self._ref(code))).first()
        return self._invitation(row._mapping) if row else None

    def _invitation(self, row: Any) -> Invitation | None:
        grantee = row["grantee_id"]
        code = self._open(grantee, row["code_sealed"], "code")
        name = self._open(grantee, row["display_name_sealed"], "name")
        if code is None or name is None:
            return None
        return Invitation(code, grantee, name, _utc(row["created_at"]), _utc(row["expires_at"]))


def _utc(value: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns; they were stored as UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
