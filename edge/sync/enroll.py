"""Enrollment, the device side: the technician shows the device a one-time code (QR) made by
`edge-upstream enroll-token` (its format: edge/protocol/enroll_code.py); the device makes its
own Ed25519 key pair and registers the public key. The private key is a 0600 file
`<data_dir>/keys/<fingerprint>.key` (never in the database, so database copies made for
support never carry it); the enrollment record (device id, store, role, upstream URL, key
file) is the `sync_enrollment` row.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import requests

from edge.config import Config
from edge.ledger.db import connect
from edge.ledger.migrations import migrate
from edge.protocol.enroll_code import EnrollError, parse_enroll_code
from edge.protocol.signing import b64d, generate_key, public_key_text, save_private_key
from edge.sync.upstream_client import error_from, new_session
from edge.sync.state import Enrollment, load_enrollment, now_ms, save_enrollment

ENROLL_TIMEOUT = (3.05, 15.0)


def enroll(config: Config, text: str, name: str | None = None, session=None) -> Enrollment:
    """Register this device with the upstream of the code; store key file and enrollment."""

    code = parse_enroll_code(text)
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
                                headers={"Content-Type": "application/json"}, timeout=ENROLL_TIMEOUT)
    except requests.RequestException as exc:
        key_file.unlink(missing_ok=True)
        raise EnrollError(f"cannot reach upstream {code.upstream_url}: {exc}") from None
    if response.status_code not in (200, 201):
        key_file.unlink(missing_ok=True)
        raise EnrollError(f"enrollment refused: {error_from(response)}")
    answer = response.json()
    enrollment = Enrollment(device_id=answer["device_id"], store_id=answer["store_id"], role=answer["role"],
                            upstream_url=code.upstream_url, key_file=str(key_file), public_key=public,
                            enrolled_wall_ms=now_ms(), status="enrolled", reason=None)
    db = connect(config.db_path)
    try:
        migrate(db)
        save_enrollment(db, enrollment)
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
