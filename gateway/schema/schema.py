"""Building the strawberry schema."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from gateway.schema.limits import extensions
from gateway.schema.query import Query

__all__ = ["build_schema"]


def build_schema(*, production: bool = True) -> strawberry.Schema:
    """The schema with production guards (introspection off unless ``production`` is False)."""
    return strawberry.Schema(
        query=Query,
        extensions=extensions(production=production),
        config=StrawberryConfig(disable_field_suggestions=True),
    )
