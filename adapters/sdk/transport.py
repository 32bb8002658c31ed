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
from cryptography import x509
from cryptography.hazmat.primitives import serialization

__all__ = ["ClientTLS", "PlaintextRefusedError", "ServerTLS", "TLSFileError",
           "check_listen_address", "is_loopback_host", "read_certificates", "read_private_key"]

# Larger than any sensible certificate chain or key, small enough to refuse a wrong file
# (a database, a log) before parsing it.
MAX_PEM_BYTES = 1 << 20


class TLSFileError(ValueError):
    """A certificate or key file is missing or does not hold what it should."""


class PlaintextRefusedError(ValueError):
    """Plaintext gRPC was asked for on an address other machines can reach."""


def _read(path: Path, what: str) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_PEM_BYTES + 1)
    except OSError as exc:
        raise TLSFileError(f"cannot read the {what} {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_PEM_BYTES:
        raise TLSFileError(f"{path} is over {MAX_PEM_BYTES // 1024} KB; expected a PEM {what}")
    return data


def read_certificates(path: Path, what: str = "certificate") -> bytes:
    """The PEM certificates in ``path`` (one or more), checked to parse."""
    data = _read(path, what)
    try:
        if not x509.load_pem_x509_certificates(data):
            raise ValueError("no certificate")
    except ValueError as exc:
        raise TLSFileError(f"{path} does not hold a PEM {what} "
                           "('-----BEGIN CERTIFICATE-----')") from exc
    return data


def read_private_key(path: Path, certificate_chain: bytes, cert_path: Path) -> bytes:
    """The unencrypted PEM private key in ``path``, checked to belong to the first
    certificate of ``certificate_chain`` (read from ``cert_path``)."""
    data = _read(path, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise TLSFileError(f"{path} does not hold an unencrypted PEM private key") from exc
    leaf = x509.load_pem_x509_certificates(certificate_chain)[0]
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if (key.public_key().public_bytes(serialization.Encoding.DER, public)
            != leaf.public_key().public_bytes(serialization.Encoding.DER, public)):
        raise TLSFileError(f"the private key {path} does not belong to the certificate "
                           f"{cert_path}")
    return data


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
