"""The doctor's device checks: printers (tri-state status), camera (a frame), decoders.

With a core running they read the core's own view (GET /v1/status): the core owns the devices,
and opening a printer or a camera a second time would disturb it. Without a core they open
them directly: a TCP connect + `DLE EOT` status query per printer, one frame from the camera.
"""

from __future__ import annotations

import threading
import time

from edge.technician.checks import Check, Facts

CAMERA_READ_TIMEOUT_S = 5.0


# -- printers -------------------------------------------------------------------------------------
PRINTER_FIXES = {
    "paper": "load paper (and close the cover)",
    "cover": "close the printer's cover",
    "cutter": "clear the paper jam at the cutter, then switch the printer off and on",
    "refused": "the address answers but not on this port: check the port (9100) or the printer's IP",
    "unreachable": "check power, cable and network (ping the printer's address); `edge print-test --url URL`",
    "unknown": "it did not answer the status query (DLE EOT): is it an ESC/POS printer, and the right port? "
               "`edge print-test --url URL` shows what it does",
}


def _printer_fix(detail: str, state: str) -> str:
    text = detail.lower()
    for word, fix in PRINTER_FIXES.items():
        if word in text:
            return fix
    return PRINTER_FIXES["unknown"] if state == "unknown" else "switch the printer off and on; " \
        + PRINTER_FIXES["unreachable"]


def probe_printer(url: str, timeout: float = 2.0) -> tuple[str, str]:
    """(state, detail) from one connect + DLE EOT 1-4 (ok | problem | unknown)."""
    # lazy, like the camera and decoder checks below: hardware libraries load only when a check runs
    from edge.printer.errors import PrinterUnreachable
    from edge.printer.status import STATUS_REQUEST, parse_status
    from edge.printer.transports.base import Transport

    try:
        with Transport.for_url(url, timeout).open() as conn:
            if not conn.can_read:
                return "unknown", "this connection cannot read replies"
            conn.write(STATUS_REQUEST)
            replies, deadline = b"", time.monotonic() + timeout
            while len(replies) < 4 and time.monotonic() < deadline:
                replies += conn.read(deadline - time.monotonic())
            status = parse_status(replies[:8])
            return status.state, status.detail
    except PrinterUnreachable as error:
        return "problem", f"unreachable: {error}"
    except ValueError as error:
        return "problem", str(error)


def printers(facts: Facts) -> list[Check]:
    configured = facts.config.printers
    if not configured:
        return [Check("printers", False, "no printer configured: kitchen tickets cannot print",
                      "technician mode → 打印机 Printers (LAN scan or address), or add [printers.NAME] to the config")]
    seen = (facts.status or {}).get("printers") or {}
    checks = []
    for name, printer in configured.items():
        if facts.core_up:
            state = seen.get(name) or {}
            kind, detail = state.get("state", "unknown"), state.get("detail") or "not reported by the core"
            if state.get("last_error") and kind != "ok":
                detail = f"{detail} ({state['last_error']})"
            if kind == "unknown" and not state.get("checked_ms"):
                detail = "not checked by the core yet (it asks before each job and when idle)"
        else:
            kind, detail = probe_printer(printer.url, min(printer.timeout, 3.0))
        label = f"printer {name}"
        where = f"{printer.url} ({printer.profile})"
        if kind == "ok":
            checks.append(Check(label, True, f"{detail}: {where}"))
        else:
            checks.append(Check(label, False, f"{kind}: {detail}: {where}", _printer_fix(detail, kind)))
    return checks


# -- camera and decoders -----------------------------------------------------------------------
CAMERA_FIX = ("check the cable and `ls /dev/video*` (CSI camera: `rpicam-hello --list-cameras`), and "
              "[scanner] source in the config; technician mode → 摄像头 Camera shows a live view")


def read_one_frame(spec: str, timeout: float = CAMERA_READ_TIMEOUT_S) -> tuple[bool, str]:
    """Open the camera, read one frame, close it: (ok, what happened). Never hangs past `timeout`."""
    result: list[tuple[bool, str]] = []

    def work() -> None:
        from edge.scanner.sources import open_source

        try:
            source = open_source(spec)
            source.open()
            try:
                frame = source.read()
            finally:
                source.close()
            result.append((True, f"read a {frame.shape[1]}x{frame.shape[0]} frame from {source.name}"))
        except Exception as error:  # SourceLost, SourceEnded, OSError, cv2 errors: say what it was
            result.append((False, f"cannot read a frame from {spec!r}: {error or type(error).__name__}"))

    thread = threading.Thread(target=work, name="doctor-camera", daemon=True)
    thread.start()
    thread.join(timeout)
    return result[0] if result else (False, f"no frame from {spec!r} within {timeout:g} s")


def camera(facts: Facts) -> Check:
    source = facts.config.scanner.source
    if not source:
        return Check("camera", True, "no camera configured: codes come only from keyboard-wedge scanners",
                     "to scan with a camera set [scanner] source (\"0\", \"/dev/video2\", \"picamera\")")
    if facts.core_up:
        scanner = (facts.status or {}).get("scanner") or {}
        state = scanner.get("camera")
        if state == "camera online":
            return Check("camera", True, f"online ({source}): {scanner.get('fps', 0)} fps, "
                                         f"{scanner.get('ms_per_frame', 0)} ms/frame, {scanner.get('scans', 0)} scans")
        return Check("camera", False, f"{state or 'not started'} ({source})", CAMERA_FIX)
    ok, detail = read_one_frame(source)
    return Check("camera", ok, detail, "" if ok else CAMERA_FIX)


def decoders(facts: Facts) -> Check:
    from edge.scanner.decode import zbar_available, zxing_available

    zxing, zbar = zxing_available(), zbar_available()
    if zxing and zbar:
        return Check("decoders", True, "zxing-cpp and zbar (pyzbar) load")
    missing = [name for name, ok in (("zxing-cpp", zxing), ("zbar", zbar)) if not ok]
    fixes = []
    if not zxing:
        fixes.append("reinstall the app (`pip install zxing-cpp` in its venv; 64-bit OS needed)")
    if not zbar:
        fixes.append("`sudo apt-get install --no-install-recommends libzbar0` (libzbar0t64 on Debian 13)")
    return Check("decoders", False, f"{' and '.join(missing)} cannot be loaded: fewer codes are read", "; ".join(fixes))
