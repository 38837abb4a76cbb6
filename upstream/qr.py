"""QR codes for the operator: in the terminal (half blocks) and as a PNG file."""

from __future__ import annotations

import io
from pathlib import Path


def qr_terminal(text: str) -> str:
    import qrcode  # loaded only by the commands that draw a code

    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    out = io.StringIO()
    qr.print_ascii(out=out, invert=True)
    return out.getvalue()


def qr_png(text: str, path: Path) -> Path:
    import qrcode

    image = qrcode.make(text, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(str(path))
    return path
