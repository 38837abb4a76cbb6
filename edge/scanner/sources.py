"""Frame sources behind one small interface: cameras and video files (OpenCV), image folders.

A source is opened, read frame by frame and closed; it can be opened again after it was lost,
which is how the capture thread reconnects. `read()` raises `SourceLost` when the device or
folder went away (reconnect later) and `SourceEnded` when a video file played to its end.
`open_source(spec)` picks the source for a technician's spec: `0` (device index),
`/dev/video0`, `picamera` (the Pi CSI camera, `edge.scanner.picamera`), a folder of images,
or a video file.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from edge.scanner.frame_source import FrameSource, SourceEnded, SourceLost
from edge.scanner.picamera import PiCameraSource

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


def _is_device(spec: int | str) -> bool:
    if isinstance(spec, int):
        return True
    try:
        return stat.S_ISCHR(Path(spec).stat().st_mode)
    except OSError:
        return spec.startswith("/dev/")


class VideoCaptureSource:
    """OpenCV VideoCapture: a V4L2/UVC camera (index or /dev path) or a video file (played once, or looped)."""

    def __init__(self, spec: int | str, loop: bool = False, size: tuple[int, int] | None = (1280, 720)) -> None:
        self.spec, self.loop, self.size = spec, loop, size
        self.live = _is_device(spec)
        self.name = f"camera {spec}" if self.live else f"video {spec}"
        self.fps: float | None = None
        self._cap = None

    def open(self) -> None:
        import cv2  # heavy and optional: loaded when a source is used, not when edge.scanner is imported

        if not self.live and not Path(self.spec).is_file():
            raise SourceLost(f"{self.name}: no such file")
        cap = cv2.VideoCapture(self.spec)
        if not cap.isOpened():
            cap.release()
            raise SourceLost(f"{self.name}: cannot open")
        if self.live:
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the newest frame, not a queue of old ones
            if self.size:
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.size[0])
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.size[1])
        else:
            fps = cap.get(cv2.CAP_PROP_FPS)
            self.fps = fps if 0 < fps < 1000 else None
        self._cap = cap

    def read(self) -> Any:
        if self._cap is None:
            raise SourceLost(f"{self.name}: not open")
        ok, frame = self._cap.read()
        if ok and frame is not None:
            return frame
        if self.live:
            raise SourceLost(f"{self.name}: no frame")
        if not self.loop:
            raise SourceEnded(self.name)
        import cv2

        self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
        ok, frame = self._cap.read()
        if not ok:
            raise SourceLost(f"{self.name}: cannot rewind")
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class ImageFolderSource:
    """The image files of a folder in name order, as frames; loops by default (a still 'camera')."""

    def __init__(self, folder: str | Path, loop: bool = True) -> None:
        self.folder, self.loop = Path(folder), loop
        self.name, self.live, self.fps = f"folder {folder}", False, None
        self._files: list[Path] = []
        self._next = 0

    def _list(self) -> list[Path]:
        try:
            return sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        except OSError:
            raise SourceLost(f"{self.name}: not there") from None

    def open(self) -> None:
        self._files, self._next = self._list(), 0
        if not self._files:
            raise SourceLost(f"{self.name}: no images")

    def read(self) -> Any:
        import cv2

        if self._next >= len(self._files):
            if not self.loop:
                raise SourceEnded(self.name)
            self.open()
        path = self._files[self._next]
        self._next += 1
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if frame is None:  # removed or unreadable since it was listed
            raise SourceLost(f"{self.name}: cannot read {path.name}")
        return frame

    def close(self) -> None:
        self._files, self._next = [], 0


def open_source(spec: int | str | Path, loop: bool | None = None) -> FrameSource:
    """The source for a spec: device index, /dev path, 'picamera', folder of images or video file."""
    text = str(spec)
    if text.isdigit():
        return VideoCaptureSource(int(text))
    if text in ("picamera", "csi"):
        return PiCameraSource()
    if Path(text).is_dir():
        return ImageFolderSource(text, loop=True if loop is None else loop)
    return VideoCaptureSource(text, loop=bool(loop))
