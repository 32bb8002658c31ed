"""The revisions of the aggregator's database, oldest first (Alembic reads every module)."""
