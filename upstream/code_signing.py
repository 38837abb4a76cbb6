"""The upstream's enrollment-code signing key: an Ed25519 key made once and kept in the
upstream's database (table `signing_keys`), so every server process and CLI command on the
same database signs with the same key. Devices pin its public key (`edge-upstream public-key`
prints it; docs/technician.md "Enrollment").
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.protocol.signing import generate_key, public_key_text
from upstream.errors import now_ms
from upstream.sql import Database

NAME = "enroll"


def signing_key(db: Database) -> Ed25519PrivateKey:
    """The key that signs enrollment codes; made on first use (one row, whoever inserts first wins)."""
    row = db.one("SELECT private_pem FROM signing_keys WHERE name = ?", [NAME])
    if row is None:
        key = generate_key()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
        with db.tx():
            db.execute("INSERT INTO signing_keys (name, private_pem, public_key, created_ms) VALUES (?, ?, ?, ?)"
                       " ON CONFLICT (name) DO NOTHING", [NAME, pem, public_key_text(key), now_ms()])
        row = db.one("SELECT private_pem FROM signing_keys WHERE name = ?", [NAME])
    assert row is not None
    key = serialization.load_pem_private_key(row["private_pem"].encode("ascii"), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the upstream's signing key is not an Ed25519 key")
    return key


def public_key(db: Database) -> str:
    """The signing key's public half, base64url of the raw 32 bytes: what devices pin."""
    return public_key_text(signing_key(db))
