"""The webhook URL policy: https only, public addresses only, checked before anything else
looks at an over-long URL."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregator.notify.webhooks.http import PinnedPoster
from aggregator.notify.webhooks.urls import (
    MAX_URL_LENGTH,
    IpAddress,
    UrlRefused,
    address_problem,
    check_addresses,
    check_url,
)


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.254", "private"),
    ("192.168.1.1", "private"),
    ("100.64.0.1", "shared (CGNAT)"),
    ("100.127.255.254", "shared (CGNAT)"),
    ("169.254.169.254", "link-local"),  # the cloud metadata service
    ("fe80::1", "link-local"),
    ("fc00::1", "unique-local"),
    ("fd12:3456:789a::1", "unique-local"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6 is its IPv4 address
    ("::ffff:10.0.0.1", "private"),
    ("240.0.0.1", "reserved"),
    ("192.0.2.1", "reserved"),  # documentation range
])
def test_each_non_public_address_class_is_refused_by_name(address: str, kind: str) -> None:
    """Every address class that is not the public internet is named as what it is."""
    assert address_problem(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
                                     "8.8.8.8", "172.32.0.1", "100.128.0.1"])
def test_public_addresses_pass(address: str) -> None:
    """Public addresses (including the ones just outside private ranges) may be called."""
    assert address_problem(ipaddress.ip_address(address)) is None


def test_loopback_allowed_only_with_allow_local() -> None:
    """The demo and tests may use loopback; private addresses stay refused even there."""
    assert address_problem(ipaddress.ip_address("127.0.0.1"), allow_local=True) is None
    assert address_problem(ipaddress.ip_address("10.0.0.1"), allow_local=True) == "private"


@pytest.mark.parametrize(("url", "reason"), [
    ("http://example.com/hook", "NOT_HTTPS"),
    ("ftp://example.com/hook", "NOT_HTTPS"),
    ("example.com/hook", "NOT_HTTPS"),
    ("https://user:pw@example.com/hook", "CREDENTIALS"),
    ("https://example.com/hook#part", "FRAGMENT"),
    ("https:///hook", "NO_HOST"),
    ("https://exa mple.com/", "INVALID"),
    ("https://ex\u00e4mple.com/", "INVALID"),
    ("https://example.com:99999/", "INVALID"),
    ("", "EMPTY"),
    ("https://127.0.0.1/hook", "LOCAL_ADDRESS"),
    ("https://[::1]/hook", "LOCAL_ADDRESS"),
    ("https://10.0.0.5/hook", "LOCAL_ADDRESS"),
    ("https://169.254.169.254/latest/meta-data", "LOCAL_ADDRESS"),
    ("https://localhost/hook", "LOCAL_ADDRESS"),
    ("https://api.localhost/hook", "LOCAL_ADDRESS"),
])
def test_bad_urls_are_refused_with_a_reason(url: str, reason: str) -> None:
    """Each kind of unusable URL is refused with its own stable reason."""
    with pytest.raises(UrlRefused) as refused:
        check_url(url)
    assert refused.value.reason == reason


def test_length_is_checked_first() -> None:
    """An over-long URL is refused for its length before it is parsed at all."""
    url = "ftp://" + "a" * MAX_URL_LENGTH
    with pytest.raises(UrlRefused) as refused:
        check_url(url)
    assert refused.value.reason == "TOO_LONG"
    assert str(refused.value) == (f"a webhook URL has at most {MAX_URL_LENGTH} characters, "
                                  f"this one has {len(url)}")


def test_refusal_says_what_is_wrong_and_what_is_expected() -> None:
    """The message names the host, the address class and what a URL must reach."""
    with pytest.raises(UrlRefused) as refused:
        check_url("https://192.168.0.10:8443/hook")
    assert str(refused.value) == ("192.168.0.10 is a private address; a webhook URL must "
                                  "reach a public address on the internet")
    with pytest.raises(UrlRefused) as refused:
        check_url("http://example.com/hook")
    assert str(refused.value) == "a webhook URL must start with https:// (got http://)"


def test_http_and_loopback_in_demo_mode() -> None:
    """With allow_local (demo, tests) http://127.0.0.1 passes; production refuses it."""
    target = check_url("http://127.0.0.1:8123/hook", allow_local=True)
    assert (target.scheme, target.host, target.port) == ("http", "127.0.0.1", 8123)
    assert target.host_header == "127.0.0.1:8123"
    with pytest.raises(UrlRefused):
        check_url("http://127.0.0.1:8123/hook")


def test_a_good_url_keeps_its_parts() -> None:
    """A public https URL passes with its host and default port."""
    target = check_url("https://Hooks.Example.com./caseline?x=1")
    assert (target.host, target.port, target.literal) == ("hooks.example.com", 443, None)
    assert target.host_header == "hooks.example.com"


def test_a_name_is_refused_when_any_address_is_local() -> None:
    """One local address among public ones refuses the name: a client may use any."""
    addresses: list[IpAddress] = [ipaddress.ip_address("93.184.215.14"),
                                  ipaddress.ip_address("10.0.0.7")]
    with pytest.raises(UrlRefused) as refused:
        check_addresses("hooks.example.com", addresses)
    assert str(refused.value) == ("hooks.example.com resolves to 10.0.0.7, which is a private "
                                  "address; a webhook URL must reach a public address on "
                                  "the internet")


async def test_a_hostname_resolving_to_loopback_is_refused() -> None:
    """A public-looking name that resolves to 127.0.0.1 is refused at the check."""
    async def rebinding(host: str, port: int) -> list[IpAddress]:
        return [ipaddress.ip_address("127.0.0.1")]

    poster = PinnedPoster(allow_local=False, resolver=rebinding)
    try:
        with pytest.raises(UrlRefused) as refused:
            await poster.vet("https://innocent.example.com/hook")
    finally:
        await poster.aclose()
    assert refused.value.reason == "LOCAL_ADDRESS"
    assert refused.value.params["kind"] == "loopback"
    assert "innocent.example.com resolves to 127.0.0.1" in str(refused.value)


async def test_the_real_localhost_name_is_refused_after_resolving() -> None:
    """The system resolver's answer for a loopback name is vetted too (localhost.)."""
    poster = PinnedPoster(allow_local=False)
    try:
        with pytest.raises(UrlRefused) as refused:
            await poster.vet("https://localhost./hook")
    finally:
        await poster.aclose()
    assert refused.value.params["kind"] == "loopback"


_NEVER = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
    "169.254.0.0/16", "224.0.0.0/4", "fc00::/7", "fe80::/10", "::1/128", "ff00::/8")]


@given(st.sampled_from(_NEVER), st.integers(min_value=0))
def test_no_address_of_a_refused_network_passes(network: ipaddress.IPv4Network
                                                | ipaddress.IPv6Network, offset: int) -> None:
    """Every address inside a refused network is refused, also IPv4-mapped in IPv6."""
    address = network[offset % network.num_addresses]
    assert address_problem(address) is not None
    if isinstance(address, ipaddress.IPv4Address):
        mapped = ipaddress.IPv6Address(f"::ffff:{address}")
        assert address_problem(mapped) is not None
