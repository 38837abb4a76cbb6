"""The size limit of request bodies, enforced while a body streams in (a pure ASGI middleware).

A request whose Content-Length is over its path's limit is answered `413 too_large` at once,
without reading the body. Otherwise the bytes of each `http.request` message are counted as the
endpoint receives them; once the running total passes the limit the middleware answers 413 itself
and tells the endpoint the client went away, so no more than the limit is ever held in memory.
A body no endpoint reads is never read at all (the server discards it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edge.core.errors import error

DEFAULT_LIMIT = 64 * 1024


class Limit:
    """At most `size` bytes for the paths `pattern` matches whole; `message` says so."""

    def __init__(self, pattern: str, size: int, message: str = "the body is too large") -> None:
        self.pattern, self.size, self.message = re.compile(pattern), size, message


class BodyLimit:
    """ASGI middleware: the first of `limits` that matches a path sets its limit, else `default`."""

    def __init__(self, app: ASGIApp, limits: Sequence[Limit] = (), default: int = DEFAULT_LIMIT) -> None:
        self.app = app
        self.limits = tuple(limits)
        self.default = Limit(".*", default, f"the body is too large (at most {default // 1024} KiB)")

    def limit_for(self, path: str) -> Limit:
        return next((limit for limit in self.limits if limit.pattern.fullmatch(path)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        if _content_length(scope) > limit.size:
            await error(413, "too_large", limit.message)(scope, receive, send)
            return

        received = 0
        started = answered = False

        async def counted_receive() -> Message:
            nonlocal received, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.size:
                    if not started:
                        await error(413, "too_large", limit.message)(scope, receive, send)
                        answered = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return  # the endpoint's own answer to a body it never got whole
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not answered:
                raise  # after a 413 the endpoint may fail on the missing body: it was answered


def _content_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0

