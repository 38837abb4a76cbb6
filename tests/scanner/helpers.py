"""Scanner test helpers: generated videos, the ZXing image sets."""

from __future__ import annotations

import os
from pathlib import Path

FIXTURE_BARCODES = Path(__file__).resolve().parents[1] / "fixtures" / "barcodes"
SHARED_BARCODES = Path(os.environ.get("MATOU_BARCODES", Path(__file__).resolve().parents[3] / "shared/data/barcodes"))


def barcode_roots() -> list[Path]:
    """The subset in tests/fixtures always; the full shared sets as well when they are there."""
    return [FIXTURE_BARCODES] + ([SHARED_BARCODES] if (SHARED_BARCODES / "zxing-qr").is_dir() else [])


def write_video(path: Path, frames, fps: float = 30.0) -> Path:
    """Write BGR frames (all one size) with OpenCV's MJPG writer; returns `path`."""
    import cv2

    frames = list(frames)
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened(), "OpenCV cannot write MJPG video"
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path

