"""A local fake of the USCIS Case Status API: a real HTTP server on a loopback port.

It answers as the real API does, as documented on developer.uscis.gov and as public clients
found it live: tokens at ``POST /oauth/accesstoken`` (form fields ``grant_type``,
``client_id``, ``client_secret``; ``expires_in`` a string), ``GET
/case-status/{receiptNumber}`` with a Bearer token, the body wrapped as ``{"case_status":
{...}, "message": ...}``, dates ``MM-DD-YYYY HH:MM:SS`` (history ``YYYY-MM-DD``), unknown
receipts answered 200 with every field empty and ``hist_case_status`` null, malformed ones
422. Tests switch on every failure: revoked tokens (401), rate limiting (429 with
``Retry-After``), an outage (503 with a reason), bodies that are not JSON, a 404.
"""

from __future__ import annotations

import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "FakeUscisApi", "case_status", "running_fake"]

CLIENT_ID = "conformance-app"
CLIENT_SECRET = "s3cret-not-real"
_RECEIPT = re.compile(r"^[A-Z]{3}[0-9]{10}$")


def case_status(receipt: str, form: str, title_en: str, desc_en: str, *,
                title_es: str = "", desc_es: str = "", submitted: str = "",
                modified: str = "", history: list[dict[str, str]] | None = None
                ) -> dict[str, Any]:
    """A ``case_status`` object as the API returns it."""
    return {"receiptNumber": receipt, "formType": form, "submittedDate": submitted,
            "modifiedDate": modified, "current_case_status_text_en": title_en,
            "current_case_status_desc_en": desc_en, "current_case_status_text_es": title_es,
            "current_case_status_desc_es": desc_es, "hist_case_status": history}


def _empty(receipt: str) -> dict[str, Any]:
    """What the API answers for a well-formed receipt it does not know."""
    blank = case_status("", "", "", "")
    blank["receiptNumber"] = ""
    return blank


def sample_cases() -> dict[str, dict[str, Any]]:
    """Cases in the documented shapes, each with a quirk real clients report."""
    return {
        # The profile's example: an online (IOE) filing, no dates at all, no history, a
        # link inside the description.
        "IOE0912345678": case_status(
            "IOE0912345678", "I-765", "Case Was Received",
            'We received your Form I-765. <a href="https://www.uscis.gov/e-notification">'
            "Sign up</a> for updates.<script>alert(1)</script>",
            title_es="Caso Fue Recibido",
            desc_es="Recibimos su Formulario I-765. <b>Gracias</b>."),
        "EAC9999103402": case_status(
            "EAC9999103402", "I-485", "Case Was Approved",
            "On September 5, 2023, we approved your Form I-485, Application to Register "
            "Permanent Residence or Adjust Status.<br/>",
            title_es="Caso Fue Aprobado",
            desc_es="El 5 de septiembre de 2023, aprobamos su Formulario I-485.",
            submitted="03-15-2023 09:12:44", modified="09-05-2023 14:28:46",
            history=[{"date": "2023-03-20", "completed_text_en": "Case Was Received",
                      "completed_text_es": "Caso Fue Recibido"},
                     {"date": "2023-06-01", "completed_text_en": "Fingerprints were taken",
                      "completed_text_es": "Se tomaron las huellas"}]),
        "LIN9912345678": case_status(
            "LIN9912345678", "I-129", "Request for Evidence Was Sent",
            "On October 2, 2026, we sent a request for evidence for your Form I-129. "
            "Follow the instructions &amp; respond by the date on the request.",
            submitted="08-01-2026 10:00:00", modified="10-02-2026 16:45:00", history=[]),
    }


@dataclass
class FakeUscisApi:
    """The fake's state; tests change it between calls."""

    cases: dict[str, dict[str, Any]] = field(default_factory=sample_cases)
    expires_in: str = "1799"
    unavailable: str | None = None  # 503 with this reason
    unavailable_html: bool = False  # the 503's body is an HTML page, not JSON
    rate_limited: int = 0  # the next N case-status calls answer 429
    retry_after: str = "0"
    not_json: set[str] = field(default_factory=set)  # receipts answered with a broken body
    not_found_404: set[str] = field(default_factory=set)  # receipts answered 404
    refused_422: set[str] = field(default_factory=set)  # well-formed, yet refused as malformed
    tokens: set[str] = field(default_factory=set)
    token_requests: int = 0
    status_requests: list[tuple[str, int]] = field(default_factory=list)

    def revoke_tokens(self) -> None:
        """Every issued token is refused from now on (401), as after an early expiry."""
        self.tokens.clear()

    def requests_for(self, receipt: str) -> int:
        """Case-status requests made for ``receipt``."""
        return sum(1 for r, _ in self.status_requests if r == receipt)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        self.token_requests += 1
        if (form.get("grant_type") != "client_credentials" or form.get("client_id") != CLIENT_ID
                or form.get("client_secret") != CLIENT_SECRET):
            return JSONResponse({"ErrorCode": "invalid_client",
                                 "Error": "ClientId is Invalid"}, status_code=401)
        token = secrets.token_urlsafe(16)
        self.tokens.add(token)
        return JSONResponse({"refresh_token_expires_in": "0", "token_type": "BearerToken",
                             "issued_at": str(int(time.time() * 1000)),
                             "client_id": CLIENT_ID, "access_token": token,
                             "application_name": "conformance", "scope": "",
                             "expires_in": self.expires_in, "refresh_count": "0",
                             "status": "approved"})

    def _status(self, receipt: str, request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth.removeprefix("Bearer ") not in self.tokens:
            return JSONResponse({"fault": {"faultstring": "Invalid access token",
                                           "detail": {"errorcode": "oauth.v2.InvalidAccessToken"
                                                      }}}, status_code=401)
        if self.unavailable is not None:
            if self.unavailable_html:
                return Response(f"<html><body><h1>Service Unavailable</h1><p>"
                                f"{self.unavailable}</p></body></html>", 503,
                                media_type="text/html")
            return JSONResponse({"message": self.unavailable}, status_code=503)
        if self.rate_limited > 0:
            self.rate_limited -= 1
            return JSONResponse({"message": "Spike arrest violation"}, status_code=429,
                                headers={"Retry-After": self.retry_after})
        if not _RECEIPT.match(receipt) or receipt in self.refused_422:
            return JSONResponse({"message": "Invalid receipt number format"}, status_code=422)
        if receipt in self.not_found_404:
            return JSONResponse({"message": "Receipt number not found"}, status_code=404)
        if receipt in self.not_json:
            return PlainTextResponse('{"case_status": {"receiptNumber": "' + receipt)
        body = self.cases.get(receipt) or _empty(receipt)
        return JSONResponse({"case_status": body, "message": "Query was successful"})

    async def status(self, request: Request) -> Response:
        receipt = request.path_params["receipt"]
        response = self._status(receipt, request)
        self.status_requests.append((receipt, response.status_code))
        return response

    def app(self) -> Starlette:
        """The ASGI app."""
        return Starlette(routes=[
            Route("/oauth/accesstoken", self.token, methods=["POST"]),
            Route("/case-status/{receipt}", self.status, methods=["GET"]),
        ])


@contextmanager
def running_fake(fake: FakeUscisApi | None = None) -> Iterator[tuple[FakeUscisApi, str]]:
    """The fake served by uvicorn in a thread on a loopback port the OS picks; yields it
    and its base URL."""
    fake = fake or FakeUscisApi()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(fake.app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fake USCIS API did not start")
        time.sleep(0.01)
    try:
        yield fake, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
