"""Refusing request bodies over a size limit before they are read whole (pure ASGI)."""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.language import from_accept_language
from gateway.messages import message

__all__ = ["DEFAULT_MAX_BODY_BYTES", "BodyLimit"]

DEFAULT_MAX_BODY_BYTES = 256 * 1024


class _TooLarge(Exception):
    """Raised from ``receive`` once a streamed body passes the limit."""


class BodyLimit:
    """Answers 413 to a body over ``max_bytes``: at once when Content-Length says so, else
    as soon as the bytes received pass it (chunked bodies), whichever route reads it."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be at least 1, got {max_bytes}")
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with a counting ``receive``; 413 when it is too large."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return msg

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:  # too late to say so; the connection is closed instead
                raise
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        language = from_accept_language(_header(scope, b"accept-language"))
        text = message(language, "the request body is larger than the limit of {limit} bytes; "
                                 "send a smaller request", limit=self.max_bytes)
        body = orjson.dumps({"errors": [{"message": text, "extensions": {
            "code": "BODY_TOO_LARGE", "maxBodyBytes": self.max_bytes}}]})
        # The rest of the body stays unread, so the connection cannot be reused.
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    digits = value.strip() if value is not None else ""
    if not (digits.isascii() and digits.isdigit()):
        return None  # absent (chunked) or malformed: the server's parser decides, we count
    # More digits than any real body has: over every limit (and past int()'s digit cap).
    return int(digits) if len(digits) <= 18 else 10**18
