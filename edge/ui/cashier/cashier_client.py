"""The cashier's calls to the core (docs/cashier.md): CoreClient plus the /v1/cashier endpoints,
with the staff session of whoever logged in on this screen."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from edge.ui.core_client import CoreClient, CoreError


class CashierClient(CoreClient):
    def __init__(self, base_url: str, timeout: float = 15, screen: str | None = None):
        super().__init__(base_url, timeout, screen)
        self.staff_session: str | None = None
        self.staff: dict | None = None

    def _act(self, method: str, path: str, body: dict | None = None, ok: tuple[int, ...] = (200,)) -> dict:
        """A cashier request: the staff session (from the PIN login) rides along."""
        headers = {"X-Staff-Session": self.staff_session} if self.staff_session else None
        return self._call(method, path, body, ok, headers=headers)

    # -- staff ------------------------------------------------------------------------------
    def staff_list(self) -> list[dict]:
        return self._act("GET", "/v1/cashier/staff")["staff"]

    def login(self, staff_id: str, pin: str) -> dict:
        doc = self._act("POST", "/v1/cashier/login", {"staff_id": staff_id, "pin": pin})
        self.staff_session, self.staff = doc["session"], doc["staff"]
        return doc["staff"]

    def logout(self) -> None:
        if self.staff_session:
            try:
                self._act("POST", "/v1/cashier/logout")
            except CoreError:
                pass
        self.staff_session, self.staff = None, None

    # -- codes ------------------------------------------------------------------------------
    def verify_voucher(self, voucher_id: str | None = None, code: str | None = None) -> dict:
        return self._act("POST", "/v1/cashier/vouchers/verify", {"voucher_id": voucher_id, "code": code})

    def redeem_voucher(self, voucher_id: str | None = None, code: str | None = None) -> dict:
        return self._act("POST", "/v1/cashier/vouchers/redeem", {"voucher_id": voucher_id, "code": code})

    def take_cash(self, order_id: str) -> dict:
        """POST /v1/orders/{id}/cash: the cashier took the cash for an unpaid order (sends it to the kitchen)."""
        return self._act("POST", f"/v1/orders/{order_id}/cash", {})

    def pay_code(self, order_id: str, code: str) -> dict:
        """POST /v1/orders/{id}/payments with a code the cashier typed (never logged or kept here)."""
        return self._act("POST", f"/v1/orders/{order_id}/payments", {"code": code}, ok=(200, 201))

    def pay_from_scan(self, order_id: str) -> dict:
        """The code this screen's wedge scanner read, for the order on this screen."""
        return self._act("POST", f"/v1/orders/{order_id}/payments", {"from_scan": True, "screen": self.screen_id},
                         ok=(200, 201))

    def collect(self, order_id: str) -> dict:
        return self._act("POST", "/v1/cashier/pickups", {"order_id": order_id})

    # -- orders -----------------------------------------------------------------------------
    def find_orders(self, **query) -> list[dict]:
        params = urlencode({k: v for k, v in query.items() if v not in (None, "", False)})
        return self._act("GET", "/v1/cashier/orders" + (f"?{params}" if params else ""))["orders"]

    def order_detail(self, order_id: str) -> dict:
        return self._act("GET", f"/v1/cashier/orders/{order_id}")

    def void(self, order_id: str, lines: list[dict] | None, reason: str, manager_id: str | None = None,
             manager_pin: str | None = None) -> dict:
        body: dict = {"lines": lines, "reason": reason}
        if manager_id is not None:
            body.update(manager_id=manager_id, manager_pin=manager_pin)
        return self._act("POST", f"/v1/cashier/orders/{order_id}/void", body)

    def refund(self, order_id: str, amount: int, reason: str, manager_id: str, manager_pin: str) -> dict:
        return self._act("POST", f"/v1/cashier/orders/{order_id}/refund",
                         {"amount": amount, "reason": reason, "manager_id": manager_id, "manager_pin": manager_pin})

    def reprint(self, job_id: str) -> dict:
        return self._act("POST", f"/v1/cashier/print-jobs/{job_id}/reprint")

    def set_sold_out(self, item_id: str, sold_out: bool) -> dict:
        return self._act("POST", f"/v1/cashier/menu/items/{item_id}/sold-out", {"sold_out": sold_out})

    # -- tables (桌台) -----------------------------------------------------------------------
    def tables(self) -> dict:
        """GET /v1/tables: {"online", "message", "tables": [...]} (edge/core/tables_api.py)."""
        return self._act("GET", "/v1/tables")

    def open_table(self, table: str) -> dict:
        return self._act("POST", f"/v1/tables/{quote(table, safe='')}/open", {})

    def close_table(self, session_id: str, manager_id: str | None = None, manager_pin: str | None = None) -> dict:
        body: dict = {}
        if manager_id is not None:
            body = {"force": True, "manager_id": manager_id, "manager_pin": manager_pin}
        return self._act("POST", f"/v1/tables/{quote(session_id, safe='')}/close", body)

    def pay_bill_cash(self, session_id: str) -> dict:
        return self._act("POST", f"/v1/tables/{quote(session_id, safe='')}/pay", {"method": "cash"})

    def pay_bill_code(self, session_id: str, code: str) -> dict:
        """The whole bill with a code the cashier typed (never logged or kept here)."""
        return self._act("POST", f"/v1/tables/{quote(session_id, safe='')}/pay", {"method": "code", "code": code},
                         ok=(200, 201))

    def pay_bill_from_scan(self, session_id: str) -> dict:
        """The whole bill with the code this screen's wedge scanner read."""
        return self._act("POST", f"/v1/tables/{quote(session_id, safe='')}/pay",
                         {"method": "code", "from_scan": True, "screen": self.screen_id}, ok=(200, 201))

    def call_handled(self, call_id: str) -> dict:
        return self._act("POST", f"/v1/calls/{quote(call_id, safe='')}/handled", {})

    # -- day --------------------------------------------------------------------------------
    def day_report(self, day: str | None = None) -> dict:
        return self._act("GET", "/v1/cashier/reports/day" + (f"?date={day}" if day else ""))

    def print_report(self, day: str | None = None) -> dict:
        return self._act("POST", "/v1/cashier/reports/day/print", {"date": day}, ok=(202,))

    def close_day(self, day: str | None = None) -> dict:
        return self._act("POST", "/v1/cashier/reports/day/close", {"date": day, "print": True})
