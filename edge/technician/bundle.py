"""`edge logs export`: a support bundle (tar.gz) that carries no payment code and no key.

Members (every one is text and passes through edge.technician.redact before it is written):

    MANIFEST.txt          what is inside, what was redacted (counts)
    config/edge.toml      the config file as written (secret-looking values redacted)
    config/provisioned.toml   the technician screen's settings, when there are any
    config/effective.json the config the core runs with
    doctor.json           `edge doctor --json`
    db-stats.json         row counts per table, print jobs / outbox by state, file sizes (no rows)
    versions.json         Matou, Python, libraries, SQLite, OS, board
    logs/journal.txt      journalctl for the matou-* units (when systemd's journal has them)
    logs/<name>.log       the last MiB of each log file in <data_dir>/logs (and the demo's logs)

Never read: the key directory (`<data_dir>/keys`), the database's rows, backups.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

from edge.config import Config
from edge.technician.doctor import core_status, run_doctor
from edge.technician.redact import Redactor
from edge.technician.settings import settings_path, with_settings

UNITS = ("matou-core", "matou-kiosk", "matou-kiosk-web", "matou-ui-web", "matou-backup")
LOG_TAIL_BYTES = 1024 * 1024
MAX_LOG_FILES = 20
PACKAGES = ("matou-edge", "textual", "fastapi", "uvicorn", "requests", "sqlite-utils", "python-escpos", "zxing-cpp",
            "opencv-python-headless", "pyzbar", "cryptography", "rich", "click")


def journal_text(lines: int = 5000) -> str | None:
    """journalctl for the matou units, or None without a journal that has them."""
    if not shutil.which("journalctl"):
        return None
    args = ["journalctl", "--no-pager", "-o", "short-iso", "-n", str(lines), "--since", "-3days"]
    for unit in UNITS:
        args += ["-u", unit]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    text = done.stdout.strip()
    if done.returncode != 0 or not text or text.startswith("-- No entries --"):
        return None
    return done.stdout


def _tail(path: Path, size: int = LOG_TAIL_BYTES) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        length = handle.tell()
        handle.seek(max(0, length - size))
        data = handle.read()
    return (b"[... earlier lines cut ...]\n" + data) if length > size else data


def log_files(config: Config) -> list[Path]:
    dirs = [config.data_dir / "logs"]
    if config.source and Path(config.source).is_file():
        dirs.append(Path(config.source).parent / "logs")
    found: list[Path] = []
    for folder in dict.fromkeys(d.resolve() for d in dirs if d.is_dir()):
        found += sorted(p for p in folder.iterdir() if p.is_file() and ".log" in p.name and "keys" not in p.parts)
    return found[:MAX_LOG_FILES]


def db_stats(db_path: Path) -> dict:
    """Counts, never contents."""
    files = {p.name: p.stat().st_size for p in (db_path, db_path.with_name(db_path.name + "-wal"))
             if p.is_file()}
    if not db_path.is_file():
        return {"files": files, "tables": []}
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        counts = [{"table": t, "rows": conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]} for t in tables]

        def grouped(sql: str) -> list[dict]:
            try:
                return [{"state": s, "count": n} for s, n in conn.execute(sql)]
            except sqlite3.OperationalError:
                return []

        return {"files": files, "tables": counts,
                "print_jobs_by_state": grouped("SELECT state, count(*) FROM print_jobs GROUP BY state"),
                "outbox": grouped("SELECT CASE WHEN synced_at IS NULL THEN 'unsynced' ELSE 'synced' END, count(*)"
                                  " FROM outbox GROUP BY 1"),
                "pragmas": {p: conn.execute(f"PRAGMA {p}").fetchone()[0]
                            for p in ("page_size", "page_count", "freelist_count", "journal_mode", "user_version")}}
    finally:
        conn.close()


def versions() -> dict:
    from importlib import metadata

    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    os_release = {}
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            key, _, value = line.partition("=")
            if key in ("PRETTY_NAME", "VERSION_ID", "ID"):
                os_release[key] = value.strip('"')
    except OSError:
        pass
    try:
        board = Path("/proc/device-tree/model").read_bytes().rstrip(b"\0").decode("ascii", "replace")
    except OSError:
        board = None
    return {"python": platform.python_version(), "platform": platform.platform(), "machine": platform.machine(),
            "sqlite": sqlite3.sqlite_version, "packages": packages, "os": os_release, "board": board}


def _effective(config: Config) -> dict:
    doc = dataclasses.asdict(config)
    doc["data_dir"], doc["db_path"], doc["core_url"] = str(config.data_dir), str(config.db_path), config.core_url
    return doc


def export_bundle(config: Config, out: Path, doctor: list[dict] | None = None,
                  journal: Callable[[], str | None] = journal_text) -> dict:
    """Write the bundle to `out` (mode 0600); returns {"path", "members", "redacted"}."""
    redactor = Redactor()
    members: list[tuple[str, bytes]] = []

    def add(name: str, data: bytes | str) -> None:
        text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
        members.append((name, redactor.text(text).encode("utf-8")))

    def add_json(name: str, doc: object) -> None:
        add(name, json.dumps(doc, ensure_ascii=False, indent=2, default=str))

    if config.source and Path(config.source).is_file():
        add("config/edge.toml", Path(config.source).read_bytes())
    if settings_path(config).is_file():
        add("config/provisioned.toml", settings_path(config).read_bytes())
    add_json("config/effective.json", _effective(with_settings(config)))
    if doctor is None:
        doctor = [c.to_json() for c in run_doctor(config, core_status(config.core_url))]
    add_json("doctor.json", doctor)
    try:
        add_json("db-stats.json", db_stats(config.db_path))
    except sqlite3.Error as error:
        add_json("db-stats.json", {"error": str(error)})
    add_json("versions.json", versions())
    text = journal()
    if text:
        add("logs/journal.txt", text)
    for path in log_files(config):
        add(f"logs/{path.parent.name}-{path.name}", _tail(path))
    names = [name for name, _ in members]
    manifest = (f"Matou support bundle, device {config.device.name}, made {time.strftime('%Y-%m-%d %H:%M:%S %z')}\n"
                "Payment codes (16+ digit runs), secret fields, PEM blocks, URL credentials and signed codes are "
                "redacted; the key directory and database rows are never read.\n"
                f"redacted: {json.dumps(redactor.counts)}\n\n" + "\n".join(names) + "\n")
    members.insert(0, ("MANIFEST.txt", Redactor().text(manifest).encode("utf-8")))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        stamp = time.time()
        for name, data in members:
            info = tarfile.TarInfo(f"matou-support/{name}")
            info.size, info.mtime, info.mode = len(data), stamp, 0o600
            tar.addfile(info, io.BytesIO(data))
    os.replace(partial, out)
    return {"path": str(out), "members": ["MANIFEST.txt", *names], "redacted": dict(redactor.counts)}
