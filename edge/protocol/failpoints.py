"""Crash points for the payment chaos tests (off unless the environment arms them).

`MATOU_FAILPOINTS=core.after_put,gw.after_pay` arms points by name, or `MATOU_FAILPOINT_FILE=PATH`
names a file read at every point (a test arms a running process by writing to it). An armed
point kills this process with SIGKILL, at exactly that place: kill -9, nothing flushed. A file
point is consumed (the file emptied) first, so the restarted process runs on.

Points: core.before_put, core.after_put, core.polling, core.cancel (device, edge/payments);
gw.before_pay, gw.after_pay, gw.polling, gw.cancel, gw.refund, gw.after_prepay, gw.after_notify
(upstream, upstream/gateway).

In-process tests pass their own `failpoint` callable that raises `Crashed` instead.
"""

from __future__ import annotations

import os
import signal

ENV = "MATOU_FAILPOINTS"
FILE_ENV = "MATOU_FAILPOINT_FILE"


class Crashed(BaseException):
    """A simulated kill -9 (in-process tests): a BaseException, so no `except Exception` hides it."""


def hit(name: str) -> None:
    if ENV not in os.environ and FILE_ENV not in os.environ:
        return
    names = set(filter(None, os.environ.get(ENV, "").split(",")))
    path = os.environ.get(FILE_ENV)
    if path:
        try:
            with open(path, "r+", encoding="utf-8") as handle:
                armed = set(filter(None, handle.read().replace("\n", ",").split(",")))
                if name in armed:
                    handle.seek(0)
                    handle.truncate()
                    handle.flush()
                    os.fsync(handle.fileno())
                    names.add(name)
        except OSError:
            pass
    if name in names:
        os.kill(os.getpid(), signal.SIGKILL)
