"""Reading the PEM files of mutual TLS between the gateway and adapters: certificate chains
and unencrypted private keys, size-checked before parsing and checked to belong together.

Both sides of the contract's transport read them: the adapter SDK (its server certificate,
the CA its callers chain to) and the aggregator (its client certificate, each agency's CA).
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

__all__ = ["MAX_PEM_BYTES", "PemFileError", "read_certificates", "read_private_key"]

# Larger than any sensible certificate chain or key, small enough to refuse a wrong file
# (a database, a log) before parsing it.
MAX_PEM_BYTES = 1 << 20


class PemFileError(ValueError):
    """A certificate or key file is missing or does not hold what it should."""


def _read(path: Path, what: str) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_PEM_BYTES + 1)
    except OSError as exc:
        raise PemFileError(f"cannot read the {what} {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_PEM_BYTES:
        raise PemFileError(f"{path} is over {MAX_PEM_BYTES // 1024} KB; expected a PEM {what}")
    return data


def read_certificates(path: Path, what: str = "certificate") -> bytes:
    """The PEM certificates in ``path`` (one or more), checked to parse."""
    data = _read(path, what)
    try:
        if not x509.load_pem_x509_certificates(data):
            raise ValueError("no certificate")
    except ValueError as exc:
        raise PemFileError(f"{path} does not hold a PEM {what} "
                           "('-----BEGIN CERTIFICATE-----')") from exc
    return data


def read_private_key(path: Path, certificate_chain: bytes, cert_path: Path) -> bytes:
    """The unencrypted PEM private key in ``path``, checked to belong to the first
    certificate of ``certificate_chain`` (read from ``cert_path``)."""
    data = _read(path, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise PemFileError(f"{path} does not hold an unencrypted PEM private key") from exc
    leaf = x509.load_pem_x509_certificates(certificate_chain)[0]
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if (key.public_key().public_bytes(serialization.Encoding.DER, public)
            != leaf.public_key().public_bytes(serialization.Encoding.DER, public)):
        raise PemFileError(f"the private key {path} does not belong to the certificate "
                           f"{cert_path}")
    return data
