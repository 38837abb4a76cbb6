"""The front door of the core's local API (a pure ASGI middleware): only this device's own clients
get in, never a web page nor a foreign name pointed at the device.

Three rules, checked on every HTTP request before any endpoint sees it:

- **Host** must name the core as its clients do: `127.0.0.1`, `localhost` or `[::1]`, or the
  literal address the connection arrived on, each with the port the core listens on (both read
  from the connection, so a core on port 0 in tests knows its own). Anything else, a DNS
  rebinding name above all, is `421 bad_host`, reads included.
- **Origin**, when a browser sends one, must be the core's own origin (`http://` + an allowed
  Host); any other origin, `null` included, is `403 bad_origin`. Our Python clients and curl send
  none.
- **Content-Type** of every state-changing request (POST, PUT, PATCH, DELETE), with a body or
  not, must be `application/json` (parameters such as `charset` allowed): anything else is
  `415 not_json`. A web page can post `text/plain` or a form anywhere without asking first, but
  never `application/json` to another origin.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from edge.core.errors import error

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON = "application/json"


def allowed_hosts(server: tuple[str, int | None] | None) -> frozenset[str]:
    """The Host values that name this core, for a connection that arrived at `server` (address, port)."""
    if not server:
        return frozenset()
    address, port = server
    names = {*LOOPBACK_NAMES, f"[{address}]" if ":" in address else address}
    hosts = {f"{name}:{port}" for name in names}
    if port == 80:
        hosts |= names  # a Host header leaves out the default port
    return frozenset(name.lower() for name in hosts)


def is_json(content_type: str) -> bool:
    """`application/json`, whatever its parameters (`; charset=utf-8`)."""
    return content_type.split(";", 1)[0].strip().lower() == JSON


class FrontDoor:
    """ASGI middleware: refuses a request whose Host, Origin or Content-Type is not this device's own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def refusal(scope: Scope) -> JSONResponse | None:
        """The answer to a request that may not come in, else None."""
        headers: dict[bytes, list[str]] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name.lower(), []).append(value.decode("latin-1"))
        hosts = allowed_hosts(scope.get("server"))
        host = headers.get(b"host", [])
        if len(host) != 1 or host[0].strip().lower() not in hosts:
            return error(421, "bad_host", "this API answers only to its own address (127.0.0.1 or localhost "
                                          "and its port): the Host header names another", "Host")
        origins = headers.get(b"origin")
        if origins is not None and (len(origins) != 1 or origins[0].strip().lower()
                                    not in {f"http://{name}" for name in hosts}):
            return error(403, "bad_origin", "requests from web pages of other origins are refused", "Origin")
        if scope["method"] in STATE_CHANGING:
            types = headers.get(b"content-type", [])
            if len(types) != 1 or not is_json(types[0]):
                return error(415, "not_json", "send the body as JSON with 'Content-Type: application/json' "
                                              "({} when there is nothing to send)", "Content-Type")
        return None
