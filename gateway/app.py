"""The Starlette application: /graphql, health (/livez, /readyz, /healthz), the ledger's
public files and the web pages (gateway/web)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from aggregator.service import CaselineService
from gateway.auth import AuthError, SignedIn, TokenVerifier, authenticate
from gateway.bodylimit import DEFAULT_MAX_BODY_BYTES, BodyLimit
from gateway.context import Context
from gateway.health import health_report, not_ready_reasons
from gateway.language import from_accept_language
from gateway.ledger_tiles import tile_endpoint
from gateway.live_slots import LiveSlots
from gateway.probes import agency_observations, component_problems
from gateway.ratelimit import REPRESENTATIVE_RATE, LookupQuotas, RatePolicy
from gateway.schema.build import build_schema
from gateway.web.app import WebSettings, web_app
from gateway.web.graphiql import graphiql_page

__all__ = ["MAX_SUBSCRIPTIONS_PER_ACCOUNT", "MAX_SUBSCRIPTIONS_PER_CONNECTION",
           "GatewaySettings", "bearer_principal", "create_app"]

# Live subscriptions: each holds a listener open for as long as it lasts.
MAX_SUBSCRIPTIONS_PER_CONNECTION = 5
MAX_SUBSCRIPTIONS_PER_ACCOUNT = 10
# A websocket client that sends no connection_init (and so no token) within this is closed.
CONNECTION_INIT_WAIT = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    """``demo`` turns on GraphiQL and introspection; production keeps both off. ``worker``
    numbers this process among several serving one port (shown by /healthz). ``rate`` limits
    public lookups per client address, ``representative_rate`` per representative account.
    Request bodies over ``max_body_bytes`` are refused with 413 before they are read whole.
    ``web`` configures the pages (their session cookie)."""

    demo: bool = False
    rate: RatePolicy = field(default_factory=RatePolicy)
    representative_rate: RatePolicy = REPRESENTATIVE_RATE
    worker: int | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    web: WebSettings = field(default_factory=WebSettings)


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context and orjson encoding. Subscriptions go over
    websockets with graphql-transport-ws only (the older graphql-ws protocol is deprecated
    and is not offered): the bearer token comes in the connection_init payload
    (``{"Authorization": "Bearer <token>"}``) or the handshake's Authorization header, and a
    connection without a valid one is closed with 4403 Forbidden, as the protocol says.
    Cross-origin handshakes from browsers are refused by strawberry; the API reads no
    cookie, so a page elsewhere could not act as the person anyway."""

    def __init__(self, service: CaselineService, verifier: TokenVerifier,
                 limiter: LookupQuotas, *, demo: bool) -> None:
        super().__init__(build_schema(production=not demo),
                         graphql_ide="graphiql" if demo else None,
                         allow_queries_via_get=False,
                         subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
                         connection_init_wait_timeout=CONNECTION_INIT_WAIT,
                         max_subscriptions_per_connection=MAX_SUBSCRIPTIONS_PER_CONNECTION)
        self.service = service
        self.verifier = verifier
        self.limiter = limiter
        self.live_slots = LiveSlots(MAX_SUBSCRIPTIONS_PER_ACCOUNT)

    async def get_context(self, request: Request | WebSocket,
                          response: Response | WebSocket) -> Context:
        """Authenticate and pick the language once per request."""
        language = from_accept_language(request.headers.get("accept-language"))
        principal, auth_error = await verified_principal(request, self.verifier, language)
        if principal is not None:
            self.service.signed_in(principal.subject, principal.role)
        client = request.client.host if request.client else "unknown"
        return Context(service=self.service, principal=principal, auth_error=auth_error,
                       language=language, client=client, rate_limiter=self.limiter,
                       live_slots=self.live_slots,
                       over_websocket=isinstance(request, WebSocket),
                       authorization=request.headers.get("authorization", ""))

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate a websocket connection by its connection_init payload's
        ``Authorization`` (else the handshake's header); refuse it without a valid token."""
        params = context.connection_params or {}
        header = params.get("Authorization", params.get("authorization"))
        if isinstance(header, str) and header:
            try:
                context.principal = authenticate(header, self.verifier)
            except AuthError as exc:
                context.principal, context.auth_error = None, exc.public_message(
                    context.language)
            context.authorization = header
        if context.principal is None:
            raise ConnectionRejectionError
        self.service.signed_in(context.principal.subject, context.principal.role)
        return await super().on_ws_connect(context)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the gateway's own files (the demo only), never from a CDN."""
        return graphiql_page()

    def encode_json(self, data: object) -> bytes:
        """orjson is several times faster than json for timeline-sized responses."""
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        """orjson refuses invalid UTF-8, lone surrogates and nesting past 1024 levels, on
        which json crashed later or overflowed the stack."""
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> object:
        """The request's JSON, or a 400 saying why it is not usable."""
        try:
            value = self.decode_json(data)
        except orjson.JSONDecodeError as exc:
            raise HTTPException(400, f"the request body is not valid JSON: {exc}") from exc
        if not isinstance(value, dict | list):
            # Where a list goes on, strawberry refuses it: query batching is off.
            raise HTTPException(400, "expected a JSON object such as "
                                     '{"query": "...", "variables": {...}}, got '
                                     f"{_json_kind(value)}")
        return value


def bearer_principal(request: HTTPConnection, verifier: TokenVerifier, language: str
                     ) -> tuple[SignedIn | None, str | None]:
    """Who the request's bearer token names, or why it names no one: (principal, None);
    (None, None) without an Authorization header; (None, what to tell the client, in
    ``language``) when the header or its token is not valid."""
    try:
        return authenticate(request.headers.get("authorization", ""), verifier), None
    except AuthError as exc:
        return None, exc.public_message(language)


async def verified_principal(request: HTTPConnection, verifier: TokenVerifier,
                             language: str) -> tuple[SignedIn | None, str | None]:
    """:func:`bearer_principal`, in a thread when the verifier may fetch the issuer's JWKS
    (a slow issuer must not stall every other request of this process)."""
    if verifier.fetches_keys:
        return await run_in_threadpool(bearer_principal, request, verifier, language)
    return bearer_principal(request, verifier, language)


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a string" if isinstance(value, str) else "a number"


def create_app(service: CaselineService, verifier: TokenVerifier,
               settings: GatewaySettings | None = None) -> Starlette:
    """The gateway application around an aggregator service."""
    settings = settings or GatewaySettings()
    # One set of quotas for the API and the pages: a lookup costs the same through either.
    quotas = LookupQuotas(settings.rate, settings.representative_rate)
    graphql = GraphQLApp(service, verifier, quotas, demo=settings.demo)

    async def livez(request: Request) -> JSONResponse:
        # Answering at all is the whole check: a process that serves is alive.
        return JSONResponse({"status": "alive"})

    async def readyz(request: Request) -> JSONResponse:
        problems = await run_in_threadpool(component_problems, service.store, service.ledger)
        reasons = not_ready_reasons(problems)
        if reasons:
            return JSONResponse({"status": "not_ready", "reasons": reasons}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def healthz(request: Request) -> JSONResponse:
        # Always 200: a report for people and monitors (read its status); load balancers
        # ask /readyz.
        problems = await run_in_threadpool(component_problems, service.store, service.ledger)
        health = health_report(agency_observations(service.federation), problems).as_json()
        if settings.worker is not None:
            health["worker"] = settings.worker
        return JSONResponse(health)

    async def auditor(request: Request) -> JSONResponse | None:
        # The export carries only pseudonyms and codes, but its volume and timing are still
        # nobody's business but auditors'.
        language = from_accept_language(request.headers.get("accept-language"))
        principal, refused = await verified_principal(request, verifier, language)
        if refused is not None:
            return JSONResponse({"error": refused}, status_code=401)
        if principal is None:
            return JSONResponse({"error": "send 'Authorization: Bearer <auditor token>'"},
                                status_code=401)
        if principal.role != "auditor":
            return JSONResponse({"error": "only auditors may export the ledger"},
                                status_code=403)
        return None

    async def ledger_export(request: Request) -> Response:
        refused = await auditor(request)
        if refused:
            return refused
        return StreamingResponse(service.ledger.export(), media_type="application/x-ndjson")

    async def ledger_checkpoint(request: Request) -> Response:
        # Checkpoints are public, as in Certificate Transparency: anyone may hold one and
        # later ask whether the ledger still extends it.
        stored = service.ledger.checkpoint()
        if stored is None:
            return JSONResponse({"error": "the ledger is empty"}, status_code=404)
        return Response(stored.note, media_type="text/plain; charset=utf-8")

    async def ledger_key(request: Request) -> Response:
        # Public, so that auditors can pin it; `caseline audit verify` never takes the key
        # from the export it checks.
        return Response(service.ledger.verifier_key() + "\n",
                        media_type="text/plain; charset=utf-8")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Notifications' watchers and deliverer run in the main process only (worker None
        # or 1): the other workers serve pages and live updates from the shared database.
        runner = service.notify.runner if service.notify is not None else None
        if runner is not None and settings.worker in (None, 1):
            await runner.start()
        yield
        await service.close()

    app = Starlette(routes=[
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/livez", livez),
        Route("/readyz", readyz),
        Route("/healthz", healthz),
        Route("/ledger/export", ledger_export),
        Route("/ledger/checkpoint", ledger_checkpoint),
        Route("/ledger/key", ledger_key),
        Route("/ledger/tile/{path:path}", tile_endpoint(service.ledger, auditor)),
        # Last: the pages answer every path the API does not.
        Mount("", app=web_app(service, quotas, settings.web)),
    ], lifespan=lifespan)
    # Outside the routes, so no route (nor one added later) reads an oversized body.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
