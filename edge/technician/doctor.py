"""`edge doctor` and GET /v1/doctor: every check, one line each, OK or the problem and its fix.

    run_doctor(config, status)   status: the core's GET /v1/status, or None (core not running)

The CLI asks the running core for its status first (`core_status`); the core's own endpoint
passes `service.status()`. Either way the same functions judge the same facts. A check that
crashes becomes a failed check naming the error, never a crash of the doctor.
"""

from __future__ import annotations

import time

from edge.config import Config
from edge.technician import checks, devices
from edge.technician.checks import Check, Facts
from edge.technician.settings import SettingsError, merged, read_settings, settings_path, with_settings

STATUS_TIMEOUT = (1.0, 5.0)


def core_status(core_url: str) -> dict | None:
    """The running core's GET /v1/status, or None when no core answers."""
    import requests

    try:
        answer = requests.get(core_url.rstrip("/") + "/v1/status", timeout=STATUS_TIMEOUT)
        return answer.json() if answer.status_code == 200 else None
    except (requests.RequestException, ValueError):
        return None


def settings_check(config: Config) -> Check:
    path = settings_path(config)
    if not path.exists():
        return Check("settings", True, f"config {config.source or 'defaults'}; no screen settings")
    try:
        merged(config, read_settings(config))
    except SettingsError as error:
        return Check("settings", False, f"{path} is ignored: {error}",
                     f"set the values again on the technician screen, or delete {path}")
    return Check("settings", True, f"config {config.source or 'defaults'} + screen settings {path}")


def _guarded(name: str, fn, *args) -> list[Check]:
    try:
        result = fn(*args)
    except Exception as error:  # a broken check is a finding, not a crash
        return [Check(name, False, f"the check itself failed: {type(error).__name__}: {error}",
                      "send `edge logs export` to support")]
    return result if isinstance(result, list) else [result]


def run_doctor(config: Config, status: dict | None, min_free_mib: int | None = None) -> list[Check]:
    effective = with_settings(config)
    technician = getattr(config, "technician", None)
    free = min_free_mib if min_free_mib is not None else getattr(technician, "min_free_mib", 256)
    db = checks.open_read_only(config.db_path)
    facts = Facts(effective, status, db, time.time_ns() // 1_000_000)
    try:
        found: list[Check] = []
        for name, fn, *args in (("core", checks.core), ("settings", lambda f: settings_check(config)),
                                ("database", checks.database), ("disk", checks.disk, free),
                                ("clock", checks.clock), ("enrollment", checks.enrollment),
                                ("upstream", checks.upstream), ("sync queue", checks.sync_queue),
                                ("print queue", checks.print_queue), ("printers", devices.printers),
                                ("camera", devices.camera), ("decoders", devices.decoders)):
            found += _guarded(name, fn, facts, *args)
        return found
    finally:
        if db is not None:
            db.close()


def format_line(check: Check) -> str:
    """`OK       name: detail` or `PROBLEM  name: detail  -> fix: …` (one line)."""
    if check.ok:
        return f"OK       {check.name}: {check.detail}"
    return f"PROBLEM  {check.name}: {check.detail}" + (f"  -> fix: {check.fix}" if check.fix else "")
