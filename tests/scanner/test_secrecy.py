"""A payment code lives in memory only: never in logs, exception text or printed output."""

import json
import logging
import os

import pytest

from edge.codes import classify
from edge.scanner.decode import Read
from edge.scanner.loop import ScanLoop
from edge.scanner.synth import Look, background, pay_frame

from tests.support import wait_for as wait_until

from .helpers import write_video


def test_nothing_logs_or_raises_a_payment_code(tmp_path, caplog, capfd, no_leaked_threads):
    caplog.set_level(logging.DEBUG)
    frame, code = pay_frame(12, (640, 480), look=Look(tilt=8, noise=3, jpeg=85))
    video = write_video(tmp_path / "pay.avi", [background((640, 480), 1)] * 3 + [frame] * 12, fps=30)
    wedge_code = "6212345678901234567"
    seen = []

    def failing_handler(scanned):  # a consumer that breaks on every scan
        seen.append(scanned)
        raise RuntimeError("payment service unavailable")

    def failing_keys():
        raise KeyError("no keys yet")

    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb", buffering=0) as stream:
        loop = ScanLoop(str(video), failing_handler, lambda status: logging.getLogger("test").info(status),
                        fps=30, keyring_provider=failing_keys, wedge=stream).start()
        os.write(write_fd, f"{wedge_code}\n".encode())
        assert loop.wait_ended(timeout=20)
        assert wait_until(lambda: len(seen) == 2, timeout=3)
        loop.stop()
    os.close(write_fd)
    assert sorted(c.reveal() for c in seen) == sorted([code, wedge_code])

    out, err = capfd.readouterr()
    logged = caplog.text + out + err + repr(caplog.records) + json.dumps([c.to_event() for c in seen])
    assert "scan handler failed" in caplog.text and "keyring provider failed" in caplog.text
    for clear in (code, wedge_code):
        assert clear not in logged
    assert code[:4] + "*" in caplog.text  # the masked form is what a log shows


def test_exception_texts_never_carry_the_code():
    code_text = "284512345678901234"
    scanned = classify(code_text)
    read = Read(code_text, "qr", "zxing")
    errors = []
    for action in (lambda: setattr(scanned, "kind", "x"), lambda: scanned.__reduce__(),
                   lambda: classify(code_text.encode()), lambda: {}[repr(read)]):
        with pytest.raises(Exception) as caught:
            action()
        errors.append(f"{caught.value!r} {caught.value}")
    assert not any(code_text in e for e in errors)
    assert code_text not in repr(read) and code_text not in repr(scanned) and code_text not in str(scanned)
