"""A JWKS document served over HTTP on loopback, as an identity provider publishes its keys;
the document can change (key rotation) and fetches are counted."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

__all__ = ["JwksServer", "jwk", "serving_jwks"]


def jwk(key: Any, kid: str) -> dict[str, Any]:
    """The public JWK of ``key`` (public or private) with ``kid``, for signing."""
    public = key.public_key() if hasattr(key, "private_bytes") else key
    kinds: list[tuple[type, Any]] = [(ed25519.Ed25519PublicKey, OKPAlgorithm),
                                     (rsa.RSAPublicKey, RSAAlgorithm),
                                     (ec.EllipticCurvePublicKey, ECAlgorithm)]
    algorithm = next(a for t, a in kinds if isinstance(public, t))
    document: dict[str, Any] = json.loads(algorithm.to_jwk(public))
    return {**document, "kid": kid, "use": "sig"}


class JwksServer:
    """What the server serves, and how often it was asked."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.document: dict[str, Any] = {"keys": []}
        self.hits = 0


@contextmanager
def serving_jwks(*keys: dict[str, Any]) -> Iterator[JwksServer]:
    """Serve ``{"keys": keys}`` at ``/jwks`` on a loopback port until the block ends."""
    state: list[JwksServer] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served = state[0]
            served.hits += 1
            body = json.dumps(served.document).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.append(JwksServer(f"http://127.0.0.1:{server.server_address[1]}/jwks"))
    state[0].document = {"keys": list(keys)}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state[0]
    finally:
        server.shutdown()
        server.server_close()
