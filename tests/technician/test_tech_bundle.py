"""`edge logs export`: the support bundle has config, doctor, logs, DB counts and versions — and
not one byte of a payment code or a key, wherever they were planted."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tarfile

from edge.config import load_config
from edge.core.service import EdgeService
from edge.technician.bundle import export_bundle
from tests.support import free_port
from tests.technician.helpers import write_config

ALIPAY, WECHAT, UNIONPAY = "28456789012345678912", "134567890123456789", "6212345678901234567"
KEY_MARK = "MC4CAQAwBQYDK2VwBCIEIKEYMARKERxq7"


def plant(tmp_path):
    """A device whose logs, config comments, journal and database hold payment codes, and a key."""
    config_path = write_config(tmp_path / "dev", f"# tested with {ALIPAY}\n[core]\nport = {free_port()}\n")
    config = load_config(config_path, environ={})
    service = EdgeService(config).open(start_printing=False)
    with service.db.atomic():
        service.db["device_state"].insert({"key": "planted", "value": f"code {WECHAT}"})
    service.close()
    keys = config.data_dir / "keys"
    keys.mkdir(parents=True)
    (keys / "0123abcd.key").write_text(f"-----BEGIN PRIVATE KEY-----\n{KEY_MARK}\n-----END PRIVATE KEY-----\n")
    logs = config.data_dir / "logs"
    logs.mkdir()
    (logs / "core.log").write_text(f"INFO scan {ALIPAY}\nERROR pay failed for {UNIONPAY} (retry)\n"
                                   f"DEBUG grouped 6212 3456 7890 1234 567\nkey file {keys / '0123abcd.key'}\n"
                                   f"-----BEGIN PRIVATE KEY-----\n{KEY_MARK}\n-----END PRIVATE KEY-----\n")
    demo_logs = config_path.parent / "logs"
    demo_logs.mkdir()
    (demo_logs / "kiosk.log").write_text(f"wedge text {WECHAT}\n")
    return config_path, config


def contents(path) -> tuple[bytes, dict[str, bytes]]:
    raw = path.read_bytes()
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
        members = {m.name.split("/", 1)[1]: tar.extractfile(m).read() for m in tar.getmembers()}
    return raw, members


def assert_clean(raw: bytes, members: dict[str, bytes]) -> None:
    everything = gzip.decompress(raw) + raw + b"".join(members.values())
    for needle in (ALIPAY, WECHAT, UNIONPAY, "6212 3456 7890 1234 567", KEY_MARK, "BEGIN PRIVATE KEY"):
        assert needle.encode() not in everything, needle


def test_the_bundle_carries_no_payment_code_and_no_key(tmp_path):
    _, config = plant(tmp_path)
    journal = f"Nov 25 matou-core[1]: paid with {ALIPAY}\nNov 25 matou-core[1]: X-Matou-Signature: abc\n"
    result = export_bundle(config, tmp_path / "out" / "bundle.tar.gz", journal=lambda: journal)
    raw, members = contents(tmp_path / "out" / "bundle.tar.gz")
    assert_clean(raw, members)
    assert oct(os.stat(tmp_path / "out" / "bundle.tar.gz").st_mode & 0o777) == "0o600"
    assert {"MANIFEST.txt", "config/edge.toml", "config/effective.json", "doctor.json", "db-stats.json",
            "versions.json", "logs/journal.txt", "logs/logs-core.log", "logs/logs-kiosk.log"} <= set(members)
    assert not any("keys" in name for name in members)
    assert b"[digits redacted]" in members["logs/logs-core.log"] and b"pay failed for" in members["logs/logs-core.log"]
    doctor = json.loads(members["doctor.json"])
    assert {"name", "ok", "detail", "fix"} == set(doctor[0]) and any(c["name"] == "database" for c in doctor)
    stats = json.loads(members["db-stats.json"])
    assert {"table": "device_state", "rows": 2} in stats["tables"] or \
        any(t["table"] == "device_state" and t["rows"] >= 1 for t in stats["tables"])
    assert json.loads(members["versions.json"])["packages"]["textual"]
    assert result["redacted"]["digit runs"] >= 4 and result["redacted"]["pem blocks"] == 1


def test_edge_logs_export_cli_writes_the_bundle(tmp_path):
    config_path, _ = plant(tmp_path)
    out = tmp_path / "support.tar.gz"
    done = subprocess.run([sys.executable, "-m", "edge.technician.cli", "logs", "export", "--config",
                           str(config_path), "--out", str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}" in done.stdout and "digit runs" in done.stdout
    assert_clean(*contents(out))
