"""How the gateway reaches each agency's adapter: mutual TLS, or plaintext to loopback only.

Adapters run on their agencies' networks. Where an agency's registry entry names a ``ca``,
the gateway verifies the adapter's certificate against that CA (and the adapter's address
against the certificate's names) and presents its own client certificate, issued by the
aggregator's CA, which the adapter requires. An entry without ``ca`` is plaintext, which the
gateway allows only for an adapter on this machine.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import grpc

from aggregator.config import AgencyConfig, AggregatorConfig
from caseline.v1.lib.pem import PemFileError, read_certificates, read_private_key

__all__ = ["ClientIdentity", "TransportError", "channel_credentials", "check_transport",
           "is_loopback_target"]

class TransportError(ValueError):
    """The way to reach an agency is not set up safely; the message says what to give."""


@dataclass(frozen=True, slots=True)
class ClientIdentity:
    """The gateway's client certificate chain and key, presented to every TLS adapter."""

    certificate_chain: bytes
    private_key: bytes

    @classmethod
    def from_files(cls, cert: Path, key: Path) -> ClientIdentity:
        """Read and check both PEM files; TransportError names the one at fault."""
        try:
            chain = read_certificates(cert)
            return cls(chain, read_private_key(key, chain, cert))
        except PemFileError as exc:
            raise TransportError(str(exc)) from exc


def is_loopback_target(address: str) -> bool:
    """Whether a gRPC target (``host:port``, ``[v6]:port``, ``dns:///host:port``,
    ``unix:path``) is on this machine."""
    if address.startswith(("unix:", "unix-abstract:")):
        return True
    for prefix in ("dns:///", "ipv4:", "ipv6:"):
        address = address.removeprefix(prefix)
    host = address.rpartition(":")[0] if ":" in address else address
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve anywhere


def channel_credentials(agency: AgencyConfig, identity: ClientIdentity | None
                        ) -> grpc.ChannelCredentials | None:
    """Mutual-TLS credentials for ``agency``; None (plaintext) only for a loopback address."""
    if agency.ca is None:
        if not is_loopback_target(agency.address):
            raise TransportError(
                f"agency {agency.id!r} at {agency.address} has no 'ca' in the agency "
                "registry: plaintext gRPC is for adapters on this machine only. Name the CA "
                "its certificate chains to (ca = \"path/to/ca.pem\").")
        return None
    if identity is None:
        raise TransportError(
            f"agency {agency.id!r} is reached with mutual TLS (its registry entry names a "
            "'ca'), so the gateway needs a client certificate: give --tls-cert and --tls-key.")
    try:
        ca = read_certificates(agency.ca, f"CA certificate of agency {agency.id!r}")
    except PemFileError as exc:
        raise TransportError(str(exc)) from exc
    return grpc.ssl_channel_credentials(root_certificates=ca,
                                        private_key=identity.private_key,
                                        certificate_chain=identity.certificate_chain)


def check_transport(config: AggregatorConfig, identity: ClientIdentity | None
                    ) -> dict[str, grpc.ChannelCredentials | None]:
    """Each agency's channel credentials, or TransportError for the first that cannot be
    reached safely (called before anything serves)."""
    return {agency.id: channel_credentials(agency, identity) for agency in config.agencies}
