"""Members' phone numbers: normalised (a mainland mobile number, 11 digits starting 1; +86 and
spaces dropped), encrypted at rest (AES-256-GCM, `cryptography`), found by a keyed hash
(upstream/member_keys.py), shown only masked (138****5678), never logged.

The encryption key is not in the database: $EDGE_UPSTREAM_MEMBER_KEY (32 bytes, base64), else a
key file made on first use, 0600: `member-phone.key` beside a SQLite database, or in the user's
data folder for PostgreSQL. A database copy alone does not give the numbers back; losing the key
loses them (back the key up apart from the database: docs/security.md)."""

from __future__ import annotations

import base64
import os
import re
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from edge.protocol.private_files import DIR_MODE, create_private
from upstream.member_keys import keyed_hash
from upstream.sql import Database

KEY_ENV = "EDGE_UPSTREAM_MEMBER_KEY"
KEY_FILE = "member-phone.key"
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def normalise(text: object) -> str | None:
    """The 11-digit mobile number in `text`, or None when it is not one."""
    if not isinstance(text, str) or len(text) > 32:
        return None
    digits = re.sub(r"[\s-]", "", text)
    digits = digits.removeprefix("+86").removeprefix("0086")
    return digits if _MOBILE.fullmatch(digits) else None


def mask(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


def key_path(db: Database) -> Path:
    if db.dialect == "sqlite":
        path = db.url.removeprefix("sqlite:///").removeprefix("sqlite://")
        if path != ":memory:" and not path.startswith("file:"):
            return Path(path).resolve().parent / KEY_FILE
    import platformdirs

    return Path(platformdirs.user_data_dir("matou")) / KEY_FILE


def _key(db: Database) -> bytes:
    cached = getattr(db, "_member_phone_key", None)
    if cached is not None:
        return cached
    given = os.environ.get(KEY_ENV)
    if given:
        key = base64.b64decode(given)
        if len(key) != 32:
            raise ValueError(f"{KEY_ENV} must be 32 bytes, base64")
    else:
        path = key_path(db)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)  # an existing folder is left as it is
            create_private(path)
            with open(path, "r+b") as f:
                if not f.read():  # a second process may have written it meanwhile
                    f.write(base64.b64encode(secrets.token_bytes(32)))
        key = base64.b64decode(path.read_bytes().strip())
    db._member_phone_key = key  # type: ignore[attr-defined]
    return key


def encrypt(db: Database, phone: str) -> str:
    nonce = secrets.token_bytes(12)
    return base64.b64encode(nonce + AESGCM(_key(db)).encrypt(nonce, phone.encode(), b"matou-member-phone")).decode()


def decrypt(db: Database, cipher: str) -> str:
    raw = base64.b64decode(cipher)
    return AESGCM(_key(db)).decrypt(raw[:12], raw[12:], b"matou-member-phone").decode()


def phone_hash(db: Database, store_id: str, phone: str) -> str:
    return keyed_hash(db, "phone", store_id, phone)
