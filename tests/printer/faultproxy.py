"""A TCP fault proxy on loopback in front of a printer (emupos): faults emupos has no switch for.

    mode "pass"      forward both ways
    mode "hang"      accept and swallow everything, answer nothing (a hung printer)
    mode "reset"     forward, and after `reset_after` more client bytes reset both sides (once)
    down()/up()      refuse connections / accept again (the printer is off / on)
"""

from __future__ import annotations

import socket
import struct
import threading


def _rst(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class FaultProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.mode = "pass"
        self.reset_after = 0
        self._listener: socket.socket | None = None
        self.port = 0
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self.up()
        return self

    def up(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def down(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def stop(self) -> None:
        self._stop.set()
        self.down()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        if self.mode == "hang":
            try:
                while client.recv(65536):
                    pass
            except OSError:
                pass
            client.close()
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
        except OSError:
            _rst(client)
            return
        budget = [self.reset_after if self.mode == "reset" else -1]
        if self.mode == "reset":
            self.mode = "pass"  # one reset

        def back() -> None:
            try:
                while data := upstream.recv(65536):
                    client.sendall(data)
            except OSError:
                pass

        threading.Thread(target=back, daemon=True).start()
        try:
            while data := client.recv(65536):
                if budget[0] >= 0 and len(data) >= budget[0]:
                    upstream.sendall(data[:budget[0]])
                    _rst(upstream)
                    _rst(client)
                    return
                if budget[0] >= 0:
                    budget[0] -= len(data)
                upstream.sendall(data)
        except OSError:
            pass
        for sock in (client, upstream):
            try:
                sock.close()
            except OSError:
                pass
