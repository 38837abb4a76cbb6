"""The technician screens' client: the core's API plus the technician endpoints, with the
session header once logged in (docs/technician.md). The PIN is sent once and never kept."""

from __future__ import annotations

from edge.ui.core_client import CoreClient

SESSION_HEADER = "X-Technician-Session"


class TechnicianClient(CoreClient):
    def __init__(self, base_url: str, timeout: float = 10):
        super().__init__(base_url, timeout=timeout)

    @property
    def logged_in(self) -> bool:
        return SESSION_HEADER in self.session.headers

    def _session(self, doc: dict) -> dict:
        self.session.headers[SESSION_HEADER] = doc["session"]
        return doc

    def state(self) -> dict:
        return self._call("GET", "/v1/technician/state")

    def doctor(self) -> dict:
        return self._call("GET", "/v1/doctor")

    def login(self, pin: str) -> dict:
        return self._session(self._call("POST", "/v1/technician/login", {"pin": pin}))

    def set_pin(self, pin: str) -> dict:
        return self._session(self._call("POST", "/v1/technician/pin", {"pin": pin}))

    def logout(self) -> None:
        try:
            self._call("POST", "/v1/technician/logout")
        finally:
            self.session.headers.pop(SESSION_HEADER, None)

    def settings(self, doc: dict) -> dict:
        return self._call("POST", "/v1/technician/settings", doc)

    def enroll(self, confirm: str | None = None) -> dict:
        """Enroll with the held code; `confirm`: its id, needed to re-enroll an enrolled device."""
        return self._call("POST", "/v1/technician/enroll", {"confirm": confirm} if confirm else {})

    def _slow(self, path: str, body: dict, timeout: float) -> dict:
        """A long call on its own connection (the screens keep polling meanwhile)."""
        other = CoreClient(self.base_url, timeout=timeout)
        other.session.headers.update(self.session.headers)
        try:
            return other._call("POST", path, body)
        finally:
            other.close()

    def scan_printers(self, subnet: str | None = None, ports: list[int] | None = None) -> dict:
        body = {**({"subnet": subnet} if subnet else {}), **({"ports": ports} if ports else {})}
        return self._slow("/v1/technician/printers/scan", body, 60)

    def probe(self, url: str) -> dict:
        return self._call("POST", "/v1/technician/printers/probe", {"url": url})

    def print_test(self, url: str, profile: str) -> dict:
        """POST /v1/print-test (the printing API): status and what happened to the test page."""
        return self._slow("/v1/print-test", {"url": url, "profile": profile, "wait": 20}, 75)
