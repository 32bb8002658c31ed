"""How the e-mail channel reaches its SMTP server and what its e-mails link to."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr

__all__ = ["ENVIRONMENT", "EmailSettings", "SmtpSettings"]

# The environment variables ``EmailSettings.from_environ`` reads, and what each holds.
ENVIRONMENT = {
    "CASELINE_SMTP_HOST": "the SMTP server's host name or address",
    "CASELINE_SMTP_PORT": "its port (default 25; 587 for submission with STARTTLS)",
    "CASELINE_SMTP_STARTTLS": "1 to upgrade the connection with STARTTLS",
    "CASELINE_SMTP_USERNAME": "SMTP AUTH user (with CASELINE_SMTP_PASSWORD)",
    "CASELINE_SMTP_PASSWORD": "SMTP AUTH password",
    "CASELINE_PUBLIC_URL": "where people reach the pages, for the e-mails' links",
    "CASELINE_MAIL_FROM": "the From header, e.g. 'Caseline <notifications@example.org>'",
}


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """The SMTP server e-mails are handed to. ``starttls``: upgrade the connection before
    anything is sent (required when credentials are given, except to a loopback server);
    ``username``/``password``: SMTP AUTH, both or neither; ``timeout_s``: per SMTP step."""

    host: str = "127.0.0.1"
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"smtp port must be 1..65535, got {self.port}")
        if (self.username is None) != (self.password is None):
            raise ValueError("smtp username and password go together: give both or neither")
        if self.timeout_s <= 0:
            raise ValueError(f"smtp timeout must be positive, got {self.timeout_s}")
        if self.username is not None and not self.starttls and not _loopback(self.host):
            raise ValueError(f"smtp credentials would cross the network in the clear to "
                             f"{self.host}: turn on STARTTLS")


@dataclass(frozen=True, slots=True)
class EmailSettings:
    """``public_url``: where people reach the pages (links in e-mails); ``sender``: the From
    header; ``message_id_domain``: the right side of Message-IDs; ``unsubscribe_mailto``: the
    mailbox of the List-Unsubscribe header's mailto alternative; ``verify_ttl_s``: how long a
    verification link works."""

    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    public_url: str = "http://127.0.0.1:8000"
    sender: str = "Caseline <notifications@caseline.example>"
    message_id_domain: str = "caseline.example"
    unsubscribe_mailto: str = "unsubscribe@caseline.example"
    verify_ttl_s: int = 24 * 3600

    def __post_init__(self) -> None:
        if not self.public_url.startswith(("https://", "http://")):
            raise ValueError(f"public_url must be an http(s) URL, got {self.public_url!r}")
        if "@" not in parseaddr(self.sender)[1]:
            raise ValueError(f"sender must hold an e-mail address, got {self.sender!r}")
        if self.verify_ttl_s < 60:
            raise ValueError(f"verify_ttl_s must be at least 60, got {self.verify_ttl_s}")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> EmailSettings | None:
        """The settings ``environ`` gives (see ``ENVIRONMENT``); None without
        ``CASELINE_SMTP_HOST`` (no e-mail); ValueError naming the variable that is wrong."""
        host = environ.get("CASELINE_SMTP_HOST", "").strip()
        if not host:
            return None
        port_text = environ.get("CASELINE_SMTP_PORT", "25").strip()
        if not port_text.isdigit() or len(port_text) > 5:
            raise ValueError(f"CASELINE_SMTP_PORT must be a port number, got {port_text!r}")
        starttls = environ.get("CASELINE_SMTP_STARTTLS", "0").strip().lower()
        if starttls not in ("0", "1", "true", "false", "yes", "no"):
            raise ValueError(f"CASELINE_SMTP_STARTTLS must be 1 or 0, got {starttls!r}")
        defaults = cls()
        return cls(
            smtp=SmtpSettings(host=host, port=int(port_text),
                              starttls=starttls in ("1", "true", "yes"),
                              username=environ.get("CASELINE_SMTP_USERNAME") or None,
                              password=environ.get("CASELINE_SMTP_PASSWORD") or None),
            public_url=environ.get("CASELINE_PUBLIC_URL") or defaults.public_url,
            sender=environ.get("CASELINE_MAIL_FROM") or defaults.sender)

    @property
    def envelope_sender(self) -> str:
        """The bare address of ``sender`` (SMTP's MAIL FROM)."""
        return parseaddr(self.sender)[1]

    def url(self, path: str) -> str:
        """An absolute URL of the pages."""
        return self.public_url.rstrip("/") + path
