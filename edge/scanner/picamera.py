"""The Raspberry Pi CSI camera through picamera2 (installed on Raspberry Pi OS, not from PyPI).

Asks the ISP for YUV420 frames and hands on the Y plane: the decoders only need luma, so no
colour conversion runs on the Pi's CPU. picamera2 is imported when the source is opened; where
it is missing, opening reports the camera as not there (SourceLost) with an install hint.
"""

from __future__ import annotations

from typing import Any

from edge.scanner.frame_source import SourceLost


class PiCameraSource:
    name = "picamera"
    live = True
    fps: float | None = None

    def __init__(self, size: tuple[int, int] = (1280, 720), frame_rate: float = 30.0) -> None:
        self.size, self.frame_rate = size, frame_rate
        self._camera = None

    def open(self) -> None:
        try:
            from picamera2 import Picamera2  # only on a Pi, and only when the camera is opened
        except ImportError:
            raise SourceLost("picamera2 is not installed: apt-get install python3-picamera2") from None
        try:
            camera = Picamera2()
            config = camera.create_video_configuration(main={"size": self.size, "format": "YUV420"},
                                                       controls={"FrameRate": self.frame_rate}, buffer_count=2)
            camera.configure(config)
            camera.start()
        except Exception as error:  # no camera connected, camera busy, driver errors
            raise SourceLost(f"picamera: {type(error).__name__}: {error}") from None
        self._camera = camera

    def read(self) -> Any:
        if self._camera is None:
            raise SourceLost("picamera: not open")
        try:
            planes = self._camera.capture_array("main")
        except Exception as error:
            raise SourceLost(f"picamera: {type(error).__name__}") from None
        width, height = self.size
        return planes[:height, :width]  # the Y plane of the I420 buffer

    def close(self) -> None:
        camera, self._camera = self._camera, None
        if camera is not None:
            try:
                camera.stop()
            finally:
                camera.close()
