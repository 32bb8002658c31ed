"""Which webhook URLs Caseline may call: a plain policy, checked when an endpoint is
registered and again before every request (a name may resolve elsewhere by then).

A webhook URL is chosen by a user, so it must not become a way into the operator's own
network (server-side request forgery): https only, and no address that is not on the public
internet — loopback, private (RFC 1918), shared (CGNAT, RFC 6598), link-local, unique-local,
multicast, unspecified or otherwise reserved — whether written in the URL or reached through
a name that resolves to it. The demo and the tests (an explicit setting, ``allow_local``)
may use http and loopback; nothing else relaxes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["MAX_URL_LENGTH", "UrlRefused", "WebhookUrl", "address_problem", "check_addresses",
           "check_url"]

MAX_URL_LENGTH = 2048
_MAX_HOST_LENGTH = 253  # a DNS name's limit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Named classes, checked in this order so the error names the most telling one.
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # CGNAT (RFC 6598)
_PRIVATE_V4 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12",
                                                       "192.168.0.0/16"))
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")


class UrlRefused(ValueError):
    """A webhook URL Caseline will not call; ``reason`` is a stable code, the message says
    what is wrong and what is expected."""

    def __init__(self, reason: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        # What the message names (host, address, kind, limit), for translated texts.
        self.params = params

    def __repr__(self) -> str:
        return f"UrlRefused({self.reason!r}, {self.message!r})"


@dataclass(frozen=True, slots=True)
class WebhookUrl:
    """A URL that passed the static checks: its parts, for connecting to a vetted address."""

    url: str
    scheme: str
    host: str  # lower case; an IP literal without brackets
    port: int
    literal: IpAddress | None  # the host when it is an IP address

    @property
    def host_header(self) -> str:
        """The Host header the receiver expects (the port only when not the default)."""
        host = f"[{self.host}]" if isinstance(self.literal, ipaddress.IPv6Address) else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def address_problem(address: IpAddress, *, allow_local: bool = False) -> str | None:
    """Why ``address`` may not be called (its class: "loopback", "private", ...), or None
    for a public address. ``allow_local`` lets loopback through (demo and tests only)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address_problem(address.ipv4_mapped, allow_local=allow_local)
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return None if allow_local else "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address):
        if address in _SHARED:
            return "shared (CGNAT)"
        if any(address in network for network in _PRIVATE_V4):
            return "private"
    elif address in _UNIQUE_LOCAL:
        return "unique-local"
    if not address.is_global:
        return "reserved"
    return None


def check_url(url: str, *, allow_local: bool = False) -> WebhookUrl:
    """The parts of ``url`` when Caseline may call it as far as the URL itself says (a
    hostname's addresses are checked by :func:`check_addresses`); UrlRefused otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise UrlRefused("TOO_LONG", f"a webhook URL has at most {MAX_URL_LENGTH} characters, "
                                     f"this one has {len(url)}", limit=MAX_URL_LENGTH,
                         length=len(url))
    url = url.strip()
    if not url:
        raise UrlRefused("EMPTY", "enter the https URL your system receives webhooks at, "
                                  "such as https://example.com/caseline/webhooks")
    if not url.isascii() or any(c.isspace() or ord(c) < 32 for c in url):
        raise UrlRefused("INVALID", "a webhook URL may not contain spaces, control or "
                                    "non-ASCII characters (write an international domain "
                                    "name in its xn-- form)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused("INVALID", f"not a valid URL ({exc}); expected one such as "
                                    "https://example.com/caseline/webhooks") from exc
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if allow_local else ("https",)
    if scheme not in allowed:
        raise UrlRefused("NOT_HTTPS", f"a webhook URL must start with https:// (got "
                                      f"{scheme + '://' if scheme else 'no scheme'})")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("CREDENTIALS", "a webhook URL may not carry a user name or password; "
                                        "Caseline signs every request instead")
    if parts.fragment:
        raise UrlRefused("FRAGMENT", "a webhook URL may not have a #fragment (it never "
                                     "reaches the server)")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise UrlRefused("NO_HOST", "the URL names no host; expected one such as "
                                    "https://example.com/caseline/webhooks")
    if len(host) > _MAX_HOST_LENGTH:
        raise UrlRefused("INVALID", f"a host name has at most {_MAX_HOST_LENGTH} characters "
                                    f"(the URL's has {len(host)})")
    literal: IpAddress | None
    try:
        literal = ipaddress.ip_address(host.split("%", 1)[0] if "%" in host else host)
    except ValueError:
        literal = None
        if host == "localhost" or host.endswith(".localhost"):
            check_addresses(host, [ipaddress.ip_address("127.0.0.1")], allow_local=allow_local)
    if literal is not None:
        if "%" in host:
            raise UrlRefused("INVALID", "a webhook URL may not name an IPv6 zone")
        check_addresses(host, [literal], allow_local=allow_local)
    return WebhookUrl(url=url, scheme=scheme, host=host,
                      port=port if port is not None else (443 if scheme == "https" else 80),
                      literal=literal)


def check_addresses(host: str, addresses: Iterable[IpAddress], *,
                    allow_local: bool = False) -> list[IpAddress]:
    """``addresses`` (what ``host`` resolved to) when every one may be called; UrlRefused
    naming the first that may not (one bad address refuses the name: a client could be sent
    to any of them)."""
    vetted = list(addresses)
    if not vetted:
        raise UrlRefused("UNRESOLVED", f"{host} has no address", host=host)
    for address in vetted:
        problem = address_problem(address, allow_local=allow_local)
        if problem is not None:
            where = "is" if str(address) == host else f"resolves to {address}, which is"
            raise UrlRefused("LOCAL_ADDRESS",
                             f"{host} {where} a {problem} address; a webhook URL must "
                             "reach a public address on the internet",
                             host=host, address=str(address), kind=problem)
    return vetted
