"""How an adapter's server is reached: mutual TLS, or plaintext on a loopback address only.

An adapter runs on its agency's network and is called across others' networks, so in
production it presents its own certificate and accepts only callers whose client certificate
chains to the aggregator's CA. Plaintext is for a process on the same machine (tests, a
local demo): the server refuses to listen on any other address without TLS.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import grpc

from caseline.v1.lib.pem import PemFileError, read_certificates, read_private_key

__all__ = ["ClientTLS", "PlaintextRefusedError", "ServerTLS", "TLSFileError",
           "check_listen_address", "is_loopback_host", "read_certificates", "read_private_key"]

# The SDK's name for what reading a certificate or key file raises.
TLSFileError = PemFileError


class PlaintextRefusedError(ValueError):
    """Plaintext gRPC was asked for on an address other machines can reach."""


@dataclass(frozen=True, slots=True)
class ServerTLS:
    """An adapter's certificate and key, and the CA its callers' client certificates must
    chain to (the aggregator's)."""

    certificate_chain: bytes
    private_key: bytes
    client_ca: bytes

    @classmethod
    def from_files(cls, cert: Path, key: Path, client_ca: Path) -> ServerTLS:
        """Read and check the three PEM files; TLSFileError names the one at fault."""
        chain = read_certificates(cert)
        return cls(chain, read_private_key(key, chain, cert),
                   read_certificates(client_ca, "CA certificate"))

    def credentials(self) -> grpc.ServerCredentials:
        """Server credentials that require and verify a client certificate."""
        return grpc.ssl_server_credentials(
            [(self.private_key, self.certificate_chain)], root_certificates=self.client_ca,
            require_client_auth=True)


@dataclass(frozen=True, slots=True)
class ClientTLS:
    """What a caller of an adapter presents (its client certificate and key) and the CA the
    adapter's certificate must chain to: the conformance kit's side of mutual TLS."""

    certificate_chain: bytes
    private_key: bytes
    server_ca: bytes

    @classmethod
    def from_files(cls, cert: Path, key: Path, server_ca: Path) -> ClientTLS:
        """Read and check the three PEM files; TLSFileError names the one at fault."""
        chain = read_certificates(cert)
        return cls(chain, read_private_key(key, chain, cert),
                   read_certificates(server_ca, "CA certificate"))

    def credentials(self) -> grpc.ChannelCredentials:
        """Channel credentials presenting the client certificate."""
        return grpc.ssl_channel_credentials(root_certificates=self.server_ca,
                                            private_key=self.private_key,
                                            certificate_chain=self.certificate_chain)


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (an IP address, ``[v6]`` or ``localhost``) is this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # another name: it may resolve to any address


def check_listen_address(host: str, tls: ServerTLS | None) -> None:
    """Refuse plaintext on an address other machines can reach."""
    if tls is None and not is_loopback_host(host):
        raise PlaintextRefusedError(
            f"refusing to serve plaintext gRPC on {host or 'every address'}: without TLS an "
            "adapter listens on a loopback address only (127.0.0.1, ::1 or localhost). "
            "Give --tls-cert, --tls-key and --tls-ca to serve other machines with mutual TLS.")
