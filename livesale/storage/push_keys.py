"""The server's VAPID key pair for Web Push: made on first start, kept in the data folder.

Browsers tie a push subscription to the public key it was made with, so the
key must outlive restarts and be the same in every process of a node (and on
every node: copy the file). The file is owner-only, like the rest of the data folder.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from livesale.data_folder import PRIVATE_FILE, private_dir, private_file

KEY_FILE = "vapid_private_key.pem"


def load_or_create(data_dir: Path) -> Vapid02:
    """The key pair in `data_dir`, made there first if missing (safe when processes race)."""
    path = data_dir / KEY_FILE
    if not path.exists():
        private_dir(data_dir)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        draft = data_dir / f".{KEY_FILE}.{secrets.token_hex(6)}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        try:
            # A link appears whole or not at all: a racing process reads a full key.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    private_file(path, tell=False)
    return Vapid02.from_pem(path.read_bytes())


def public_key_b64(vapid: Vapid02) -> str:
    """The public key as browsers take it (`applicationServerKey`): an uncompressed point,
    URL-safe base64 without padding."""
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
