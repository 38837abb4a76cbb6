"""Keyboard-wedge input: lines from a stream, through the same classification and debounce."""

import io
import os
import time

from edge.scanner.loop import ScanLoop
from edge.scanner.wedge import WedgeReader, split_lines

from tests.support import wait_for as wait_until

ALIPAY = "284512345678901234"


def test_split_lines_handles_cr_lf_crlf_and_chunks():
    chunks = [b"2845123456", b"78901234\r\n134512", b"345678901234\rhello\n\n  \nlast"]
    assert list(split_lines(iter(chunks))) == [ALIPAY, "134512345678901234", "hello", "last"]


def test_split_lines_drops_overlong_lines_whole():
    chunks = [b"x" * 3000, b"y" * 3000 + b"\n", ALIPAY.encode() + b"\n", b"z" * 600 + b"\n"]
    assert list(split_lines(iter(chunks), max_chars=512)) == [ALIPAY]


def test_split_lines_survives_invalid_utf8():
    assert list(split_lines(iter([b"\xff\xfe\x00abc\n"]))) == ["\ufffd\ufffd\x00abc"]


def test_reader_over_a_text_stream(no_leaked_threads):
    lines = []
    reader = WedgeReader(io.StringIO(f"{ALIPAY}\n\nTABLE\n"), lines.append).start()
    assert wait_until(lambda: not reader.running, timeout=2)
    reader.stop()
    assert lines == [ALIPAY, "TABLE"]


def test_reader_over_a_pipe_stops_while_idle(no_leaked_threads):
    read_fd, write_fd = os.pipe()
    lines = []
    with os.fdopen(read_fd, "rb", buffering=0) as stream:
        reader = WedgeReader(stream, lines.append).start()
        os.write(write_fd, ALIPAY[:6].encode())
        time.sleep(0.15)
        os.write(write_fd, ALIPAY[6:].encode() + b"\r")
        assert wait_until(lambda: lines == [ALIPAY], timeout=2)
        started = time.monotonic()
        reader.stop()  # nobody is scanning and the pipe is still open
        assert time.monotonic() - started < 1.0 and not reader.running
    os.close(write_fd)


def test_wedge_scans_go_through_classification_and_debounce(no_leaked_threads):
    read_fd, write_fd = os.pipe()
    scans = []
    with os.fdopen(read_fd, "rb", buffering=0) as stream:
        loop = ScanLoop(None, scans.append, wedge=stream, debounce_s=0.2).start()
        os.write(write_fd, f"{ALIPAY}\n{ALIPAY}\nnot a code\n".encode())  # a double trigger
        assert wait_until(lambda: len(scans) == 2, timeout=2)
        time.sleep(0.3)
        os.write(write_fd, f"{ALIPAY}\n".encode())  # the same code again, after the window
        assert wait_until(lambda: len(scans) == 3, timeout=2)
        loop.stop()
    os.close(write_fd)
    assert [(c.kind, c.symbology) for c in scans] == [("alipay", "wedge"), ("unknown", "wedge"), ("alipay", "wedge")]
    assert scans[0].reveal() == ALIPAY and scans[1].reason == "unknown code"
    assert all(c.captured_ns for c in scans)
