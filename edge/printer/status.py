"""Reading a printer's status replies (pure): tri-state ok / problem / unknown.

Before each job the spool asks `DLE EOT 1, 2, 3, 4` (real-time: answered at once, even while
the printer is stopped) and reads four one-byte replies. Every DLE EOT reply has the fixed bit
pattern 0xx1xx10 (bits 1 and 4 set, bits 0 and 7 clear); a byte without it is garbage. So:

- four well-formed replies, no fault bit        -> ok (a paper-near-end bit is a warning)
- four well-formed replies with a fault bit     -> problem: paper out, cover open, offline, error
- no reply, too few, or a malformed byte        -> unknown. Never "ok": silence is not paper.

Completion: the job ends with `GS r 1` (paper sensor status), which the printer answers only
after everything before it was processed: a well-formed reply (bits 4 and 7 clear) means the
job went through. Its bits 2-3 say paper end: the job may have stopped part-way. Epson's
`GS ( H` process-id response (`37 22 d1 d2 d3 d4 00`) is the alternative (profile `confirm`).
A DLE EOT reply can be told from a GS r reply by bit 4, so status polls and the completion
reply can share one connection.
"""

from __future__ import annotations

from dataclasses import dataclass

DLE_EOT = b"\x10\x04"
STATUS_QUERIES = (1, 2, 3, 4)
STATUS_REQUEST = b"".join(DLE_EOT + bytes((n,)) for n in STATUS_QUERIES)
CONFIRM_GS_R = b"\x1dr\x01"
OK, PROBLEM, UNKNOWN = "ok", "problem", "unknown"


def is_dle_eot_reply(byte: int) -> bool:
    return byte & 0x93 == 0x12


def is_gs_r_reply(byte: int) -> bool:
    return byte & 0x90 == 0x00


@dataclass(frozen=True)
class PrinterStatus:
    state: str  # ok | problem | unknown
    detail: str = ""
    raw: bytes = b""
    warning: str = ""

    @property
    def ok(self) -> bool:
        return self.state == OK


def parse_status(replies: bytes) -> PrinterStatus:
    """The status from the replies to `STATUS_REQUEST` (in order)."""
    expected = len(STATUS_QUERIES)
    if not replies:
        return PrinterStatus(UNKNOWN, "no reply to the status query (DLE EOT)")
    bad = [b for b in replies[:expected] if not is_dle_eot_reply(b)]
    if bad or len(replies) != expected:
        what = f"malformed status byte 0x{bad[0]:02X}" if bad else \
            f"{len(replies)} status bytes instead of {expected}"
        return PrinterStatus(UNKNOWN, f"{what}: the status is not known", bytes(replies))
    printer, offline_cause, error_cause, paper = replies
    problems = []
    if paper & 0x60:
        problems.append("paper out")
    if offline_cause & 0x04:
        problems.append("cover open")
    if error_cause & 0x08:
        problems.append("cutter error")
    if error_cause & 0x20:
        problems.append("unrecoverable error (switch the printer off and on)")
    if error_cause & 0x40:
        problems.append("overheated or voltage error (recovers by itself)")
    if offline_cause & 0x40 and not problems:
        problems.append("error")
    if printer & 0x08 and not problems:
        problems.append("offline")
    warning = "paper near end" if paper & 0x0C else ""
    if problems:
        return PrinterStatus(PROBLEM, ", ".join(problems), bytes(replies), warning)
    return PrinterStatus(OK, warning or "ready", bytes(replies), warning)


def confirm_request(method: str, job_number: int) -> bytes:
    """The bytes that follow a job to ask for its completion."""
    if method == "gs_paren_h":
        return b"\x1d(H\x06\x00\x30\x30" + f"{job_number % 10000:04d}".encode("ascii")
    return CONFIRM_GS_R


def confirm_reply(method: str, job_number: int) -> bytes | None:
    """For `gs_paren_h`: the exact reply that confirms this job; None for `gs_r` (one byte)."""
    if method == "gs_paren_h":
        return b"\x37\x22" + f"{job_number % 10000:04d}".encode("ascii") + b"\x00"
    return None
