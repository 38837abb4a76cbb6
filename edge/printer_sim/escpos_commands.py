"""How many bytes each ESC/POS command occupies, for decoding a byte stream (pure).

`measure(buf, pos)` looks at the command starting at `buf[pos]` (ESC, GS, FS or DLE) and says
how long it is: `Measured(length, bulk, known)`. `length` bytes are the command and its
parameters (buffered by the decoder, at most 3 + 65535 bytes); `bulk` more bytes of image data
follow and can be skipped as they arrive without being buffered (raster images can be large).
`None` means the buffer ends before the length is known or before the command is complete.

Unknown ESC/GS/FS commands count as the command byte plus one parameter, unless that byte is
ESC/GS/FS/DLE (`known=False`, the decoder records a warning); a DLE not followed by
EOT/ENQ/DC4 is a lone control byte. A misread parameter must never make the decoder buffer
more than 64 KiB: declared lengths above that are image data, skipped as it arrives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
EOT, ENQ, DC4 = 0x04, 0x05, 0x14
PREFIXES = frozenset({ESC, GS, FS, DLE})
NAMES = {ESC: "ESC", GS: "GS", FS: "FS", DLE: "DLE"}
MAX_TERMINATED = 256  # NUL-terminated parameters (barcode data, tab stops) longer than this end there


class Measured(NamedTuple):
    length: int
    bulk: int = 0
    known: bool = True


# Parameter bytes after prefix + command byte, for fixed-length commands.
FIXED: dict[tuple[int, int], int] = {
    **{(ESC, ord(c)): n for c, n in {
        "@": 0, "!": 1, "E": 1, "-": 1, "a": 1, "d": 1, "J": 1, "B": 2, "p": 3, "t": 1, "R": 1,
        "M": 1, "G": 1, "2": 0, "3": 1, " ": 1, "$": 2, "\\": 2, "{": 1, "V": 1, "r": 1, "=": 1,
        "%": 1, "?": 1, "e": 1, "i": 0, "m": 0, "L": 0, "S": 0, "T": 1, "W": 8, "U": 1, "<": 0,
        "c": 2, "u": 1, "v": 0,
    }.items()},
    **{(GS, ord(c)): n for c, n in {
        "!": 1, "B": 1, "r": 1, "L": 2, "W": 2, "H": 1, "h": 1, "w": 1, "f": 1, "a": 1, "I": 1,
        "P": 2, "$": 2, "\\": 2, "^": 3, ":": 0, "b": 1, "T": 1, "/": 1, "E": 1, "g": 4, "Q": 1,
        "j": 1, "c": 0, "Z": 1,
    }.items()},
    **{(FS, ord(c)): n for c, n in {
        "&": 0, ".": 0, "!": 1, "C": 1, "W": 1, "-": 1, "S": 2, "?": 2, "p": 2, "2": 74, "r": 1,
    }.items()},
    (DLE, ENQ): 1,
}


def _paren(buf: bytes, p: int) -> Measured | None:  # ESC/GS/FS ( fn pL pH data
    if len(buf) < p + 3:
        return None
    return Measured(2 + 3 + buf[p + 1] + 256 * buf[p + 2])


def _raster(buf: bytes, p: int) -> Measured | None:  # GS v 0 m xL xH yL yH data
    if len(buf) < p + 6:
        return None
    if buf[p] not in (0x00, 0x30):
        return Measured(3, known=False)
    x, y = buf[p + 2] + 256 * buf[p + 3], buf[p + 4] + 256 * buf[p + 5]
    return Measured(2 + 6, bulk=x * y)


def _bit_image(buf: bytes, p: int) -> Measured | None:  # ESC * m nL nH data
    if len(buf) < p + 3:
        return None
    dots = buf[p + 1] + 256 * buf[p + 2]
    return Measured(2 + 3, bulk=dots * (3 if buf[p] in (32, 33) else 1))


def _downloaded_image(buf: bytes, p: int) -> Measured | None:  # GS * x y data (x*y*8 bytes)
    if len(buf) < p + 2:
        return None
    return Measured(2 + 2, bulk=buf[p] * buf[p + 1] * 8)


def _graphics_long(buf: bytes, p: int) -> Measured | None:  # GS 8 L p1 p2 p3 p4 data
    if len(buf) < p + 5:
        return None
    if buf[p] != ord("L"):
        return Measured(3, known=False)
    return Measured(2 + 5, bulk=int.from_bytes(bytes(buf[p + 1:p + 5]), "little"))


def _terminated(buf: bytes, p: int, start: int) -> Measured | None:
    end = bytes(buf[start:start + MAX_TERMINATED]).find(b"\x00")
    if end >= 0:
        return Measured(start - p + 2 + end + 1)
    if len(buf) - start >= MAX_TERMINATED:
        return Measured(start - p + 2 + MAX_TERMINATED)
    return None


def _barcode(buf: bytes, p: int) -> Measured | None:  # GS k m d... NUL  |  GS k m n d1..dn
    if len(buf) < p + 1:
        return None
    if buf[p] <= 6:
        return _terminated(buf, p, p + 1)
    if len(buf) < p + 2:
        return None
    return Measured(2 + 2 + buf[p + 1])


def _cut(buf: bytes, p: int) -> Measured | None:  # GS V m [n]
    if len(buf) < p + 1:
        return None
    return Measured(2 + (2 if buf[p] in (65, 66, 97, 98, 103, 104) else 1))


def _user_chars(buf: bytes, p: int) -> Measured | None:  # ESC & y c1 c2 [x d1..d(y*x)]...
    if len(buf) < p + 3:
        return None
    y, c1, c2 = buf[p], buf[p + 1], buf[p + 2]
    if y > 3 or not 32 <= c1 <= c2 <= 126:  # outside what any printer accepts: not buffered
        return Measured(3, known=False)
    q = p + 3
    for _ in range(c2 - c1 + 1):
        if len(buf) <= q:
            return None
        q += 1 + y * buf[q]
    return Measured(2 + q - p) if len(buf) >= q else None


def _realtime_status(buf: bytes, p: int) -> Measured | None:  # DLE EOT n [a]
    if len(buf) < p + 1:
        return None
    return Measured(2 + (2 if buf[p] in (7, 8) else 1))


def _realtime_request(buf: bytes, p: int) -> Measured | None:  # DLE DC4 fn ...
    if len(buf) < p + 1:
        return None
    return Measured(2 + 1 + {1: 2, 2: 2, 3: 5, 7: 1, 8: 7}.get(buf[p], 2))


VARIABLE: dict[tuple[int, int], Callable[[bytes, int], Measured | None]] = {
    (ESC, ord("(")): _paren, (GS, ord("(")): _paren, (FS, ord("(")): _paren,
    (ESC, ord("*")): _bit_image, (ESC, ord("&")): _user_chars,
    (ESC, ord("D")): lambda buf, p: _terminated(buf, p, p),
    (GS, ord("v")): _raster, (GS, ord("*")): _downloaded_image, (GS, ord("8")): _graphics_long,
    (GS, ord("k")): _barcode, (GS, ord("V")): _cut,
    (DLE, EOT): _realtime_status, (DLE, DC4): _realtime_request,
}


def measure(buf: bytes, pos: int) -> Measured | None:
    """The size of the command at `buf[pos]`; None when more bytes are needed to know it."""
    prefix = buf[pos]
    if len(buf) < pos + 2:
        return None
    key = (prefix, buf[pos + 1])
    if key in FIXED:
        length = 2 + FIXED[key]
        return Measured(length) if len(buf) >= pos + length else None
    if key in VARIABLE:
        measured = VARIABLE[key](buf, pos + 2)
        if measured is None or len(buf) < pos + measured.length:
            return None
        return measured
    if prefix == DLE:
        return Measured(1)
    if len(buf) < pos + 3:
        return None
    # skip one parameter byte, unless it starts the next command
    return Measured(2 if buf[pos + 2] in PREFIXES else 3, known=False)


def describe(unit: bytes) -> str:
    """'ESC 0x51' style name of a command, for warnings."""
    name = NAMES.get(unit[0], f"0x{unit[0]:02X}")
    return f"{name} 0x{unit[1]:02X}" if len(unit) > 1 else name
