"""Enrollment, the device side: the technician shows the device a one-time code (QR) made by
`edge-upstream enroll-token` (its format: edge/protocol/enroll_code.py); the device makes its
own Ed25519 key pair and registers the public key. The private key is a 0600 file
`<data_dir>/keys/<fingerprint>.key` (never in the database, so database copies made for
support never carry it); the enrollment record (device id, store, role, upstream URL, key
file) is the `sync_enrollment` row.

Trust (docs/technician.md "Enrollment"): the code must verify, its upstream must be on the
install's allow-list ([upstream] allowed_urls) and, once the device has a pinned upstream key
([upstream] public_key from the install, else the key learned at the first enrollment, kept as
sync state `upstream_key`), the code must be signed by that key. A device with no pinned key
enrolls only with an allowed upstream, checks that the upstream answers with the key that
signed the code, and pins it. Replacing an enrollment needs `replace=True`: the technician's
confirmation on the device (edge/technician/technician_desk.py) or `edge enroll --replace`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import requests

from edge.config import Config
from edge.ledger.db import connect
from edge.ledger.migrations import migrate
from edge.protocol.enroll_code import EnrollCode, EnrollError, check_trust, parse_enroll_code
from edge.protocol.signing import b64d, generate_key, public_key_text, save_private_key
from edge.sync.upstream_client import error_from, new_session
from edge.sync.state import Enrollment, get_state, load_enrollment, now_ms, put_state, save_enrollment

__all__ = ["EnrollCode", "EnrollError", "check_trust", "enroll", "parse_enroll_code", "pinned_key", "vet_code"]

ENROLL_TIMEOUT = (3.05, 15.0)


PIN_STATE = "upstream_key"


def pinned_key(config: Config, db) -> str | None:
    """The upstream key this device trusts: the install's, else the one its first enrollment pinned."""
    return config.upstream.public_key or get_state(db).get(PIN_STATE) or None


def vet_code(config: Config, text: str) -> EnrollCode:
    """The code, if this device may enroll with it (verifies, allowed upstream, pinned key); else EnrollError."""
    code = parse_enroll_code(text)
    db = connect(config.db_path)
    try:
        migrate(db)
        check_trust(code, config.upstream.allowed_urls, pinned_key(config, db))
    finally:
        db.close()
    return code


def enroll(config: Config, text: str, name: str | None = None, session=None, *, replace: bool = False) -> Enrollment:
    """Register this device with the upstream of the code; store key file and enrollment.

    An enrolled device is enrolled again only with `replace=True` (a technician confirmed it)."""

    code = vet_code(config, text)
    current = current_enrollment(config)
    if current is not None and not replace:
        raise EnrollError(f"this device is enrolled already (store {current.store_id}, {current.upstream_url}):"
                          " enrolling it again needs a technician's confirmation on its screen")
    key = generate_key()
    public = public_key_text(key)
    fingerprint = hashlib.sha256(b64d(public)).hexdigest()[:16]
    key_file = config.data_dir / "keys" / f"{fingerprint}.key"
    save_private_key(key, key_file)
    body = {"token": code.token, "public_key": public, "name": name or config.device.name,
            "ticket_prefix": config.device.ticket_prefix}
    session = session or new_session()
    try:
        response = session.post(f"{code.upstream_url}/v1/enroll", data=json.dumps(body),
                                headers={"Content-Type": "application/json"}, timeout=ENROLL_TIMEOUT,
                                allow_redirects=False)
    except requests.RequestException as exc:
        key_file.unlink(missing_ok=True)
        raise EnrollError(f"cannot reach upstream {code.upstream_url}: {exc}") from None
    if response.status_code not in (200, 201):
        key_file.unlink(missing_ok=True)
        raise EnrollError(f"enrollment refused: {error_from(response)}")
    try:
        answer = response.json()
        fields = (answer["device_id"], answer["store_id"], answer["role"])
    except (ValueError, KeyError, TypeError):
        key_file.unlink(missing_ok=True)
        raise EnrollError(f"upstream {code.upstream_url} answered the enrollment with no device: refused") from None
    if not all(isinstance(f, str) for f in fields) or answer.get("upstream_key") != code.upstream_key:
        key_file.unlink(missing_ok=True)
        raise EnrollError(f"upstream {code.upstream_url} does not hold the key that signed the code: refused")
    enrollment = Enrollment(device_id=fields[0], store_id=fields[1], role=fields[2],
                            upstream_url=code.upstream_url, key_file=str(key_file), public_key=public,
                            enrolled_wall_ms=now_ms(), status="enrolled", reason=None)
    db = connect(config.db_path)
    try:
        migrate(db)
        save_enrollment(db, enrollment)
        put_state(db, **{PIN_STATE: code.upstream_key})
    finally:
        db.close()
    return enrollment


def current_enrollment(config: Config) -> Enrollment | None:
    db = connect(config.db_path)
    try:
        migrate(db)
        return load_enrollment(db)
    finally:
        db.close()


def key_file_ok(path: str) -> bool:
    p = Path(path)
    return p.exists() and (p.stat().st_mode & 0o077) == 0
