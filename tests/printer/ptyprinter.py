"""A printer on the far end of a pseudo-terminal: what a serial or /dev/usb/lp* printer looks
like to the transports (bytes in, status replies out), without hardware."""

from __future__ import annotations

import os
import select
import threading
import tty

from edge.printer_sim.escpos_decode import DecodedTicket, EscPosDecoder, StatusReply


class PtyPrinter:
    def __init__(self, answers: bool = True) -> None:
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self._slave = slave  # kept open so the pty stays alive between connections
        self.answers = answers
        self.decoder = EscPosDecoder()
        self.tickets: list[DecodedTicket] = []
        self.received = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> PtyPrinter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self._slave)

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError:
                continue
            self.received += data
            for event in self.decoder.feed(data):
                if isinstance(event, StatusReply):
                    if self.answers:
                        os.write(self.master, event.reply)
                else:
                    self.tickets.append(event)
