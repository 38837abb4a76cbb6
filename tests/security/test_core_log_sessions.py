"""Session tokens never leave the device in a support bundle (`edge logs export`): the values of
X-Staff-Session / X-Technician-Session and bare tokens, wherever a log wrote them, are masked.

The tokens are real ones: a cashier and a technician log in over HTTP to a core on 127.0.0.1."""

from __future__ import annotations

import gzip
import io
import tarfile

import requests

from edge.technician.bundle import export_bundle
from edge.technician.redact import Redactor
from tests.cashier.helpers import CASHIER, Served, open_service

TECH_PIN = "305917"


def bundle_bytes(path) -> bytes:
    raw = path.read_bytes()
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
        return gzip.decompress(raw) + b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())


def test_session_tokens_from_real_logins_are_masked_in_the_support_bundle(tmp_path):
    core = Served(open_service(tmp_path / "core", start=False))
    try:
        core.service.technician.auth.set_pin(TECH_PIN)
        staff = requests.post(core.url + "/v1/cashier/login", json={"staff_id": CASHIER[0], "pin": CASHIER[3]},
                              timeout=30).json()["session"]
        tech = requests.post(core.url + "/v1/technician/login", json={"pin": TECH_PIN}, timeout=30).json()["session"]
        config = core.service.config
    finally:
        core.close()
    logs = config.data_dir / "logs"
    logs.mkdir(exist_ok=True)
    (logs / "core.log").write_text(
        f"DEBUG POST /v1/cashier/orders/x/void X-Staff-Session: {staff}\n"
        f"DEBUG headers {{'X-Staff-Session': '{staff}', 'Content-Type': 'application/json'}}\n"
        f'DEBUG answer {{"session": "{tech}", "ok": true}}\n'
        f"DEBUG X-Technician-Session={tech} settings saved\n"
        f"WARNING unknown session {staff} (expired)\n"
        f"INFO technician session {tech}\n"
        "INFO [technician] session_minutes = 15\n", encoding="utf-8")
    journal = (f"Dec 04 matou-core[1]: staff session {staff} closed\n"
               f"Dec 04 matou-core[1]: X-Technician-Session: {tech}\n")
    result = export_bundle(config, tmp_path / "out" / "bundle.tar.gz", journal=lambda: journal)
    everything = bundle_bytes(tmp_path / "out" / "bundle.tar.gz")
    for token in (staff, tech):
        assert token.encode() not in everything
    assert b"session_minutes = 15" in everything and b"settings saved" in everything
    assert result["redacted"]["session tokens"] >= 3


def test_words_that_are_not_tokens_stay_readable():
    redactor = Redactor()
    text = ("order 3f5kq2vx7m4n2bj6xw5q2kdy3a, 43 chars of one case: the_lockout_counts_each_guess_before_a_hash\n"
            "sessions: 2 open, session_minutes = 15")
    assert redactor.text(text) == text and redactor.counts["session tokens"] == 0
