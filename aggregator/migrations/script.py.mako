"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}

Additive only (new tables, nullable or defaulted columns, new indexes): replicas still on the
previous release keep working on the new schema during a rolling upgrade.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision: str | None = ${repr(down_revision)}
branch_labels: str | None = ${repr(branch_labels)}
depends_on: str | None = ${repr(depends_on)}


def upgrade() -> None:
    """${message}"""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Undo :func:`upgrade`."""
    ${downgrades if downgrades else "pass"}
