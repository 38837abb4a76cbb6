"""A virtual ESC/POS network printer: listens on TCP, decodes tickets, answers status queries.

Like a real printer it serves one connection at a time (others wait in the listen backlog) and
keeps its modes between connections. A connection closing ends the pending ticket (a job sent
without a cut still becomes a ticket). Each ticket is kept in `tickets`, logged, and, with an
`out_dir`, written as `NNNN-<label>.txt` (UTF-8 text) and `NNNN-<label>.bin` (raw bytes),
NNNN counting from 0001 per simulator; the label is the simulator's `name`, else the ticket's
first line (a kitchen ticket's station name). Status queries get the replies of a printer with
paper and no fault (see `escpos_decode`); paper-out / offline / slow modes come with the spool.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from edge.printer.escpos_decode import DecodedTicket, EscPosDecoder, StatusReply

log = logging.getLogger(__name__)
POLL_S = 0.2
OnTicket = Callable[[DecodedTicket, int, "Path | None"], None]


def file_label(text: str, name: str = "") -> str:
    """A file-name-safe label: `name`, else the first non-empty line of `text`."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    slug = re.sub(r"[^\w-]+", "-", name or first).strip("-")[:32]
    return slug or "ticket"


class PrinterSimulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 9100, out_dir: Path | None = None,
                 name: str = "", *, chinese_mode: bool = False, idle_timeout: float = 60.0,
                 on_ticket: OnTicket | None = None) -> None:
        self.host = host
        self.port = port
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.name = name
        self.idle_timeout = idle_timeout
        self.on_ticket = on_ticket
        self.decoder = EscPosDecoder(chinese_mode)
        self._tickets: list[DecodedTicket] = []
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def tickets(self) -> list[DecodedTicket]:
        with self._changed:
            return list(self._tickets)

    def start(self) -> PrinterSimulator:
        """Listen (port 0 picks a free port, then in `.port`) and serve in a background thread."""
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        self._listener = socket.create_server((self.host, self.port))
        self._listener.settimeout(POLL_S)
        self.port = self._listener.getsockname()[1]
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, name=f"printer-sim-{self.port}", daemon=True)
        self._thread.start()
        log.info("printer-sim %s listening on %s:%d", self.name or "-", self.host, self.port)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._listener is not None:
            self._listener.close()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> PrinterSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_for_tickets(self, n: int, timeout: float = 5.0) -> list[DecodedTicket]:
        """All tickets once there are at least `n`; TimeoutError saying how many came otherwise."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._tickets) >= n, timeout):
                raise TimeoutError(f"printer-sim got {len(self._tickets)} of {n} tickets in {timeout:g} s")
            return list(self._tickets)

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                conn, peer = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    break
                raise
            with conn:
                self._handle(conn, peer)

    def _handle(self, conn: socket.socket, peer: tuple) -> None:
        conn.settimeout(POLL_S)
        last_data = time.monotonic()
        while not self._stopping.is_set():
            try:
                data = conn.recv(65536)
            except TimeoutError:
                if time.monotonic() - last_data > self.idle_timeout:
                    log.warning("printer-sim: closing idle connection from %s", peer[0])
                    break
                continue
            except OSError as error:
                log.warning("printer-sim: connection from %s failed: %s", peer[0], error)
                break
            if not data:
                break
            last_data = time.monotonic()
            for event in self.decoder.feed(data):
                if isinstance(event, StatusReply):
                    self._reply(conn, event.reply)
                else:
                    self._record(event)
        ticket = self.decoder.flush()
        if ticket is not None:
            self._record(ticket)

    @staticmethod
    def _reply(conn: socket.socket, reply: bytes) -> None:
        try:
            conn.sendall(reply)
        except OSError as error:
            log.warning("printer-sim: status reply not delivered: %s", error)

    def _record(self, ticket: DecodedTicket) -> None:
        with self._changed:
            number = len(self._tickets) + 1
            path = None
            if self.out_dir is not None:
                path = self.out_dir / f"{number:04d}-{file_label(ticket.text, self.name)}.txt"
                path.write_text(ticket.text + "\n", encoding="utf-8")
                path.with_suffix(".bin").write_bytes(ticket.raw)
            self._tickets.append(ticket)
            self._changed.notify_all()
        log.info("printer-sim %s: ticket %04d, %d bytes, %s%s", self.name or "-", number, len(ticket.raw),
                 "cut" if ticket.cut else "not cut", f" -> {path}" if path else "")
        for warning in ticket.warnings:
            log.warning("printer-sim %s: ticket %04d: %s", self.name or "-", number, warning)
        if self.on_ticket is not None:
            self.on_ticket(ticket, number, path)
