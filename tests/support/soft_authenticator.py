"""A software passkey authenticator for API tests: real P-256 keys, real CBOR and signatures.

It answers the server's WebAuthn options the way a browser and a platform
authenticator would (`fmt: none` attestation, user present and verified), so
the server's checks run unchanged; tests can also make it lie (another
origin, an old signature counter) to see those checks refuse.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url

# Authenticator data flags: user present, user verified, attested credential data.
UP, UV, AT = 0x01, 0x04, 0x40


@dataclass
class SoftPasskey:
    """One discoverable credential: its id, private key, user handle and counter."""

    rp_id: str
    user_handle: str
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    sign_count: int = 0

    @property
    def id(self) -> str:
        """The credential id as the API shows it (base64url)."""
        return bytes_to_base64url(self.credential_id)


def create(options: dict[str, Any], origin: str) -> tuple[SoftPasskey, dict[str, Any]]:
    """A new passkey for registration `options`, and the credential JSON a browser would send."""
    passkey = SoftPasskey(options["rp"]["id"], options["user"]["id"])
    client_data = _client_data("webauthn.create", options["challenge"], origin)
    numbers = passkey.key.public_key().public_numbers()
    cose_key = {
        1: 2,
        3: -7,
        -1: 1,
        -2: numbers.x.to_bytes(32, "big"),
        -3: numbers.y.to_bytes(32, "big"),
    }
    attested = bytes(16) + struct.pack(">H", len(passkey.credential_id)) + passkey.credential_id
    auth_data = _auth_data(passkey.rp_id, UP | UV | AT, 0) + attested + cbor2.dumps(cose_key)
    attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
    return passkey, {
        "id": passkey.id,
        "rawId": passkey.id,
        "type": "public-key",
        "response": {
            "clientDataJSON": bytes_to_base64url(client_data),
            "attestationObject": bytes_to_base64url(attestation),
            "transports": ["internal"],
        },
        "clientExtensionResults": {},
    }


def sign_in(
    passkey: SoftPasskey, options: dict[str, Any], origin: str, *, count_up: bool = True
) -> dict[str, Any]:
    """The credential JSON signing sign-in `options` (`count_up=False` replays the old counter)."""
    if count_up:
        passkey.sign_count += 1
    client_data = _client_data("webauthn.get", options["challenge"], origin)
    auth_data = _auth_data(passkey.rp_id, UP | UV, passkey.sign_count)
    signature = passkey.key.sign(
        auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
    )
    return {
        "id": passkey.id,
        "rawId": passkey.id,
        "type": "public-key",
        "response": {
            "clientDataJSON": bytes_to_base64url(client_data),
            "authenticatorData": bytes_to_base64url(auth_data),
            "signature": bytes_to_base64url(signature),
            "userHandle": passkey.user_handle,
        },
        "clientExtensionResults": {},
    }


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    return json.dumps(
        {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
    ).encode()


def _auth_data(rp_id: str, flags: int, sign_count: int) -> bytes:
    return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", sign_count)
