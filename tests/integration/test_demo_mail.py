"""E-mail in a real `caseline demo`: the banner names the mail sink and its folder; ana,
signed in through the demo's provider, has her verified demo address; an e-mail the pages
send lands as a .eml file under STATE_DIR/mail/, and its link works."""

from __future__ import annotations

import email
import email.policy
import html
import re
from collections.abc import Iterator
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from aggregator.bootstrap import open_state_vault
from aggregator.notify.email.setup import email_accounts, email_secret
from deploy.demo.mail import demo_email_settings
from deploy.demo.state import DemoState
from support.demo_process import Demo, start_demo

pytestmark = pytest.mark.integration

_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    running = start_demo(tmp_path_factory.mktemp("state"), "--cases", "50")
    yield running
    assert running.stop() == 0


def _hidden(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _INPUT.findall(page)}


def _sign_in(client: httpx.Client, persona: str) -> None:
    authorize = client.get("/sign-in?next=/me/email").headers["location"]
    chooser = client.get(authorize)
    chosen = client.post(urlsplit(authorize)._replace(query="").geturl(),
                         data={**_hidden(chooser.text), "persona": persona})
    landed = client.get(chosen.headers["location"])
    assert landed.status_code == 303 and landed.headers["location"] == "/me/email"


# Ana's verification e-mail (Spanish); her alerts (a deadline coming due) may arrive too.
VERIFY_SUBJECT = "Confirme su dirección de correo electrónico para Caseline"


def _mail(demo: Demo) -> list[EmailMessage]:
    """The verification e-mails in the sink."""
    found = []
    for path in sorted((demo.state_dir / "mail").glob("*.eml")):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        if parsed["Subject"] == VERIFY_SUBJECT:
            found.append(parsed)
    return found


def test_the_demo_mails_through_its_sink(demo: Demo) -> None:
    """ana's address is verified from the start; after she unsubscribes (one click) and asks
    for the verification e-mail again, it arrives in the sink in Spanish, and its link
    turns her e-mails back on."""
    banner = "".join(demo.output)
    assert "Mail sink (SMTP)    127.0.0.1:" in banner and f"{demo.state_dir / 'mail'}/" in banner
    with httpx.Client(base_url=demo.base_url, timeout=15) as client:
        _sign_in(client, "ana")
        page = client.get("/me/email")
        assert 'data-email-state="confirmed"' in page.text and "ana@example.org" in page.text
        assert _mail(demo) == []
        # Stop e-mails with the form a link's confirm page shows (the token is what counts).
        token = _unsubscribe_token(demo)
        stopped = client.post("/me/email/unsubscribe", params={"token": token})
        assert stopped.status_code == 200
        page = client.get("/me/email")
        assert 'data-email-state="stopped"' in page.text
        sent = client.post("/me/email/resend", data={"csrf_token": _hidden(page.text)
                                                     ["csrf_token"]})
        assert sent.status_code == 303
        [mail] = _mail(demo)
        assert mail["To"] == "ana@example.org"
        text = mail.get_body(preferencelist=("plain",))
        assert text is not None
        link = next(line for line in str(text.get_content()).splitlines()
                    if "/me/email/verify?token=" in line)
        assert link.startswith(f"{demo.base_url}/me/email/verify?token=")
        verify = parse_qs(urlsplit(link).query)["token"][0]
        done = client.post("/me/email/verify", data={"token": verify})
        assert done.status_code == 200
        assert 'data-email-state="confirmed"' in client.get("/me/email").text


def _unsubscribe_token(demo: Demo) -> str:
    """The token of ana's unsubscribe link, as a notification e-mail would carry it."""
    vault = open_state_vault(DemoState(demo.state_dir))
    try:
        accounts = email_accounts(vault.subject_keys.engine, vault.subject_keys,
                                  email_secret(vault.keyring),
                                  demo_email_settings("127.0.0.1", 25, demo.base_url))
        state = accounts.state("ana")
        assert state is not None
        return accounts.links.unsubscribe_token(state.address_id)
    finally:
        vault.subject_keys.engine.dispose()
