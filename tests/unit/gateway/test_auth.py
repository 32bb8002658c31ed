"""Who is refused with which code: nobody signed in is UNAUTHENTICATED and told to sign in
(a bad token gets the generic token reason); a signed-in person without the right is
FORBIDDEN. For viewer, audit and mutations, in English and Spanish."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.consent.vocabulary import Role
from aggregator.vault.key_files import load_or_create_ed25519
from deploy.demo.personas import PERSONAS
from gateway.auth import AuthError, DevIssuer, SignedIn, TokenVerifier
from gateway.roles import RoleMapping
from gateway.signing_keys import RemoteKeys, StaticKeys
from support.jwks_server import jwk, serving_jwks
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


# Tokens of real identity providers: RS256 and ES256 from a JWKS, roles from a table.

def _signed(key: object, algorithm: str, **claims: object) -> str:
    now = int(time.time())
    body = {"iss": "https://login.example", "aud": "caseline-gateway", "sub": "u-1",
            "iat": now, "exp": now + 300, **claims}
    return jwt.encode(body, key, algorithm=algorithm,  # type: ignore[arg-type]
                      headers={"kid": f"{algorithm}-key"})


def _jwks_verifier(*private: Any, **options: Any) -> TokenVerifier:
    documents = [jwk(key, kid) for key, kid in private]
    return TokenVerifier(StaticKeys.from_jwks({"keys": documents}),
                         issuer="https://login.example", **options)


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = Ed25519PrivateKey.generate()
JWKS = [(RSA_KEY, "RS256-key"), (EC_KEY, "ES256-key"), (ED_KEY, "EdDSA-key")]


@pytest.mark.parametrize(("key", "algorithm"), [(RSA_KEY, "RS256"), (EC_KEY, "ES256"),
                                                (ED_KEY, "EdDSA")])
def test_tokens_signed_with_any_jwks_key_sign_in(key: Any, algorithm: str) -> None:
    verifier = _jwks_verifier(*JWKS)
    token = _signed(key, algorithm, role="representative", name="Pat")
    assert verifier.verify(token) == SignedIn("u-1", Role.REPRESENTATIVE, "Pat")


@pytest.mark.parametrize(("algorithm", "key"), [("HS256", b"k" * 32), ("none", None)])
def test_symmetric_and_unsigned_tokens_are_refused_before_any_key(algorithm: str,
                                                                  key: Any) -> None:
    token = _signed(key, algorithm, role="auditor")
    with pytest.raises(AuthError, match=f"algorithm '{algorithm}' is not one of EdDSA, "
                                        "RS256, ES256"):
        _jwks_verifier(*JWKS).verify(token)


def test_a_token_signed_by_a_key_outside_the_jwks_is_refused() -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(AuthError, match="InvalidSignatureError"):
        _jwks_verifier(*JWKS).verify(_signed(other, "RS256", role="applicant"))
    with pytest.raises(AuthError, match="the issuer has no ES256 key"):
        _jwks_verifier(JWKS[0]).verify(_signed(EC_KEY, "ES256", role="applicant"))


def test_roles_come_from_a_table_for_providers_that_issue_none() -> None:
    verifier = _jwks_verifier(*JWKS, roles=RoleMapping("role", {"u-1": Role.AUDITOR}))
    assert verifier.verify(_signed(RSA_KEY, "RS256")).role == Role.AUDITOR
    with pytest.raises(AuthError, match="role None is not one of"):
        _jwks_verifier(*JWKS).verify(_signed(RSA_KEY, "RS256"))


def test_the_lifetime_cap_holds_for_jwks_tokens_too() -> None:
    now = int(time.time())
    token = _signed(RSA_KEY, "RS256", role="applicant", iat=now, exp=now + 3 * 3600)
    with pytest.raises(AuthError, match="exceeds the maximum of 3600 s"):
        _jwks_verifier(*JWKS, max_lifetime_s=3600).verify(token)


def test_one_key_may_sign_under_several_issuer_names(tmp_path: Path) -> None:
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    verifier = TokenVerifier(key.public_key(), issuer=("http://op.test", "caseline-demo"))
    for name in ("http://op.test", "caseline-demo"):
        assert verifier.verify(DevIssuer(key, issuer=name).issue("ana", "applicant", "A"))
    with pytest.raises(AuthError, match="InvalidIssuerError"):
        verifier.verify(DevIssuer(key, issuer="http://other").issue("ana", "applicant", "A"))


def test_an_unreachable_jwks_refuses_the_token() -> None:
    verifier = TokenVerifier(RemoteKeys("http://127.0.0.1:9/jwks", timeout_s=1),
                             issuer="https://login.example")
    with pytest.raises(AuthError, match="the issuer's JWKS at"):
        verifier.verify(_signed(RSA_KEY, "RS256", role="applicant"))


async def test_graphql_verifies_bearer_tokens_against_a_jwks_address(tmp_path: Path) -> None:
    """A gateway trusting an issuer's JWKS address (read in a thread, off the event loop)
    answers the viewer of an ES256 token it signed, and refuses one it did not."""
    with serving_jwks(jwk(EC_KEY, "ES256-key")) as jwks:
        verifier = TokenVerifier(RemoteKeys(jwks.url), issuer="https://login.example")
        assert verifier.fetches_keys
        app, _ = gateway_app(tmp_path / "state", verifier=verifier)
        query = {"query": "{ viewer { subject role } }"}
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
            token = _signed(EC_KEY, "ES256", role="auditor")
            answer = await client.post("/graphql", json=query,
                                       headers={"Authorization": f"Bearer {token}"})
            forged = _signed(ec.generate_private_key(ec.SECP256R1()), "ES256", role="auditor")
            refused = await client.post("/graphql", json=query,
                                        headers={"Authorization": f"Bearer {forged}"})
    assert answer.json() == {"data": {"viewer": {"subject": "u-1", "role": "auditor"}}}
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
