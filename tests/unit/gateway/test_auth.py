"""Who is refused with which code: nobody signed in is UNAUTHENTICATED and told to sign in
(a bad token gets the generic token reason); a signed-in person without the right is
FORBIDDEN. For viewer, audit and mutations, in English and Spanish."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from aggregator.consent.vocabulary import Role
from aggregator.vault.key_files import load_or_create_ed25519
from deploy.demo.personas import PERSONAS
from gateway.auth import AuthError, DevIssuer, SignedIn, TokenVerifier
from tests.support.http_gateway import gateway_app

SIGN_IN = {"en": "sign in first: send 'Authorization: Bearer <token>'",
           "es": "inicie sesión primero: envíe 'Authorization: Bearer <token>'"}
BAD_TOKEN = {"en": "the bearer token is invalid or expired; sign in again",
             "es": "el token de acceso no es válido o ha caducado; inicie sesión de nuevo"}

# (operation, a signed-in role without the right, the FORBIDDEN text in en and es)
OPERATIONS = [
    ("{ viewer { timeline { events { title } } } }", "representative",
     {"en": "only applicants have their own cases and timeline",
      "es": "solo los solicitantes tienen casos y cronología propios"}),
    ("{ viewer { clients { subject } } }", "auditor",
     {"en": "auditors read the ledger, not case data",
      "es": "los auditores leen el registro, no los datos de los casos"}),
    ("{ audit { checkpoint { treeSize } } }", "applicant",
     {"en": "only auditors may query the ledger",
      "es": "solo los auditores pueden consultar el registro"}),
    ('mutation { linkCase(number: "FAK000001", accessCode: "x") { alreadyLinked } }',
     "representative",
     {"en": "only applicants have their own cases and timeline",
      "es": "solo los solicitantes tienen casos y cronología propios"}),
    ('mutation { revokeConsent(id: "c1") { state } }', "auditor",
     {"en": "only applicants have their own cases and timeline",
      "es": "solo los solicitantes tienen casos y cronología propios"}),
]
LANGUAGES = ["en", "es"]

Gw = tuple[httpx.AsyncClient, DevIssuer]


@pytest.fixture
async def gw(tmp_path: Path) -> AsyncIterator[Gw]:
    app, issuer = gateway_app(tmp_path / "state")
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        yield client, issuer


async def _error(client: httpx.AsyncClient, query: str, language: str,
                 token: str | None = None) -> dict[str, Any]:
    headers = {"Accept-Language": language}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response = await client.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    errors: list[dict[str, Any]] = response.json()["errors"]
    assert len(errors) == 1, errors
    return errors[0]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("query", "role", "forbidden"), OPERATIONS)
async def test_anonymous_callers_are_told_to_sign_in(gw: Gw, query: str, role: str,
                                                    forbidden: dict[str, str],
                                                    language: str) -> None:
    error = await _error(gw[0], query, language)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"] == SIGN_IN[language]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("query", "role", "forbidden"), OPERATIONS)
async def test_a_bad_token_is_unauthenticated_with_the_generic_reason(
        gw: Gw, tmp_path: Path, query: str, role: str, forbidden: dict[str, str],
        language: str) -> None:
    other = DevIssuer(load_or_create_ed25519(tmp_path / "other.pem"))
    error = await _error(gw[0], query, language, other.issue("ana", role, "Ana"))
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"] == BAD_TOKEN[language]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("query", "role", "forbidden"), OPERATIONS)
async def test_signed_in_people_without_the_right_are_forbidden(
        gw: Gw, query: str, role: str, forbidden: dict[str, str], language: str) -> None:
    client, issuer = gw
    error = await _error(client, query, language, issuer.issue("pat", role, "Pat"))
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["message"] == forbidden[language]


async def test_signed_in_viewer_is_answered(gw: Gw) -> None:
    """The refusals above are about who asks: the same viewer query signed in answers."""
    client, issuer = gw
    response = await client.post(
        "/graphql", json={"query": "{ viewer { subject role } }"},
        headers={"Authorization": f"Bearer {issuer.issue('ana', 'applicant', 'Ana')}"})
    assert response.json() == {"data": {"viewer": {"subject": "ana", "role": "applicant"}}}


# The role claim each demo persona's token carries (the acceptance README's personas).
TOKEN_ROLES = {"ana": "applicant", "raj": "applicant", "lee": "representative",
               "audrey": "auditor"}


@pytest.mark.parametrize("persona", sorted(TOKEN_ROLES))
def test_a_token_s_role_claim_signs_in_as_that_role(persona: str, tmp_path: Path) -> None:
    """Each persona's token carries its role as the lower-case word, and verifies to the
    Role of that value: roles are exactly what tokens carry."""
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    who = PERSONAS[persona]
    token = DevIssuer(key).issue(who.id, who.role, who.name)
    assert jwt.decode(token, options={"verify_signature": False})["role"] == TOKEN_ROLES[persona]
    signed_in = TokenVerifier(key.public_key()).verify(token)
    assert signed_in == SignedIn(who.id, Role(TOKEN_ROLES[persona]), who.name)
    assert type(signed_in.role) is Role


@pytest.mark.parametrize("role", ["APPLICANT", "admin", None])
def test_a_role_that_is_not_one_is_refused_naming_the_roles(role: str | None,
                                                            tmp_path: Path) -> None:
    """A role claim other than a Role value (the member's name included) does not sign in."""
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    token = DevIssuer(key).issue("pat", role, "Pat")  # type: ignore[arg-type]
    with pytest.raises(AuthError) as refused:
        TokenVerifier(key.public_key()).verify(token)
    assert str(refused.value) == (f"role {role!r} is not one of applicant, representative, "
                                  "auditor")
