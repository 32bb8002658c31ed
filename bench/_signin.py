"""Signing in to a demo's pages as a persona, as a browser would, for benchmarks that time or
audit a signed-in page: the pages' /sign-in, the demo provider's persona page, the callback.

The result is the page session cookie (``caseline_session``) to send with each request.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx

__all__ = ["SESSION_COOKIE", "PersonaForm", "persona_form", "session_cookie"]

SESSION_COOKIE = "caseline_session"
# A persona page is a few kilobytes; a far larger answer is not one.
MAX_PAGE_CHARS = 200_000


class PersonaForm(HTMLParser):
    """The persona page's form: where it posts and its hidden fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.personas: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Collect the form's action, its hidden inputs and its persona buttons."""
        found = {name: value or "" for name, value in attrs}
        if tag == "form" and self.action is None:
            self.action = found.get("action", "")
        elif tag == "input" and found.get("type") == "hidden" and "name" in found:
            self.fields[found["name"]] = found.get("value", "")
        elif tag == "button" and found.get("name") == "persona" and found.get("value"):
            self.personas.append(found["value"])


def persona_form(page: str) -> PersonaForm:
    """The persona page ``page`` parsed; ValueError when it holds no form to post."""
    if len(page) > MAX_PAGE_CHARS:
        raise ValueError(f"the persona page is {len(page):,} characters; at most "
                         f"{MAX_PAGE_CHARS:,} expected")
    form = PersonaForm()
    form.feed(page)
    if form.action is None:
        raise ValueError("the persona page has no form: is this a demo's sign-in page?")
    return form


def session_cookie(base_url: str, persona: str, timeout_s: float = 15.0,
                   transport: httpx.BaseTransport | None = None) -> str:
    """Sign in to the demo at ``base_url`` as ``persona`` (ana, raj, lee, audrey) through
    its pages and provider; returns the page session cookie's value. (``transport``: for
    tests.)"""
    with httpx.Client(base_url=base_url, timeout=timeout_s, transport=transport) as client:
        start = client.get("/sign-in")
        if start.status_code not in (302, 303):
            raise RuntimeError(f"/sign-in answered {start.status_code}, not a redirect to "
                               "the provider: does this demo have sign-in?")
        authorize = urljoin(base_url, start.headers["location"])
        chooser = client.get(authorize)
        chooser.raise_for_status()
        form = persona_form(chooser.text)
        if persona not in form.personas:
            raise ValueError(f"no persona {persona!r} on the sign-in page (it lists "
                             f"{', '.join(form.personas)})")
        chosen = client.post(urljoin(authorize, form.action or authorize),
                             data={**form.fields, "persona": persona})
        if chosen.status_code not in (302, 303):
            raise RuntimeError(f"choosing {persona} answered {chosen.status_code}")
        back = client.get(urljoin(authorize, chosen.headers["location"]))
        if back.status_code not in (302, 303) or SESSION_COOKIE not in client.cookies:
            raise RuntimeError(f"the sign-in callback answered {back.status_code} without "
                               f"a session: {back.text[:300]}")
        return str(client.cookies[SESSION_COOKIE])
