"""A request the core refuses: an HTTP status, a machine code, a plain message, the field it
concerns and any extra fields. The core's API turns every one into the same error body
(`edge.core.errors`); the cashier, payments and technician layers raise their own subclasses."""

from __future__ import annotations


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.field, self.extra = status, code, message, field, extra
