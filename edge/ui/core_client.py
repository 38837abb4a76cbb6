"""HTTP client of the core's local API (docs/protocol.md), used by every UI screen.

Plain `requests`, explicit timeouts, no retries: a retry of `POST /v1/orders` is the
customer's tap, made safe by the client token. Errors become `CoreError(code, message,
status)`; a core that cannot be reached is `CoreError("offline", ...)`. `events()` reads the
Server-Sent Events stream; `parse_sse` is the pure parser behind it (unit-tested with lines).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator

import requests
from requests.adapters import HTTPAdapter

from edge.screen_text import clean_document

log = logging.getLogger(__name__)

HEARTBEAT_S = 15.0
STREAM_READ_TIMEOUT_S = HEARTBEAT_S + 5.0


class CoreError(Exception):
    """The core refused a request, or could not be reached (code "offline")."""

    def __init__(self, code: str, message: str, status: int | None = None, field: str | None = None,
                 detail: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.field = field
        self.detail = detail or {}  # the whole error object (e.g. attempts_left, retry_after_s)

    def __repr__(self) -> str:
        return f"CoreError({self.code!r}, {self.message!r}, {self.status!r})"


def parse_sse(lines: Iterable[str]) -> Iterator[tuple[str, dict]]:
    """Parse text/event-stream lines (without line ends) into (event type, data dict).

    Follows the SSE rules that matter here: comment lines start with ':', an empty line ends an
    event, several `data:` lines are joined with newlines, one space after the colon is dropped.
    Events whose data is not a JSON object are skipped (and logged).
    """
    kind, data = "", []
    for line in lines:
        if line == "":
            if data:
                payload = "\n".join(data)
                try:
                    doc = json.loads(payload)
                except json.JSONDecodeError:
                    log.warning("event stream: data is not JSON: %.80r", payload)
                    doc = None
                if isinstance(doc, dict):
                    yield kind or str(doc.get("type") or "message"), doc
            kind, data = "", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            kind = value
        elif name == "data":
            data.append(value)
        # "id" and "retry" need no handling: the UI re-reads state after reconnecting


def split_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Decode UTF-8 byte chunks into lines, accepting \\n, \\r\\n and \\r line ends."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        while True:
            cut = min((i for i in (buffer.find(b"\n"), buffer.find(b"\r")) if i >= 0), default=-1)
            if cut < 0 or (buffer[cut:cut + 1] == b"\r" and cut + 1 == len(buffer)):
                break  # a lone trailing \r may be the first half of \r\n
            line, end = buffer[:cut], cut + 1
            if buffer[cut:cut + 2] == b"\r\n":
                end += 1
            buffer = buffer[end:]
            yield line.decode("utf-8", errors="replace")
    if buffer:
        yield buffer.rstrip(b"\r").decode("utf-8", errors="replace")


def json_body(method: str, body: dict | None) -> dict | None:
    """What a request sends: the core takes only JSON on a state-changing request, `{}` when empty."""
    return {} if body is None and method != "GET" else body


def screen_safe(doc: object) -> object:
    """A JSON answer of the core as the screens may show it: no escape sequence, control or bidi
    override in any text (edge/screen_text.py). Markup is the widgets' job (they show text literally)."""
    return clean_document(doc)


