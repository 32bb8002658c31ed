"""The demo's SMTP sink: takes every e-mail handed to it on a loopback port and writes each
as its own file, ``STATE_DIR/mail/<timestamp>-<uuid>.eml``, never overwriting one (O_EXCL),
so a message delivered twice shows as two files. Demo and tests only: it relays nothing.

Built on aiosmtpd (the maintained asyncio SMTP server) inside the caller's event loop.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import uuid
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = ["MAX_MESSAGE_BYTES", "MailSink", "write_message"]

# The demo's e-mails are a few kilobytes; anything past this is refused by the server (552).
MAX_MESSAGE_BYTES = 1024 * 1024
_HOSTNAME = "caseline-mail-sink"


def write_message(folder: Path, content: bytes, now: datetime | None = None) -> Path:
    """Write ``content`` as a new file in ``folder``: named by the time received and a
    random uuid, created exclusively (never replacing a file), flushed to disk."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S.%fZ")
    path = folder / f"{stamp}-{uuid.uuid4()}.eml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


class _Handler:
    """aiosmtpd's handler: each message's bytes to a file, accepted only once written."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        await asyncio.to_thread(write_message, self.folder, content)
        return "250 Message accepted for delivery"


class MailSink:
    """An SMTP server on ``host`` (a loopback address) and ``port`` (0: any free one)
    writing into ``folder``."""

    def __init__(self, folder: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the mail sink listens on a loopback address only, not {host}")
        self.folder = folder
        self.host = host
        self._port = port
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The port it listens on (after ``start``)."""
        if self._server is None:
            raise RuntimeError("the mail sink is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def address(self) -> str:
        """``host:port``, for the banner."""
        return f"{self.host}:{self.port}"

    async def start(self) -> None:
        """Listen (in the running event loop)."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        factory = partial(SMTP, _Handler(self.folder), hostname=_HOSTNAME,
                          data_size_limit=MAX_MESSAGE_BYTES, enable_SMTPUTF8=True)
        self._server = await asyncio.get_running_loop().create_server(
            factory, self.host, self._port)

    async def stop(self) -> None:
        """Stop listening and close open sessions."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
