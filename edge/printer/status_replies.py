"""What a printer sends back to ESC/POS status queries (pure).

For now the answers of a printer that is online, has paper and no fault:
`DLE EOT 1` -> 0x16 (online), `DLE EOT 2/3/4` -> 0x12 (cover closed, no error, paper present),
`GS r 1/2/4` and `ESC v` -> 0x00 (paper present, drawer closed, ink OK),
`GS ( H` fn 48 -> 0x37 0x22 d1 d2 d3 d4 NUL (Epson process-id response, sent once everything
before it is printed). Paper-out, cover-open and offline answers come with the simulator's
fault modes.
"""

from __future__ import annotations

from edge.printer.escpos_commands import DLE, EOT, ESC, GS

DLE_EOT_REPLIES = {1: 0x16, 2: 0x12, 3: 0x12, 4: 0x12}
GS_R_QUERIES = frozenset({1, 2, 4, 49, 50, 52})


def status_reply(unit: bytes) -> bytes | None:
    """The reply to the complete command `unit`, or None when it asks for nothing."""
    if unit[:2] == bytes((ESC, ord("v"))):
        return b"\x00"
    if len(unit) < 3:
        return None
    key = (unit[0], unit[1])
    if key == (DLE, EOT) and unit[2] in DLE_EOT_REPLIES:
        return bytes((DLE_EOT_REPLIES[unit[2]],))
    if key == (GS, ord("r")) and unit[2] in GS_R_QUERIES:
        return b"\x00"
    if key == (GS, ord("(")) and unit[2] == ord("H") and unit[5:7] == b"00" and len(unit) >= 11:
        return b"\x37\x22" + unit[7:11] + b"\x00"
    return None

