"""Paths reserved for later issues answer 404 "not available yet", in English and Spanish,
whatever the method, and before any route with parameters could take them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.ratelimit import LookupQuotas, RatePolicy
from gateway.web.app import web_app
from gateway.web.reserved import RESERVED
from support.applicant_pages import CONFIG, Applicant, applicant_pages
from support.fakes import fake_service

PATHS = ["/me/cases/unlink", "/clients/webhooks"]


@pytest.fixture
async def gateway() -> AsyncIterator[Applicant]:
    async with applicant_pages() as pages:
        yield pages


@pytest.mark.parametrize("path", PATHS)
async def test_a_reserved_path_is_not_available_yet(gateway: Applicant, path: str) -> None:
    response = await gateway.client.get(path)
    assert response.status_code == 404
    assert "<h1>Not available yet</h1>" in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    spanish = await gateway.client.get(path + "?lang=es")
    assert spanish.status_code == 404
    assert '<html lang="es">' in spanish.text and "Todavía no disponible" in spanish.text


async def test_a_post_to_a_reserved_path_changes_nothing(gateway: Applicant) -> None:
    response = await gateway.client.post("/me/cases/unlink", data={"number": "IOE0990000001"})
    assert response.status_code == 404
    assert len(gateway.service.store.links_for("ana")) == 2


def test_reserved_paths_come_before_every_other_page() -> None:
    """Placed first, so a later ``/clients/{subject}`` cannot take ``/clients/webhooks``."""
    service = fake_service(CONFIG, {})
    app = web_app(service, LookupQuotas(RatePolicy(), RatePolicy()))
    paths = [getattr(route, "path", "") for route in app.routes]
    assert paths[:len(RESERVED)] == list(RESERVED)
