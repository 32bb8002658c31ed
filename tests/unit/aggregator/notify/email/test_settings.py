"""The e-mail settings: from the environment, and refused when they would leak."""

from __future__ import annotations

import pytest

from aggregator.notify.email.settings import EmailSettings, SmtpSettings


def test_no_smtp_host_means_no_e_mail() -> None:
    assert EmailSettings.from_environ({}) is None


def test_the_environment_configures_the_server_and_links() -> None:
    settings = EmailSettings.from_environ({
        "CASELINE_SMTP_HOST": "smtp.example.org", "CASELINE_SMTP_PORT": "587",
        "CASELINE_SMTP_STARTTLS": "1", "CASELINE_SMTP_USERNAME": "caseline",
        "CASELINE_SMTP_PASSWORD": "pw", "CASELINE_PUBLIC_URL": "https://caseline.example.org",
        "CASELINE_MAIL_FROM": "Caseline <n@example.org>"})
    assert settings is not None
    assert settings.smtp == SmtpSettings("smtp.example.org", 587, True, "caseline", "pw")
    assert settings.url("/me") == "https://caseline.example.org/me"
    assert settings.envelope_sender == "n@example.org"


def test_a_bad_port_names_the_variable() -> None:
    with pytest.raises(ValueError) as bad:
        EmailSettings.from_environ({"CASELINE_SMTP_HOST": "h", "CASELINE_SMTP_PORT": "25a"})
    assert str(bad.value) == "CASELINE_SMTP_PORT must be a port number, got '25a'"


def test_credentials_in_the_clear_to_another_host_are_refused() -> None:
    """SMTP AUTH over the network needs STARTTLS; a loopback relay may do without."""
    with pytest.raises(ValueError) as clear:
        SmtpSettings("smtp.example.org", 25, username="u", password="p")
    assert str(clear.value) == ("smtp credentials would cross the network in the clear to "
                                "smtp.example.org: turn on STARTTLS")
    assert SmtpSettings("127.0.0.1", 25, username="u", password="p").username == "u"


def test_half_the_credentials_are_refused() -> None:
    with pytest.raises(ValueError, match="give both or neither"):
        SmtpSettings(username="u")
