"""What a printer sends back to ESC/POS status queries (pure), for a given fault state.

A printer with paper and no fault: `DLE EOT 1` -> 0x16 (online), `DLE EOT 2/3/4` -> 0x12
(cover closed, no error, paper present), `GS r 1/2/4` and `ESC v` -> 0x00 (paper present,
drawer closed, ink OK), `GS ( H` fn 48 -> 0x37 0x22 d1 d2 d3 d4 NUL (Epson process-id
response, sent once everything before it is printed). With faults (Epson TM layouts):

    fault       DLE EOT 1   DLE EOT 2          DLE EOT 4           GS r 1
    paper-out   0x1E        0x32 (paper end)   0x7E (near end+out)  0x0F
    cover-open  0x1E        0x16 (cover open)  0x12                 0x00
    offline     0x1E        0x12               0x12                 0x00
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.printer_sim.escpos_commands import DLE, EOT, ESC, GS

DLE_EOT_REPLIES = {1: 0x16, 2: 0x12, 3: 0x12, 4: 0x12}
GS_R_QUERIES = frozenset({1, 2, 4, 49, 50, 52})


@dataclass(frozen=True)
class FaultState:
    paper_out: bool = False
    cover_open: bool = False
    offline: bool = False

    @property
    def stopped(self) -> bool:
        return self.paper_out or self.cover_open or self.offline


HEALTHY = FaultState()


def is_realtime(unit: bytes) -> bool:
    """DLE EOT / DLE ENQ / DLE DC4: answered at once, even while printing is stopped."""
    return len(unit) >= 2 and unit[0] == DLE


def _dle_eot(n: int, state: FaultState) -> int:
    byte = DLE_EOT_REPLIES[n]
    if n == 1 and state.stopped:
        byte |= 0x08
    elif n == 2:
        byte |= (0x04 if state.cover_open else 0) | (0x20 if state.paper_out else 0)
    elif n == 4 and state.paper_out:
        byte |= 0x6C
    return byte


def status_reply(unit: bytes, state: FaultState = HEALTHY) -> bytes | None:
    """The reply to the complete command `unit`, or None when it asks for nothing."""
    if unit[:2] == bytes((ESC, ord("v"))):
        return b"\x0f" if state.paper_out else b"\x00"
    if len(unit) < 3:
        return None
    key = (unit[0], unit[1])
    if key == (DLE, EOT) and unit[2] in DLE_EOT_REPLIES:
        return bytes((_dle_eot(unit[2], state),))
    if key == (GS, ord("r")) and unit[2] in GS_R_QUERIES:
        return b"\x0f" if state.paper_out and unit[2] in (1, 49) else b"\x00"
    if key == (GS, ord("(")) and unit[2] == ord("H") and unit[5:7] == b"00" and len(unit) >= 11:
        return b"\x37\x22" + unit[7:11] + b"\x00"
    return None
