"""A local stand-in for a browser vendor's push service: it takes Web Push requests as
FCM or Mozilla's autopush would, checks their VAPID signature and headers, and decrypts
the payload with the subscription's private keys, which it made itself as a browser does."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import http_ece
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

DAY = 24 * 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    """One push the stand-in accepted: its device, decrypted payload and headers."""

    token: str
    payload: dict[str, Any]
    headers: dict[str, str]
    claims: dict[str, Any]
    at: float


@dataclass
class PushService:
    """The stand-in's state: the devices it knows, what it received, what it refused."""

    server_key: str  # the application server's VAPID public key every request must carry
    base_url: str = ""
    devices: dict[str, tuple[ec.EllipticCurvePrivateKey, bytes]] = field(default_factory=dict)
    answers: dict[str, int] = field(default_factory=dict)  # a status to answer instead of 201
    received: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    # While set, requests wait until it is set (a push service that does not answer);
    # `waiting` counts those that arrived and wait.
    hold: asyncio.Event | None = None
    waiting: int = 0

    def device(self) -> dict[str, Any]:
        """A new subscription as `PushSubscription.toJSON()` gives it."""
        token = secrets.token_hex(8)
        private = ec.generate_private_key(ec.SECP256R1())
        auth = secrets.token_bytes(16)
        self.devices[token] = (private, auth)
        point = private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{self.base_url}/push/{token}",
            "keys": {"p256dh": _b64(point), "auth": _b64(auth)},
        }

    async def handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if self.hold is not None:
            self.waiting += 1
            await self.hold.wait()
        status = self.answers.get(token)
        if status is not None:
            return web.Response(status=status)
        if token not in self.devices:
            return web.Response(status=404)
        try:
            claims = self._check_vapid(request)
            ttl = request.headers.get("TTL", "")
            if not ttl.isdigit():
                raise ValueError(f"TTL missing or not a number: {ttl!r}")
            if request.headers.get("Content-Encoding") != "aes128gcm":
                raise ValueError("payload not aes128gcm")
            private, auth = self.devices[token]
            plain = http_ece.decrypt(
                await request.read(), private_key=private, auth_secret=auth, version="aes128gcm"
            )
        except (ValueError, KeyError, InvalidSignature) as exc:
            self.refused.append(f"{token}: {exc!r}")
            return web.Response(status=400, text=str(exc))
        headers = {
            name: request.headers[name] for name in ("TTL", "Urgency") if name in request.headers
        }
        self.received.append(Received(token, json.loads(plain), headers, claims, time.time()))
        return web.Response(status=201)

    def _check_vapid(self, request: web.Request) -> dict[str, Any]:
        """RFC 8292: `vapid t=<JWT signed ES256>, k=<the server's public key>`."""
        scheme, _, rest = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError("no vapid Authorization")
        params = dict(part.strip().split("=", 1) for part in rest.split(","))
        if params.get("k") != self.server_key:
            raise ValueError("k is not the server's public key")
        header, payload, signature = params["t"].split(".")
        if json.loads(_unb64(header)) != {"typ": "JWT", "alg": "ES256"}:
            raise ValueError("JWT header is not ES256")
        raw = _unb64(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(params["k"]))
        public.verify(der, f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
        claims: dict[str, Any] = json.loads(_unb64(payload))
        if claims.get("aud") != self.base_url:
            raise ValueError(f"aud {claims.get('aud')!r} is not {self.base_url!r}")
        if not time.time() < claims.get("exp", 0) <= time.time() + DAY:
            raise ValueError("exp not within the next 24 hours")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
            raise ValueError("sub is not a mailto: or https: URL")
        return claims


@asynccontextmanager
async def push_service(server_key: str) -> AsyncIterator[PushService]:
    """A running stand-in accepting pushes signed with `server_key`."""
    service = PushService(server_key)
    app = web.Application()
    app.router.add_post("/push/{token}", service.handle)
    server = TestServer(app)
    await server.start_server()
    service.base_url = str(server.make_url("")).rstrip("/")
    try:
        yield service
    finally:
        await server.close()
