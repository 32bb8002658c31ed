"""Calling a webhook endpoint: the URL policy applied to the addresses a name resolves to,
and the connection made to the vetted address itself.

Resolving, checking and then letting the HTTP client resolve again would leave a gap a
hostile name server could use (DNS rebinding: public at the check, 127.0.0.1 at the
connect). So the request goes to the vetted IP, with the name in the Host header and as the
TLS server name (httpcore's ``sni_hostname``), so the certificate is still checked for the
name. Redirects are never followed (a 3xx is the answer), proxies from the environment are
never used (a proxy would resolve the name again), and at most ``read_limit`` bytes of the
answer are read.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import httpx

from aggregator.notify.webhooks.urls import IpAddress, WebhookUrl, check_addresses, check_url

__all__ = ["PER_HOST", "Answer", "NoAnswer", "PinnedPoster", "Resolver", "system_resolver"]

Resolver = Callable[[str, int], Awaitable[list[IpAddress]]]

# Bytes of an answer read when its body is not wanted, so its connection can be reused.
_DRAIN_LIMIT = 16 * 1024
PER_HOST = 8  # requests at once to one host
_MAX_HOST_KEY = 300


async def system_resolver(host: str, port: int) -> list[IpAddress]:
    """The addresses ``host`` resolves to (the system's resolver); OSError when none."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[IpAddress, None] = {}
    for info in infos:
        seen[ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])] = None
    return list(seen)


@dataclass(frozen=True, slots=True)
class Answer:
    """What the endpoint answered: its status and the first bytes of its body."""

    status: int
    body: bytes
    duration_ms: int


class NoAnswer(Exception):
    """No HTTP answer came (name not found, connection refused, timeout); retrying may help.
    ``duration_ms``: how long the attempt took."""

    def __init__(self, message: str, duration_ms: int) -> None:
        super().__init__(message)
        self.message = message
        self.duration_ms = duration_ms


@dataclass
class _HostSlot:
    """Requests to one host: PER_HOST at a time, ``users`` in flight or waiting."""

    semaphore: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(PER_HOST))
    users: int = 0


class PinnedPoster:
    """POSTs to webhook URLs through the policy, pinned to the vetted address."""

    def __init__(self, *, allow_local: bool, resolver: Resolver = system_resolver,
                 verify: ssl.SSLContext | None = None) -> None:
        """``verify``: the TLS context certificates are checked with (None: the system's
        trusted CAs); certificates are always checked, for the URL's host name."""
        self._allow_local = allow_local
        self._resolver = resolver
        self._client = httpx.AsyncClient(follow_redirects=False, trust_env=False,
                                         verify=verify if verify is not None else True)
        # At most PER_HOST requests to one host at a time: kind to receivers, and a pool of
        # few connections per host is cheap to search (httpcore scans every pooled
        # connection on each request).
        self._per_host: dict[str, _HostSlot] = {}

    async def vet(self, url: str) -> tuple[WebhookUrl, list[IpAddress]]:
        """The URL's parts and the addresses to connect to, in the resolver's order;
        UrlRefused when the URL or any address its name resolves to may not be called;
        OSError when the name does not resolve."""
        target = check_url(url, allow_local=self._allow_local)
        if target.literal is not None:
            return target, [target.literal]
        addresses = await self._resolver(target.host, target.port)
        return target, check_addresses(target.host, addresses, allow_local=self._allow_local)

    async def post(self, url: str, headers: Mapping[str, str], body: bytes, *,
                   timeout_s: float, read_limit: int = 0) -> Answer:
        """POST ``body`` to ``url`` within ``timeout_s`` in all (resolving included),
        trying the vetted addresses in turn while connecting fails. UrlRefused as
        :meth:`vet`; NoAnswer when no HTTP answer came."""
        started = time.monotonic()

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            async with asyncio.timeout(timeout_s), self._slot(url):
                try:
                    target, addresses = await self.vet(url)
                except OSError as exc:
                    raise NoAnswer(f"could not resolve the host name: {exc}", elapsed()) from exc
                for address in addresses[:-1]:
                    try:
                        return await self._post_to(target, address, headers, body,
                                                   timeout_s, read_limit, elapsed)
                    except httpx.ConnectError:
                        continue  # the next address (IPv6 and IPv4 of one name)
                return await self._post_to(target, addresses[-1], headers, body, timeout_s,
                                           read_limit, elapsed)
        except TimeoutError as exc:
            raise NoAnswer(f"no answer within {timeout_s:g} s", elapsed()) from exc
        except httpx.HTTPError as exc:
            raise NoAnswer(f"{type(exc).__name__}: {exc}" if str(exc)
                           else type(exc).__name__, elapsed()) from exc

    @contextlib.asynccontextmanager
    async def _slot(self, url: str) -> AsyncIterator[None]:
        """Hold one of the URL's host's PER_HOST slots; a host is forgotten when no request
        to it is in flight, so the table never outgrows the requests under way."""
        host = url.split("//", 1)[-1].split("/", 1)[0][:_MAX_HOST_KEY].lower()
        slot = self._per_host.setdefault(host, _HostSlot())
        slot.users += 1
        try:
            async with slot.semaphore:
                yield
        finally:
            slot.users -= 1
            if not slot.users:
                del self._per_host[host]

    async def _post_to(self, target: WebhookUrl, address: IpAddress,
                       headers: Mapping[str, str], body: bytes, timeout_s: float,
                       read_limit: int, elapsed: Callable[[], int]) -> Answer:
        pinned = httpx.URL(target.url).copy_with(host=str(address))
        extensions = ({"sni_hostname": target.host}
                      if target.scheme == "https" and target.literal is None else {})
        request = self._client.build_request(
            "POST", pinned, content=body, extensions=extensions,
            headers={**headers, "host": target.host_header,
                     "content-type": "application/json",
                     "user-agent": "Caseline-Webhooks/1"},
            timeout=timeout_s)
        response = await self._client.send(request, stream=True)
        try:
            # Read a short answer to its end even when its body is not wanted: only a
            # connection whose answer was read whole goes back to the pool for the next
            # delivery (closing it mid-body costs a new connection, and a TLS handshake, per
            # delivery). A longer answer is cut off and its connection closed.
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) >= max(read_limit, _DRAIN_LIMIT):
                    break
            return Answer(response.status_code, bytes(data[:read_limit]), elapsed())
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()
