"""A local certificate authority for the demo, so that it runs gateway <-> adapter traffic
over mutual TLS as production does.

On first run it creates, under ``STATE/tls/``, a CA, one server certificate per adapter and
a client certificate for the gateway, all for this machine only (127.0.0.1, ::1, localhost).
Keys are 0600 files; later runs reuse everything and reissue only a certificate that is
missing, near its end, or not from this CA. Several processes may start on one state
directory at once: each key is created once (the first writer wins, the others use it), so
every certificate any of them issues verifies against the one CA.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from aggregator.files import create_once, replace_file
from aggregator.state import StatePaths

__all__ = ["DemoTLS", "LocalCA", "LocalCAError", "TLSFiles", "ensure_demo_tls"]

CA_DAYS = 3650
LEAF_DAYS = 365
# A certificate closer than this to its end is reissued at start, so a demo left running
# for days does not see its own certificates expire.
RENEW_BEFORE = dt.timedelta(days=30)
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class LocalCAError(ValueError):
    """A file of the local CA cannot be used; the message says which and what to do."""


@dataclass(frozen=True, slots=True)
class TLSFiles:
    """One party's certificate and key, and the CA its peers' certificates chain to."""

    cert: Path
    key: Path
    ca: Path


@dataclass(frozen=True, slots=True)
class DemoTLS:
    """The demo's CA and the certificates issued from it."""

    ca: Path
    gateway: TLSFiles
    adapters: dict[str, TLSFiles]


def _load_or_create_key(path: Path) -> ec.EllipticCurvePrivateKey:
    if path.exists():
        data = path.read_bytes()
    else:
        data = create_once(path, ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise LocalCAError(f"{path} is not an unencrypted PEM private key; remove the "
                           f"directory {path.parent} to have a new CA made") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise LocalCAError(f"{path} does not hold an EC private key; remove the directory "
                           f"{path.parent} to have a new CA made")
    return key


def _spki(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def _fresh(cert: x509.Certificate, key: ec.EllipticCurvePrivateKey, now: dt.datetime) -> bool:
    return (cert.not_valid_before_utc <= now
            and cert.not_valid_after_utc - now > RENEW_BEFORE
            and _spki(key.public_key()) == cert.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


def _read_cert(path: Path) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (FileNotFoundError, ValueError):
        return None


def _san(hosts: Iterable[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


class LocalCA:
    """A CA whose key and certificate live in ``directory`` (``ca.key``, ``ca.pem``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.cert_path = directory / "ca.pem"
        self.key_path = directory / "ca.key"
        self._key = _load_or_create_key(self.key_path)
        self._cert = self._load_or_create_cert()

    def _load_or_create_cert(self) -> x509.Certificate:
        now = dt.datetime.now(dt.UTC)
        existing = _read_cert(self.cert_path)
        if existing is not None and _fresh(existing, self._key, now):
            return existing
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Caseline demo CA")])
        public = self._key.public_key()
        cert = (x509.CertificateBuilder()
                .subject_name(name).issuer_name(name).public_key(public)
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=CA_DAYS))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(
                    digital_signature=False, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=True,
                    crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(public),
                               critical=False)
                .sign(self._key, hashes.SHA256()))
        data = cert.public_bytes(serialization.Encoding.PEM)
        if existing is None:
            # Another process may be creating it too: one wins; any CA certificate over this
            # key and name verifies what either issues.
            return x509.load_pem_x509_certificate(create_once(self.cert_path, data))
        replace_file(self.cert_path, data)
        return cert

    def issue(self, name: str, common_name: str, *, server: bool,
              hosts: Iterable[str] = LOCAL_HOSTS) -> TLSFiles:
        """``name.pem`` and ``name.key`` in the CA's directory: a server certificate for
        ``hosts``, or a client certificate; reused while fresh and from this CA."""
        cert_path = self.directory / f"{name}.pem"
        key = _load_or_create_key(self.directory / f"{name}.key")
        now = dt.datetime.now(dt.UTC)
        san = _san(hosts)
        existing = _read_cert(cert_path)
        if existing is not None and _fresh(existing, key, now) and self._issued(existing, san):
            return TLSFiles(cert_path, self.directory / f"{name}.key", self.cert_path)
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
                .issuer_name(self._cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=LEAF_DAYS))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(
                    digital_signature=True, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=False,
                    crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
                .add_extension(san, critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self._key.public_key()), critical=False)
                .sign(self._key, hashes.SHA256()))
        replace_file(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        return TLSFiles(cert_path, self.directory / f"{name}.key", self.cert_path)

    def _issued(self, cert: x509.Certificate, san: x509.SubjectAlternativeName) -> bool:
        try:
            cert.verify_directly_issued_by(self._cert)
            names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
            return False
        return set(san) <= set(names)


def ensure_demo_tls(state_dir: Path, adapters: Iterable[str], host: str = "127.0.0.1"
                    ) -> DemoTLS:
    """The demo's CA and certificates under ``state_dir/tls``, created on first use: one
    server certificate per adapter (for this machine and ``host``) and the gateway's
    client certificate."""
    ca = LocalCA(StatePaths(state_dir).tls)
    hosts = (*LOCAL_HOSTS, host)
    return DemoTLS(
        ca=ca.cert_path,
        gateway=ca.issue("gateway", "Caseline demo gateway", server=False, hosts=("localhost",)),
        adapters={agency: ca.issue(f"adapter-{agency}", f"Caseline demo adapter {agency}",
                                   server=True, hosts=hosts)
                  for agency in adapters})