class CoreClient:
    """One core at `base_url`. Thread-safe enough for one UI: each call is one request."""

    def __init__(self, base_url: str, timeout: float = 5, screen: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # this UI's screen id: its wedge scans and its pay screen carry it, so a payment code shown
        # here pays only the order shown here (docs/payments.md); the camera's screen is configured
        self.screen_id = screen or uuid.uuid4().hex[:16]
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(max_retries=0))
        self._lock = threading.Lock()
        self._streams: set[requests.Response] = set()

    # -- plain requests ----------------------------------------------------------------------
    def _offline(self, error: Exception) -> CoreError:
        log.info("core unreachable at %s: %s", self.base_url, error)
        return CoreError("offline", f"无法连接核心服务 / cannot reach the core at {self.base_url}")

    def _call(self, method: str, path: str, body: dict | None = None, ok: tuple[int, ...] = (200,),
              headers: dict | None = None) -> dict:
        try:
            answer = self.session.request(method, self.base_url + path, json=json_body(method, body),
                                          timeout=self.timeout, headers=headers)
        except requests.RequestException as error:
            raise self._offline(error) from None
        try:
            doc = screen_safe(answer.json())
        except ValueError:
            doc = None
        if answer.status_code in ok and isinstance(doc, dict):
            return doc
        problem = doc.get("error") if isinstance(doc, dict) else None
        if isinstance(problem, dict):
            raise CoreError(str(problem.get("code") or "error"), str(problem.get("message") or answer.reason),
                            answer.status_code, problem.get("field"), problem)
        raise CoreError("bad_answer", f"unexpected answer from the core: HTTP {answer.status_code}",
                        answer.status_code)

    def health(self) -> dict:
        return self._call("GET", "/v1/health")

    def menu(self) -> dict:
        return self._call("GET", "/v1/menu")

    def place_order(self, doc: dict) -> dict:
        """POST /v1/orders: the order (201 placed, 200 placed before with this token)."""
        return self._call("POST", "/v1/orders", doc, ok=(200, 201))

    def order(self, order_id: str) -> dict:
        return self._call("GET", f"/v1/orders/{order_id}")

    def orders(self, limit: int = 20) -> list[dict]:
        return self._call("GET", f"/v1/orders?limit={int(limit)}")["orders"]

    def status(self) -> dict:
        return self._call("GET", "/v1/status")

    def scan(self, text: str) -> dict:
        """POST /v1/scans: a code typed by a keyboard-wedge scanner (202). The core classifies it
        like a camera read and announces it as a `scan` event; `text` is never logged here."""
        return self._call("POST", "/v1/scans", {"text": text, "screen": self.screen_id}, ok=(202,))

    def showing_payment(self, order_id: str | None) -> dict:
        """POST /v1/screens/{id}/showing: this screen shows the pay screen of `order_id` (None: left it)."""
        return self._call("POST", f"/v1/screens/{self.screen_id}/showing", {"order_id": order_id})

    def pay_from_scan(self, order_id: str) -> dict:
        """POST /v1/orders/{id}/payments with the code scanned at this screen (201 new, 200 the open one)."""
        return self._call("POST", f"/v1/orders/{order_id}/payments", {"from_scan": True, "screen": self.screen_id},
                          ok=(200, 201))

    # -- event stream ------------------------------------------------------------------------
    def events(self, on_open: Callable[[], None] | None = None) -> Iterator[tuple[str, dict]]:
        """Yield (type, data) from GET /v1/events until the stream ends or `close()` is called.

        Raises CoreError("offline") when the core cannot be reached or the stream breaks.
        The read timeout is a little over the core's heartbeat interval, so a silent core is
        noticed within ~20 s.
        """
        try:
            answer = requests.get(self.base_url + "/v1/events", stream=True,
                                  timeout=(self.timeout, STREAM_READ_TIMEOUT_S),
                                  headers={"Accept": "text/event-stream"})
        except requests.RequestException as error:
            raise self._offline(error) from None
        with self._lock:
            self._streams.add(answer)
        try:
            if answer.status_code != 200:
                raise CoreError("bad_answer", f"event stream: HTTP {answer.status_code}", answer.status_code)
            if on_open:
                on_open()
            for kind, data in parse_sse(split_lines(answer.iter_content(chunk_size=None))):
                yield kind, screen_safe(data)
        except requests.RequestException as error:
            raise self._offline(error) from None
        finally:
            with self._lock:
                self._streams.discard(answer)
            answer.close()

    def close(self) -> None:
        """Interrupt open event streams (even mid-read, from another thread) and close the session."""
        with self._lock:
            streams = list(self._streams)
        for answer in streams:
            try:
                answer.raw.shutdown()  # urllib3 >= 2.3: wakes a read blocked in another thread
            except (AttributeError, ValueError, RuntimeError, OSError):
                pass
        self.session.close()
