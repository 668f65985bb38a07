"""Real keys, real tokens and a real JWKS endpoint for the identity unit tests (no Keycloak).

The JWKS is served by a tiny HTTP server in a thread, so the verifier fetches keys over
HTTP exactly as it does from Keycloak; nothing is mocked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "http://127.0.0.1:58080/realms/kim"
OTHER_ISSUER = "http://127.0.0.1:58080/realms/kim-other"
AUDIENCE = "kim-api"


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair with its key id, as a realm would hold it."""

    kid: str
    private: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid: str) -> SigningKey:
        return cls(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def jwk(self) -> dict[str, Any]:
        """The public half as a JWK, the way Keycloak publishes it."""
        data = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        assert isinstance(data, dict)
        return {**data, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, claims: dict[str, Any], *, kid: str | None = None) -> str:
        """A token signed with this key; ``kid`` names another key id, ``""`` none at all."""
        kid = self.kid if kid is None else kid
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": kid} if kid else None)


def claims(**overrides: Any) -> dict[str, Any]:
    """The claims of a Keycloak access token for the API (a Kobiz counsellor), changed by ``overrides``.

    An override of ``None`` removes the claim.
    """
    now = int(time.time())
    base: dict[str, Any] = {
        "exp": now + 300,
        "iat": now,
        "jti": "onrtro:0f58afe8-489c-7d8e-2f1f-3ab9f120d755",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "021e07c4-8225-4853-8305-42bb65579b9e",
        "typ": "Bearer",
        "azp": "kim-web",
        "sid": "e8N54njRa0yKUGr-nPoVIPB5",
        "realm_access": {"roles": ["kobiz_counsellor"]},
        "scope": "openid",
        "staff_id": "st-7f3a91",
        "groups": ["/departments/kobiz"],
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict[str, Any], payload: dict[str, Any], secret: bytes | None = None) -> str:
    """A token assembled by hand: ``alg: none`` (no secret) or HMAC-SHA256 with ``secret``.

    PyJWT itself refuses to produce these (it will not use a PEM public key as an HMAC
    secret), which is exactly what an attacker does not care about.
    """
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = b"" if secret is None else hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


@dataclass
class JwksServer:
    """Serves ``keys`` as a JWK set at ``url``; counts the fetches. ``status`` ≠ 200 answers an error."""

    keys: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    body: bytes | None = None
    hits: int = 0
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, *signing_keys: SigningKey) -> None:
        with self._lock:
            self.keys = [key.jwk() for key in signing_keys]

    def fetches(self) -> int:
        with self._lock:
            return self.hits

    def answer(self) -> tuple[int, bytes]:
        with self._lock:
            self.hits += 1
            if self.body is not None:
                return self.status, self.body
            return self.status, json.dumps({"keys": self.keys}).encode()


@contextmanager
def serve_jwks(server: JwksServer) -> Iterator[JwksServer]:
    """Run ``server`` on a free loopback port for the duration of the block."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = server.answer()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), name="jwks-server", daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}/realms/kim/protocol/openid-connect/certs"
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
