"""Frame sources and the capture thread: newest frame only, camera lost and back, nothing left running."""

import time

import cv2
import pytest

from edge.scanner.capture import Capture
from edge.scanner.loop import ScanLoop
from edge.scanner.frame_source import SourceEnded, SourceLost
from edge.scanner.sources import ImageFolderSource, VideoCaptureSource, open_source
from edge.scanner.synth import Look, background, degrade, pay_frame

from tests.support import wait_for as wait_until

from .helpers import write_video


def folder_with(tmp_path, frames, name="cam"):
    folder = tmp_path / name
    folder.mkdir()
    for i, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"{i:03d}.png"), frame)
    return folder


def test_open_source_picks_the_right_kind(tmp_path):
    folder = folder_with(tmp_path, [background((64, 48), 1)])
    video = write_video(tmp_path / "v.avi", [background((64, 48), 1)] * 3, fps=10)
    assert isinstance(open_source(folder), ImageFolderSource)
    assert isinstance(open_source(0), VideoCaptureSource) and open_source("0").live
    assert open_source("/dev/video99").live
    file_source = open_source(str(video))
    assert isinstance(file_source, VideoCaptureSource) and not file_source.live


def test_video_file_plays_once_then_ends(tmp_path):
    video = write_video(tmp_path / "v.avi", [background((64, 48), i) for i in range(3)], fps=10)
    source = VideoCaptureSource(str(video))
    source.open()
    assert source.fps == pytest.approx(10)
    assert [source.read().shape for _ in range(3)] == [(48, 64, 3)] * 3
    with pytest.raises(SourceEnded):
        source.read()
    source.close()
    looping = VideoCaptureSource(str(video), loop=True)
    looping.open()
    assert len([looping.read() for _ in range(7)]) == 7
    looping.close()


def test_folder_source_reads_sorted_and_reports_loss(tmp_path):
    frames = [background((32, 24), i) for i in range(3)]
    folder = folder_with(tmp_path, frames)
    (folder / "notes.txt").write_text("not an image")
    source = ImageFolderSource(folder, loop=False)
    source.open()
    assert [int(source.read()[0, 0, 0]) for _ in range(3)] == [int(f[0, 0, 0]) for f in frames]
    with pytest.raises(SourceEnded):
        source.read()
    source.open()
    folder.rename(tmp_path / "gone")
    with pytest.raises(SourceLost):
        source.read()
    with pytest.raises(SourceLost):
        source.open()


def test_missing_camera_is_offline_and_stops_cleanly(no_leaked_threads):
    statuses = []
    loop = ScanLoop("/dev/video99", lambda code: None, statuses.append, fps=15).start()
    assert wait_until(lambda: statuses == ["camera offline"], timeout=5)
    started = time.monotonic()
    loop.stop()
    assert time.monotonic() - started < 2.0


def test_capture_keeps_only_the_newest_frame(tmp_path, no_leaked_threads):
    folder = folder_with(tmp_path, [background((32, 24), i) for i in range(5)])
    capture = Capture(ImageFolderSource(folder), lambda status: None, fps=200).start()
    try:
        first = capture.latest(0, timeout=2)
        time.sleep(0.3)  # a slow consumer: ~60 frames went by meanwhile
        later = capture.latest(first.seq, timeout=2)
        assert later.seq - first.seq > 10  # it got the newest, not the next in a queue
        assert capture.latest(later.seq, timeout=0.5).seq > later.seq
    finally:
        capture.stop()


def test_camera_lost_mid_run_goes_offline_and_recovers(tmp_path, no_leaked_threads):
    """The folder standing in for a camera disappears and comes back: offline, online, scans again."""
    frame, code = pay_frame(3, (640, 480), look=Look(tilt=5, noise=2, jpeg=90))
    folder = folder_with(tmp_path, [degrade(frame, Look(noise=2), i) for i in range(3)])
    statuses, scans = [], []
    loop = ScanLoop(ImageFolderSource(folder), scans.append, statuses.append, fps=20, debounce_s=0.3)
    loop.start()
    try:
        assert wait_until(lambda: len(scans) == 1, timeout=5)
        folder.rename(tmp_path / "unplugged")
        assert wait_until(lambda: statuses[-1:] == ["camera offline"], timeout=5)
        time.sleep(0.6)  # offline for a while: the loop keeps retrying, with backoff
        (tmp_path / "unplugged").rename(folder)
        assert wait_until(lambda: statuses[-1:] == ["camera online"] and len(scans) == 2, timeout=8)
    finally:
        loop.stop()
    assert statuses == ["camera online", "camera offline", "camera online"]
    assert [c.reveal() for c in scans] == [code, code]
    assert loop.reconnects == 1


def test_a_loop_starts_once(tmp_path, no_leaked_threads):
    loop = ScanLoop(folder_with(tmp_path, [background((32, 24), 1)]), lambda code: None, fps=10).start()
    try:
        with pytest.raises(RuntimeError):
            loop.start()
    finally:
        loop.stop()
