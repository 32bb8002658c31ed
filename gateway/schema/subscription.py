"""Subscriptions, over graphql-transport-ws on /graphql (gateway/app.py authenticates the
connection)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from gateway.context import Context
from gateway.schema.enums import Language
from gateway.schema.notification_fields import notification_added
from gateway.schema.notifications import Notification
from gateway.schema.permissions import IsAuthenticated

__all__ = ["Subscription"]

Info = strawberry.Info[Context, None]


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Each notification delivered to you from now on, as "
                                         "it arrives: in `language` when given, else in the "
                                         "language stored for you. Ends when the token the "
                                         "connection was opened with expires.",
                             permission_classes=[IsAuthenticated])
    async def notification_added(self, info: Info, language: Language | None = None
                                 ) -> AsyncGenerator[Notification, None]:
        async for item in notification_added(info, language.value if language else None):
            yield item
