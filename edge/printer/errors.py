"""Printer errors that callers (spool, CLI, UI) turn into a clear message for staff."""

from __future__ import annotations


class PrinterError(Exception):
    """Base class of every printing failure."""


class PrinterUnreachable(PrinterError):
    """The printer could not be reached or stopped receiving: nothing (or not all) was printed.

    The message is meant for a human ("printer at 192.168.1.50:9100 refused the connection").
    """
