"""The printer simulator's control API: faults on command, tickets as text / PNG / bytes.

Plain HTTP/JSON on 127.0.0.1 (stdlib `http.server`, one thread per request):

    GET    /status                        {"name", "port", "faults", "tickets", "held", ...}
    PUT    /faults/<fault>[?after=N]      set a fault (paper-out, cover-open, offline, no-reply,
                                          slow, reset [after N bytes], power-off) -> 204
    DELETE /faults/<fault>                clear it (held tickets then print) -> 204
    POST   /restart[?down=0.5]            power cycle: what was held is lost -> 204
    GET    /tickets                       [{"number", "cut", "bytes", "text"}, ...]
    GET    /tickets/<n>.txt | .png | .bin one ticket (n from 1; "last" for the newest)

Technicians: `edge printer-sim --control-port 9200`, then e.g.
`curl -X PUT http://127.0.0.1:9200/faults/paper-out`.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from edge.printer_sim.simulator import FAULTS, PrinterSimulator


def _handler(sim: PrinterSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "matou-printer-sim"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
            pass

        def _send(self, status: int, body: bytes = b"", kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, doc: object) -> None:
            self._send(status, json.dumps(doc, ensure_ascii=False).encode("utf-8"))

        def _error(self, status: int, message: str) -> None:
            self._json(status, {"error": {"message": message}})

        def _route(self) -> tuple[list[str], dict[str, str]]:
            parts = urlsplit(self.path)
            return [p for p in parts.path.split("/") if p], {k: v[-1] for k, v in parse_qs(parts.query).items()}

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            path, _ = self._route()
            if path == ["status"]:
                return self._json(200, sim.state())
            if path == ["tickets"]:
                return self._json(200, [{"number": n, "cut": t.cut, "bytes": len(t.raw), "text": t.text}
                                        for n, t in enumerate(sim.tickets, 1)])
            if len(path) == 2 and path[0] == "tickets" and "." in path[1]:
                number, _, suffix = path[1].partition(".")
                tickets = sim.tickets
                index = len(tickets) if number == "last" else int(number) if number.isdigit() else 0
                if not 1 <= index <= len(tickets):
                    return self._error(404, f"no ticket {number}; there are {len(tickets)}")
                ticket = tickets[index - 1]
                if suffix == "txt":
                    return self._send(200, ticket.text.encode("utf-8"), "text/plain; charset=utf-8")
                if suffix == "bin":
                    return self._send(200, ticket.raw, "application/octet-stream")
                if suffix == "png":
                    from edge.printer_sim.png import ticket_png

                    return self._send(200, ticket_png(ticket.raw, sim.columns * 12, sim.columns), "image/png")
            return self._error(404, "unknown path; see GET /status, /tickets, PUT /faults/<fault>")

        def do_PUT(self) -> None:  # noqa: N802
            path, query = self._route()
            if len(path) == 2 and path[0] == "faults":
                if path[1] not in FAULTS:
                    return self._error(422, f"unknown fault {path[1]!r}; faults: {', '.join(FAULTS)}")
                params = {k: int(v) for k, v in query.items() if v.isdigit()}
                sim.set_fault(path[1], **params)
                return self._send(204)
            return self._error(404, "use PUT /faults/<fault>")

        def do_DELETE(self) -> None:  # noqa: N802
            path, _ = self._route()
            if len(path) == 2 and path[0] == "faults":
                if path[1] not in FAULTS:
                    return self._error(422, f"unknown fault {path[1]!r}; faults: {', '.join(FAULTS)}")
                sim.clear_fault(path[1])
                return self._send(204)
            return self._error(404, "use DELETE /faults/<fault>")

        def do_POST(self) -> None:  # noqa: N802
            path, query = self._route()
            if path == ["restart"]:
                try:
                    down = float(query.get("down", "0.5"))
                except ValueError:
                    return self._error(422, "down must be a number of seconds")
                sim.restart(min(max(down, 0.0), 60.0))
                return self._send(204)
            return self._error(404, "use POST /restart")

    return Handler


class SimControl:
    """The control API of one simulator, served in a background thread."""

    def __init__(self, sim: PrinterSimulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = ThreadingHTTPServer((host, port), _handler(sim))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name=f"printer-sim-control-{self.port}",
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SimControl:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
