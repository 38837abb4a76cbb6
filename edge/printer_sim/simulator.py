"""A virtual ESC/POS network printer: listens on TCP, decodes tickets, answers status queries,
and misbehaves on command.

Like a real printer it serves one connection at a time (others wait in the listen backlog) and
keeps its modes between connections. A connection closing ends the pending ticket (a job sent
without a cut still becomes a ticket). Each ticket is kept in `tickets`, logged, and, with an
`out_dir`, written as `NNNN-<label>.txt` (UTF-8 text), `.bin` (raw bytes) and `.png` (the
paper, `png`). NNNN continues after the highest number already in `out_dir` (a restarted
simulator never overwrites a ticket it received before; files are created exclusively, so two
simulators sharing a folder cannot overwrite each other either); the label is the simulator's
`name`, else the ticket's first line (a kitchen ticket's station name).

Faults (`set_fault` / `clear_fault`, or the HTTP control API in `control`):
- paper-out, cover-open, offline: status replies say so (`status_replies`); real-time queries
  (DLE EOT) are answered at once, everything else is held (tickets are not printed, `GS r`
  is not answered) until the last of these faults is cleared, then processed in order, like a
  printer that waits for a new roll. Held replies for a connection that has closed are lost.
- no-reply: a hung printer: it accepts connections and bytes, prints nothing, answers nothing.
- slow: reads at `slow_bps` bytes per second (a busy or slow-link printer).
- reset: a one-shot fault: after `after` more bytes the printer restarts mid-job: the
  connection is reset, the partial ticket and anything held are lost.
- power-off: the printer is gone: connections are refused, the current one is reset and what
  it held is lost; clearing it powers the printer on again (`restart()` does both).
"""

from __future__ import annotations

import logging
import os
import re
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from edge.printer_sim.escpos_decode import DecodedTicket, EscPosDecoder, StatusReply
from edge.printer_sim.status_replies import FaultState, is_realtime, status_reply

log = logging.getLogger(__name__)
POLL_S = 0.05
OnTicket = Callable[[DecodedTicket, int, "Path | None"], None]
FAULTS = ("paper-out", "cover-open", "offline", "no-reply", "slow", "reset", "power-off")
BLOCKING = frozenset({"paper-out", "cover-open", "offline"})
TICKET_FILE = re.compile(r"^(\d{4,})-.*\.(?:txt|bin|png)$")


def next_free_number(out_dir: Path) -> int:
    """One more than the highest `NNNN-` ticket number already in `out_dir` (1 when empty)."""
    numbers = [int(m.group(1)) for f in out_dir.iterdir() if (m := TICKET_FILE.match(f.name))]
    return max(numbers, default=0) + 1


def file_label(text: str, name: str = "") -> str:
    """A file-name-safe label: `name`, else the first non-empty line of `text`."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    slug = re.sub(r"[^\w-]+", "-", name or first).strip("-")[:32]
    return slug or "ticket"


def _reset_hard(conn: socket.socket) -> None:
    """Close with a TCP RST (what a printer that restarts does to its peer)."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    conn.close()


class PrinterSimulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 9100, out_dir: Path | None = None,
                 name: str = "", *, chinese_mode: bool = False, idle_timeout: float = 60.0,
                 on_ticket: OnTicket | None = None, png: bool | None = None, columns: int = 48,
                 slow_bps: int = 2000) -> None:
        self.host = host
        self.port = port
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.name = name
        self.idle_timeout = idle_timeout
        self.on_ticket = on_ticket
        self.png = (out_dir is not None) if png is None else png
        self._next_file = 1  # the next ticket file's number (start() continues after what is on disk)
        self.columns = columns
        self.slow_bps = slow_bps
        self.chinese_mode = chinese_mode
        self.decoder = EscPosDecoder(chinese_mode)
        self.faults: dict[str, dict] = {}
        self.received = 0  # bytes received, all connections
        self.connections = 0
        self._tickets: list[DecodedTicket] = []
        self._held: list[tuple[str, object, socket.socket | None]] = []
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._abort = threading.Event()  # reset / power-off: drop the current connection now
        self._listener: socket.socket | None = None
        self._conn: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def tickets(self) -> list[DecodedTicket]:
        with self._changed:
            return list(self._tickets)

    # -- life cycle -----------------------------------------------------------------------
    def _listen(self) -> None:
        self._listener = socket.create_server((self.host, self.port))
        self._listener.settimeout(POLL_S)
        self.port = self._listener.getsockname()[1]

    def start(self) -> PrinterSimulator:
        """Listen (port 0 picks a free port, then in `.port`) and serve in a background thread."""
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self._next_file = next_free_number(self.out_dir)
        self._listen()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, name=f"printer-sim-{self.port}", daemon=True)
        self._thread.start()
        log.info("printer-sim %s listening on %s:%d", self.name or "-", self.host, self.port)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> PrinterSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- faults ---------------------------------------------------------------------------
    def fault_state(self) -> FaultState:
        return FaultState("paper-out" in self.faults, "cover-open" in self.faults, "offline" in self.faults)

    def set_fault(self, fault: str, **params: object) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; faults: {', '.join(FAULTS)}")
        with self._changed:
            self.faults[fault] = dict(params)
            if fault == "reset":
                self.faults[fault]["at"] = self.received + int(params.get("after", 64))
        log.info("printer-sim %s: fault %s on %s", self.name or "-", fault, params or "")
        if fault == "power-off":
            self._power_off()

    def clear_fault(self, fault: str) -> None:
        with self._changed:
            was = self.faults.pop(fault, None)
        log.info("printer-sim %s: fault %s cleared", self.name or "-", fault)
        if fault == "power-off" and was is not None and self._listener is None and not self._stopping.is_set():
            self._listen()
        if fault in BLOCKING:
            self._release()

    def restart(self, down_s: float = 0.5) -> None:
        """Power cycle: whatever was held or half-received is lost."""
        self.set_fault("power-off")
        time.sleep(down_s)
        self.clear_fault("power-off")

    def _power_off(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # stop listening now, even while accept() waits
            except OSError:
                pass
            listener.close()
        self._abort.set()
        with self._changed:
            self._held.clear()

    def state(self) -> dict:
        with self._changed:
            return {"name": self.name, "port": self.port, "faults": sorted(self.faults),
                    "tickets": len(self._tickets), "held": len(self._held), "received_bytes": self.received,
                    "connections": self.connections}

    def wait_for_tickets(self, n: int, timeout: float = 5.0) -> list[DecodedTicket]:
        """All tickets once there are at least `n`; TimeoutError saying how many came otherwise."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._tickets) >= n, timeout):
                raise TimeoutError(f"printer-sim got {len(self._tickets)} of {n} tickets in {timeout:g} s")
            return list(self._tickets)

    # -- serving --------------------------------------------------------------------------
    def _serve(self) -> None:
        while not self._stopping.is_set():
            listener = self._listener
            if listener is None:  # powered off
                time.sleep(POLL_S)
                continue
            try:
                conn, peer = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    break
                time.sleep(POLL_S)
                continue
            self._abort.clear()
            self.connections += 1
            self._conn = conn
            try:
                self._handle(conn, peer)
            finally:
                self._conn = None
                if not self._abort.is_set():
                    conn.close()

    def _lose_everything(self, conn: socket.socket) -> None:
        _reset_hard(conn)
        self.decoder = EscPosDecoder(self.chinese_mode)
        with self._changed:
            self._held.clear()

    def _handle(self, conn: socket.socket, peer: tuple) -> None:
        conn.settimeout(POLL_S)
        last_data = time.monotonic()
        while not self._stopping.is_set():
            if self._abort.is_set():
                self._lose_everything(conn)
                return
            slow = "slow" in self.faults
            chunk = max(1, int(self.slow_bps * POLL_S)) if slow else 65536
            try:
                data = conn.recv(chunk)
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
            reset = self.faults.get("reset")
            if reset is not None and self.received + len(data) >= reset["at"]:
                self.received += len(data)
                with self._changed:
                    self.faults.pop("reset", None)
                log.info("printer-sim %s: reset mid-job", self.name or "-")
                self._abort.set()
                self._lose_everything(conn)
                return
            self.received += len(data)
            if "no-reply" in self.faults:
                continue  # hung: swallows everything
            for event in self.decoder.feed(data):
                self._event(conn, event)
            if slow:
                time.sleep(len(data) / self.slow_bps)
        ticket = self.decoder.flush()
        if ticket is not None:
            self._event(None, ticket)

    def _event(self, conn: socket.socket | None, event: DecodedTicket | StatusReply) -> None:
        if isinstance(event, StatusReply):
            if is_realtime(event.query):
                reply = status_reply(event.query, self.fault_state())
                if reply is not None and conn is not None:
                    self._reply(conn, reply)
                return
        with self._changed:
            if self.fault_state().stopped:
                self._held.append(("reply" if isinstance(event, StatusReply) else "ticket", event, conn))
                return
        self._process(event, conn)

    def _process(self, event: DecodedTicket | StatusReply, conn: socket.socket | None) -> None:
        if isinstance(event, StatusReply):
            reply = status_reply(event.query, self.fault_state())
            if reply is not None and conn is not None and conn is self._conn:
                self._reply(conn, reply)
        else:
            self._record(event)

    def _release(self) -> None:
        with self._changed:
            if self.fault_state().stopped:
                return
            held, self._held = self._held, []
        for _, event, conn in held:
            self._process(event, conn)

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
                path = self._store_file(file_label(ticket.text, self.name), ticket.text + "\n")
                path.with_suffix(".bin").write_bytes(ticket.raw)
                if self.png:
                    self._write_png(ticket, path.with_suffix(".png"))
            self._tickets.append(ticket)
            self._changed.notify_all()
        log.info("printer-sim %s: ticket %04d, %d bytes, %s%s", self.name or "-", number, len(ticket.raw),
                 "cut" if ticket.cut else "not cut", f" -> {path}" if path else "")
        for warning in ticket.warnings:
            log.warning("printer-sim %s: ticket %04d: %s", self.name or "-", number, warning)
        if self.on_ticket is not None:
            self.on_ticket(ticket, number, path)

    def _store_file(self, label: str, text: str) -> Path:
        """The ticket's text under the next free number, appearing whole: written to a hidden
        temporary file, then hard-linked to its name (exclusive, like open "x"). A number already
        taken (an earlier run, another simulator on the same folder) is skipped, never reused, and
        a reader never finds the file empty or half written."""
        assert self.out_dir is not None
        fd, temporary = tempfile.mkstemp(prefix=".ticket-", suffix=".tmp", dir=self.out_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            while True:
                number, self._next_file = self._next_file, self._next_file + 1
                path = self.out_dir / f"{number:04d}-{label}.txt"
                try:
                    os.link(temporary, path)
                    return path
                except FileExistsError:
                    continue
        finally:
            os.unlink(temporary)

    def _write_png(self, ticket: DecodedTicket, path: Path) -> None:
        try:
            from edge.printer_sim.png import ticket_png

            path.write_bytes(ticket_png(ticket.raw, self.columns * 12, self.columns, self.chinese_mode))
        except Exception as error:  # a missing font must not stop the printer
            log.warning("printer-sim %s: no PNG for %s: %s", self.name or "-", path.name, error)
