"""The one error shape of every API: {"error": {"code", "message", "field", ...}}."""

from __future__ import annotations

import time


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.field, self.extra = status, code, message, field, extra

    def doc(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "field": self.field, **self.extra}}


def now_ms() -> int:
    return time.time_ns() // 1_000_000
