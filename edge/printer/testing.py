"""`edge print-test` on a printer the core does not own (or with no core running): one
connection, the status, the test page, its confirmation. Says what happened, never guesses:
no status reply is "unknown", no confirmation is "sent, not confirmed"."""

from __future__ import annotations

import time

from edge.printer.errors import PrinterUnreachable
from edge.printer.status import (CONFIRM_GS_R, PROBLEM, STATUS_REQUEST, PrinterStatus, is_gs_r_reply,
                                 parse_status)
from edge.printer.testpage import render_test_page
from edge.printer.transports.base import Transport
from edge.printer_profiles import DEFAULT_PROFILE, get_profile
from edge.printer_urls import parse_printer_url


def _status(conn, timeout: float) -> PrinterStatus:
    conn.drain(0.005)
    if not conn.can_read:
        return parse_status(b"")
    conn.write(STATUS_REQUEST)
    replies, deadline = b"", time.monotonic() + timeout
    while len(replies) < 4 and time.monotonic() < deadline:
        replies += conn.read(deadline - time.monotonic())
    return parse_status(replies)


def print_test_direct(url: str, profile_name: str | None = None, timeout: float = 4.0) -> dict:
    """ValueError for a bad url or profile; otherwise a report (never raises for the printer)."""
    address = parse_printer_url(url)
    profile = get_profile(profile_name or DEFAULT_PROFILE)
    payload = render_test_page(profile, url, time.strftime("%Y-%m-%d %H:%M:%S"))
    report = {"url": url, "profile": profile.name, "via": "direct"}
    try:
        with Transport(address, timeout).open() as conn:
            status = _status(conn, 1.0)
            report["status"] = {"state": status.state, "detail": status.detail}
            if status.state == PROBLEM:
                return {**report, "outcome": f"not printed: {status.detail}"}
            conn.write(payload + CONFIRM_GS_R)
            deadline = time.monotonic() + timeout + len(payload) / 4000
            while time.monotonic() < deadline:
                data = conn.read(deadline - time.monotonic())
                if any(is_gs_r_reply(b) for b in data):
                    return {**report, "outcome": "printed"}
            return {**report, "outcome": "sent, not confirmed (the printer did not answer GS r 1)"}
    except PrinterUnreachable as error:
        return {**report, "status": {"state": PROBLEM, "detail": f"unreachable: {error}"},
                "outcome": f"not printed: {error}"}
