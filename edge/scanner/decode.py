"""Barcode decoders: zxing-cpp on every frame, pyzbar (zbar) as a fallback (DESIGN §4).

Only QR codes and Code128 are read: the device's codes are QR (tables, vouchers, pickup,
enrollment, payment) and Code128 (the barcode on a payment screen); reading other symbologies
would only add chances of a false read. zxing-cpp reads most and is fastest; where it found
nothing, zbar gets the frame, then the frame turned ±30° for tilted Code128 (zbar's scan lines
run along the image axes). When the same text comes from a QR and a Code128, the QR is kept.

The libraries (and OpenCV, numpy) load on first use, inside the functions: a machine without
libzbar still decodes with zxing-cpp alone, and importing edge.scanner loads none of them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

log = logging.getLogger(__name__)
ROTATIONS = (30, -30)


class DecoderUnavailable(RuntimeError):
    """Neither zxing-cpp nor pyzbar can be loaded."""


@dataclass(frozen=True)
class Read:
    """One decoded symbol. `text` may be a payment code: never log a Read."""

    text: str
    symbology: str  # "qr" | "code128"
    decoder: str  # "zxing" | "zbar" | "zbar@30" ...

    def __repr__(self) -> str:
        return f"Read(symbology={self.symbology!r}, decoder={self.decoder!r}, chars={len(self.text)})"


@cache
def _zxing():
    try:
        import zxingcpp
    except ImportError:
        return None
    formats = (zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code128)
    return zxingcpp, formats


@cache
def _zbar():
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as error:  # OSError/ImportError: libzbar0 missing
        log.warning("pyzbar unavailable (%s): zbar fallback off; apt-get install libzbar0", type(error).__name__)
        return None
    return pyzbar, pyzbar.ZBarSymbol.QRCODE, pyzbar.ZBarSymbol.CODE128


def zxing_available() -> bool:
    return _zxing() is not None


def zbar_available() -> bool:
    return _zbar() is not None


def to_gray(frame):
    """The luma plane, C-contiguous: BGR/BGRA frames converted, grayscale passed through."""
    import cv2
    import numpy as np

    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[:, :, 0]
    if frame.ndim == 2:  # already luma (e.g. the Y plane of a picamera2 YUV420 buffer)
        return frame if frame.flags.c_contiguous else np.ascontiguousarray(frame)
    return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY if frame.shape[2] == 4 else cv2.COLOR_BGR2GRAY)


def zxing_read(gray) -> list[Read]:
    """zxing-cpp, QR + Code128, text as encoded (no human-readable GS1 rewriting)."""
    lib = _zxing()
    if lib is None:
        return []
    zxingcpp, formats = lib
    found = zxingcpp.read_barcodes(gray, formats=formats, text_mode=zxingcpp.TextMode.Plain)
    return [Read(b.text, "qr" if b.format == zxingcpp.BarcodeFormat.QRCode else "code128", "zxing")
            for b in found if b.valid]


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def zbar_read(gray, qr: bool = True, decoder: str = "zbar") -> list[Read]:
    """pyzbar on a grayscale frame: QR + Code128, or Code128 only."""
    lib = _zbar()
    if lib is None:
        return []
    pyzbar, qr_symbol, code128 = lib
    symbols = [qr_symbol, code128] if qr else [code128]
    return [Read(_text(s.data), "qr" if s.type == "QRCODE" else "code128", decoder)
            for s in pyzbar.decode(gray, symbols=symbols)]


def rotate(gray, degrees: float):
    """`gray` turned by `degrees` on a canvas large enough to keep every corner."""
    import cv2
    import numpy as np

    h, w = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[:, 2] += np.array([nw / 2 - w / 2, nh / 2 - h / 2])
    return cv2.warpAffine(gray, matrix, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def zbar_with_rotations(gray, rotations: tuple[float, ...] = ROTATIONS) -> list[Read]:
    """zbar upright (QR + Code128), then Code128 on each rotation until something reads."""
    reads = zbar_read(gray)
    for degrees in rotations:
        if reads:
            break
        reads = zbar_read(rotate(gray, degrees), qr=False, decoder=f"zbar@{degrees:+g}")
    return reads


def unique(reads: list[Read]) -> list[Read]:
    """One Read per text, the QR's when both symbols carry it (QR first)."""
    best: dict[str, Read] = {}
    for read in sorted(reads, key=lambda r: r.symbology != "qr"):
        best.setdefault(read.text, read)
    return list(best.values())


class Decoder:
    """The Matou pipeline on a grayscale frame: zxing-cpp, then (on a miss, when asked) zbar.

    A still image gets the fallback on every miss; the scan loop asks for it on every
    `fallback_every`-th miss in a row (and when a scene holds still), since on a video stream a
    miss on most frames is normal and zbar's time is better rationed.
    """

    def __init__(self, fallback_every: int = 3, rotations: tuple[float, ...] = ROTATIONS) -> None:
        if not zxing_available() and not zbar_available():
            raise DecoderUnavailable("no decoder: pip install zxing-cpp (and pyzbar + libzbar0 for the fallback)")
        self.fallback_every = max(1, fallback_every)
        self.rotations = rotations

    def decode(self, gray, fallback: bool = True) -> list[Read]:
        if not zxing_available():
            return unique(zbar_with_rotations(gray, self.rotations))
        reads = zxing_read(gray)
        if not reads and fallback:
            reads = zbar_with_rotations(gray, self.rotations)
        return unique(reads)
