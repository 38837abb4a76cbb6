"""The cashier desk: staff sessions, codes, order actions and the day report, on the ledger.

    desk = CashierDesk(ledger, config=..., menu=..., ...).attach(scanner, start=True)   # EdgeService.open

It is given what it uses (edge/core/service.py wires it): the ledger (steps, publish, clock), the
running config and menu, the print spool's and the sync worker's wake, the scanned-code context
and, for code payments, the payment side's refund.

- Scanned voucher codes are held in memory for a few minutes (`RecentCodes`): the `scan` event
  carries only the voucher id, so a cashier screen redeems "voucher V123" and the core finds
  the code it saw. Nothing of a code is written anywhere but the redemption record.
- Sessions: a cashier, manager or owner logs in with a PIN (edge/ledger/staff.py; a technician
  may not: technicians have their own mode); actions name their session (`X-Staff-Session`), so
  every void / refund / reprint / sold-out change / report print records who did it.
- Voids need a reason; a void worth more than `[cashier] void_manager_above_fen` needs a
  manager's id and PIN too (`manager_required`), like every refund.
- A background thread fetches the store's code keys from upstream while online and asks
  upstream for the verdict on offline redemptions (double redemption across devices), then
  announces conflicts on the event stream (`voucher.conflict`); it also sends the notices of
  tables' bills paid at the counter (`tables`, edge/cashier/tables.py) until upstream has them.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict

from collections.abc import Callable

from edge.cashier import order_actions, vouchers
from edge.cashier.day import category_names, day_report, render_text, render_ticket
from edge.cashier.order_actions import ActionRefused
from edge.cashier.tables import TableDesk
from edge.cashier.upstream_link import Offline, Refused, UpstreamLink
from edge.codes import CodeContext, classify_in
from edge.config import Config
from edge.ledger.code_keys import code_keyring, store_code_keys
from edge.ledger.menu_store import load_menu
from edge.ledger.outbox import append_event
from edge.ledger.print_jobs import report_printer
from edge.ledger.staff import CASHIER_ROLES, MANAGER_ROLES, Staff, check_staff_pin, list_staff, record_action
from edge.ledger.steps import Ledger
from edge.menu import Menu
from edge.orders import new_id
from edge.printer.jobstore import sha256
from edge.printer_profiles import get_profile

log = logging.getLogger(__name__)
HOLD_S = 300.0
HOLD_MAX = 32
SESSION_IDLE_S = 30 * 60
POLL_S, POLL_FAST_S = 60.0, 5.0
UPSTREAM_STATUSES = {"already_used", "expired", "wrong_store", "forged", "malformed", "unknown_key"}


class RecentCodes:
    """Voucher codes the scanner read lately, by voucher id (memory only, expire after HOLD_S)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def tap(self, on_scan):
        def hold_then_forward(code):
            if code.kind == "voucher":
                self.hold(code.fields["voucher_id"], code.reveal())
            on_scan(code)
        return hold_then_forward

    def hold(self, voucher_id: str, text: str) -> None:
        with self._lock:
            self._codes.pop(voucher_id, None)
            self._codes[voucher_id] = (text, time.monotonic())
            while len(self._codes) > HOLD_MAX:
                self._codes.popitem(last=False)

    def find(self, voucher_id: str) -> str | None:
        with self._lock:
            held = self._codes.get(voucher_id)
        return held[0] if held and time.monotonic() - held[1] <= HOLD_S else None


class Sessions:
    def __init__(self, idle_s: float = SESSION_IDLE_S) -> None:
        self.idle_s = idle_s
        self._lock = threading.Lock()
        self._open: dict[str, tuple[Staff, float]] = {}

    def open(self, staff: Staff) -> str:
        token = secrets.token_urlsafe(32)  # the shape the log redactor masks (edge/technician/redact.py)
        with self._lock:
            self._open[token] = (staff, time.monotonic())
        return token

    def get(self, token: str | None) -> Staff | None:
        with self._lock:
            held = self._open.get(token or "")
            if held is None or time.monotonic() - held[1] > self.idle_s:
                self._open.pop(token or "", None)
                return None
            self._open[token] = (held[0], time.monotonic())
            return held[0]

    def close(self, token: str | None) -> None:
        with self._lock:
            self._open.pop(token or "", None)


RefundCodePayment = Callable[..., dict]  # (at, order_id, amount, reason, staff, manager) -> the refund


class CashierDesk:
    def __init__(self, ledger: Ledger, *, config: Callable[[], Config], menu: Callable[[], Menu | None],
                 set_menu: Callable[[Menu], None], code_context: Callable[[], CodeContext],
                 wake_spool: Callable[[], None], wake_sync: Callable[[], None],
                 refund_code_payment: RefundCodePayment) -> None:
        """`config` / `menu`: the running ones (they change while the core runs); `set_menu`: the
        core's menu after a sold-out change; `refund_code_payment`: refunds through the gateway."""
        self.ledger = ledger
        self._config, self._menu, self._set_menu = config, menu, set_menu
        self._code_context = code_context
        self._wake_spool, self._wake_sync = wake_spool, wake_sync
        self._refund_code_payment = refund_code_payment
        self.codes = RecentCodes()
        self.sessions = Sessions()
        self.link = UpstreamLink(ledger.connect)
        self.tables = TableDesk(ledger, self.link, self.changed)
        self._voucher_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.keys_etag: str | None = None

    # -- life cycle -----------------------------------------------------------------------------
    def attach(self, scanner, start: bool) -> CashierDesk:
        """Hold the voucher codes `scanner` (a ScanService, or None) reads; start the upstream thread."""
        if scanner is not None:
            scanner.loop.on_scan = self.codes.tap(scanner.loop.on_scan)
        if start:
            self._thread = threading.Thread(target=self._loop, name="cashier-upstream", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(5)
        self.link.close()

    def wake(self) -> None:
        self._wake.set()

    # -- plumbing --------------------------------------------------------------------------------
    def locked(self, fn, *args, **kwargs):
        """`fn(db, ...)` under the ledger's lock (a read, or a step that opens its own transaction)."""
        with self.ledger.reading() as db:
            return fn(db, *args, **kwargs)

    @staticmethod
    def day_of(day: object) -> str | None:
        if day is None or day == "":
            return None
        if not (isinstance(day, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day)):
            raise ActionRefused(422, "bad_date", "a business day is YYYY-MM-DD")
        return day

    def now(self):
        return self.ledger.now()

    def changed(self, action: str, **data) -> None:
        self.ledger.publish("cashier.changed", {"action": action, **data})
        self._wake_sync()

    # -- staff ------------------------------------------------------------------------------------
    def staff_list(self) -> list[dict]:
        return [s.doc() for s in self.locked(list_staff, CASHIER_ROLES)]

    def login(self, staff_id: str, pin: str) -> tuple[dict, str | None]:
        """A session for a cashier, manager or owner with the right PIN; reason `not_allowed`
        (no session) for a technician's right PIN."""
        result = check_staff_pin(self.ledger, staff_id, pin, roles=CASHIER_ROLES)
        return result.doc(), self.sessions.open(result.staff) if result.ok else None

    def staff_of(self, token: str | None) -> Staff:
        staff = self.sessions.get(token)
        if staff is None:
            raise ActionRefused(401, "no_session", "log in with your PIN first (or again: the session ended)")
        return staff

    def manager(self, manager_id: object, pin: object, what: str = "a refund") -> Staff:
        if not isinstance(manager_id, str) or not isinstance(pin, str):
            raise ActionRefused(403, "manager_pin", f"{what} needs a manager's PIN (manager_id, manager_pin)")
        result = check_staff_pin(self.ledger, manager_id, pin, roles=MANAGER_ROLES)
        if result.ok:
            return result.staff
        if result.reason == "busy":
            raise ActionRefused(429, "busy", "another PIN for this manager is being checked: try again",
                                **result.doc())
        if result.reason == "locked":
            raise ActionRefused(423, "locked", f"too many wrong PINs: locked for {result.retry_after_s} s",
                                **result.doc())
        if result.reason == "not_allowed":
            raise ActionRefused(403, "not_manager", f"{result.staff.name} is not a manager", **result.doc())
        raise ActionRefused(403, "manager_pin", "wrong manager PIN", **result.doc())

    # -- vouchers ---------------------------------------------------------------------------------
    def _code_text(self, code: object, voucher_id: object) -> str:
        if isinstance(code, str) and code.strip():
            return code.strip()
        text = self.codes.find(voucher_id) if isinstance(voucher_id, str) else None
        if text is None:
            raise ActionRefused(404, "code_not_held",
                                "this voucher was not scanned in the last few minutes: scan it again")
        return text

    def verify_voucher(self, code: object = None, voucher_id: object = None, online: bool = True) -> dict:
        """Check a voucher without redeeming it: signature, store, expiry, this device's records
        and, when online, upstream's."""
        text = self._code_text(code, voucher_id)
        _, check = vouchers.check_text(text, self._code_context(), int(time.time()))
        check = self.locked(vouchers.with_local_record, check)
        if check.status == "valid" and online:
            try:
                answer = self.link.check(text)
                status = answer.get("status")
                if status in UPSTREAM_STATUSES:
                    check = vouchers.VoucherCheck(status, check.voucher, answer.get("reason"), answer.get("redemption"),
                                                  True)
                else:
                    check = vouchers.VoucherCheck(check.status, check.voucher, check.reason, None, True)
            except (Offline, Refused) as exc:
                log.info("voucher check offline: %s", exc)
                check = vouchers.VoucherCheck(check.status, check.voucher, check.reason, None, False)
        return check.doc()

    def redeem_voucher(self, staff: Staff, code: object = None, voucher_id: object = None,
                       order_id: object = None) -> dict:
        """Redeem once: online through upstream, else (signed codes) offline, queued for sync."""
        text = self._code_text(code, voucher_id)
        order_id = order_id if isinstance(order_id, str) and order_id else None
        with self._voucher_lock:
            at, day = self.now()
            _, check = vouchers.check_text(text, self._code_context(), at.wall_ms // 1000)
            check = self.locked(vouchers.with_local_record, check)
            if check.status != "valid":
                return check.doc()
            rid = self.locked(vouchers.begin, check, new_id(), day, staff.staff_id, order_id, at.wall_ms)
            if rid is None:
                return self.locked(vouchers.with_local_record, check).doc()
            try:
                self.link.redeem(text, rid, staff.staff_id, order_id)
                mode = "online"
            except Refused as refused:
                if refused.code not in UPSTREAM_STATUSES:
                    log.warning("voucher redemption refused upstream (%s): going offline", refused.code)
                    mode = "offline"
                else:
                    self.locked(lambda db: vouchers.drop(db, rid))
                    return vouchers.VoucherCheck(refused.code, check.voucher, refused.message, refused.body or None,
                                                 True).doc()
            except Offline as exc:
                log.info("voucher redemption offline: %s", exc)
                mode = "offline"
            with self.ledger.step() as db:
                vouchers.finish(db, rid, mode, at.wall_ms)
                payload = vouchers.event_payload(db, rid)
                append_event(db, "voucher.redeemed", payload, at)
                record_action(db, staff, "voucher", check.voucher["voucher_id"],
                              {"redemption_id": rid, "value": check.voucher["value"], "mode": mode}, at.wall_ms)
            record = self.locked(vouchers.redemption_of, check.voucher["store"], check.voucher["voucher_id"])
        self.changed("voucher", voucher_id=check.voucher["voucher_id"], mode=mode)
        if mode == "offline":
            self.wake()
        return vouchers.VoucherCheck("redeemed", check.voucher, None if mode == "online" else
                                     "offline: queued, confirmed at the next sync", record, mode == "online").doc()

    def reconcile(self) -> list[dict]:
        """Ask upstream about queued offline redemptions; announce double redemptions."""
        ids = self.locked(vouchers.queued)
        if not ids:
            return []
        results = self.link.verdicts(ids)
        conflicts = self.locked(vouchers.settle, results)
        for conflict in conflicts:
            self.ledger.publish("voucher.conflict", conflict)
        return conflicts

    def refresh_code_keys(self) -> bool:
        doc, etag = self.link.code_keys(self.keys_etag)
        if doc is None:
            return False
        self.locked(store_code_keys, doc.get("store_id"), doc.get("keys") or [])
        self.keys_etag = etag
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            for work in (self.tables.send_notices, self.refresh_code_keys, self.reconcile):
                try:
                    work()
                except Offline:
                    pass
                except Exception:  # noqa: BLE001 - the thread must keep going
                    log.exception("cashier upstream work failed")
            waiting = self.locked(vouchers.queued) or self.locked(code_keyring)[1] is None \
                or self.tables.queued_notices()
            self._wake.wait(POLL_FAST_S if waiting else POLL_S)
            self._wake.clear()

    # -- pickups and orders -------------------------------------------------------------------------
    def collect_pickup(self, staff: Staff, order_id: object = None, code: object = None) -> dict:
        if isinstance(code, str) and code.strip():
            scanned = classify_in(code.strip(), self._code_context())
            if scanned.kind != "pickup":
                raise ActionRefused(422, "bad_pickup_code",
                                    scanned.reason or f"a {scanned.kind} code, not a pickup code")
            order_id = scanned.fields["order_id"]
        if not isinstance(order_id, str):
            raise ActionRefused(422, "bad_request", "send the pickup code or the order id")
        at, _ = self.now()
        result = self.locked(order_actions.collect, at, order_id, staff)
        self.changed("pickup", order_id=order_id)
        return result

    def void(self, staff: Staff, order_id: str, lines: object, reason: object, manager_id: object = None,
             manager_pin: object = None) -> dict:
        """Void `lines` (None: everything left) for `reason` (required); above the store's
        threshold a manager approves it with their id and PIN (checked before anything changes)."""
        if lines is not None and not isinstance(lines, list):
            raise ActionRefused(422, "bad_line", "'lines' is a list of {line_no, qty}, or null for everything")
        if not order_actions.clean_reason(reason):
            raise ActionRefused(422, "reason_required", "say why the dish is voided (a reason)", "reason")
        self.locked(order_actions._order_row, order_id)  # 404 before asking for a PIN  # noqa: SLF001
        approver = None
        if manager_id is not None or manager_pin is not None:
            approver = self.manager(manager_id, manager_pin, "this void")
        at, day = self.now()
        result = self.locked(order_actions.void_lines, self._config(), self._menu(), at, day, order_id,
                             lines, str(reason), staff, approver)
        self._wake_spool()
        self.changed("void", order_id=order_id)
        return result

    def refund(self, staff: Staff, order_id: str, amount: object, reason: object, manager_id: object,
               manager_pin: object) -> dict:
        self.locked(order_actions._order_row, order_id)  # 404 before asking for a PIN  # noqa: SLF001
        manager = self.manager(manager_id, manager_pin)
        at, _ = self.now()
        if self.locked(order_actions.money, order_id)["electronic"]:  # through the upstream payment gateway
            try:
                result = self._refund_code_payment(at, order_id, amount, str(reason or ""), staff, manager)
            finally:
                self.changed("refund", order_id=order_id)
            return result
        result = self.locked(order_actions.refund, at, order_id, amount, str(reason or ""), staff, manager)
        self.changed("refund", order_id=order_id)
        return result

    def reprint(self, staff: Staff, job_id: str) -> dict:
        at, _ = self.now()
        result = self.locked(order_actions.reprint, self._config(), at, job_id, staff)
        self._wake_spool()
        self.changed("reprint", order_id=result["order_id"])
        return result

    def sold_out(self, staff: Staff, item_id: str, sold_out: bool) -> dict:
        at, _ = self.now()
        with self.ledger.reading() as db:
            result = order_actions.set_sold_out(db, at, item_id, sold_out, staff)
            menu = load_menu(db)
            self._set_menu(menu)
        self.ledger.publish("menu.changed", {"version": menu.version, "item_id": item_id, "sold_out": sold_out})
        self.changed("sold_out", item_id=item_id)
        return result

    # -- tables (edge/cashier/tables.py) ------------------------------------------------------------
    def close_table(self, staff: Staff, session_id: str, force: bool = False, manager_id: object = None,
                    manager_pin: object = None) -> dict:
        """清台; forcing it while the table owes money needs a manager's id and PIN."""
        manager = self.manager(manager_id, manager_pin, "清台 with money due") if force else None
        return self.tables.close(staff, session_id, force, manager)

    # -- day report ---------------------------------------------------------------------------------
    def report(self, day: str | None = None) -> dict:
        day = self.day_of(day) or self.now()[1]
        device = self._config().device.name
        with self.ledger.reading() as db:
            report, names = day_report(db, day), category_names(db)
            lines = {lang: render_text(report, category_names(db, lang), device, lang=lang).splitlines()
                     for lang in ("zh", "en")}  # one language each, for the screen's toggle
        closes = [dict(r) for r in self.locked(lambda db: db.query(
            "SELECT closed_ms, staff_id FROM day_closes WHERE business_day = ? ORDER BY id", [day]))]
        return {**report.doc(), "category_names": names, "closed": closes,
                "text": render_text(report, names, device), "lines": lines}

    def print_report(self, staff: Staff, day: str | None = None) -> dict:
        at, today = self.now()
        day = self.day_of(day) or today
        with self.ledger.step() as db:
            job = self._report_job(db, day)
            record_action(db, staff, "report_print", day, {"job_id": job}, at.wall_ms)
        self._wake_spool()
        return {"job": job}

    def _report_job(self, db, day: str) -> str:
        config = self._config()
        printer = report_printer(config)
        if printer is None:
            raise ActionRefused(409, "no_report_printer", "the day report prints on the counter's receipt printer, "
                                "and none is set: a technician sets one ([stations] receipt = \"PRINTER\", or "
                                "[stations] report = \"PRINTER\" for the report alone)")
        profile = get_profile(config.printers[printer].profile)
        payload = render_ticket(day_report(db, day), category_names(db), config.device.name, profile)
        job_id, stamp = new_id(), int(time.time() * 1000)
        db["print_jobs"].insert({
            "id": job_id, "order_id": None, "kind": "report", "station_id": None, "printer": printer,
            "station_seq": None, "state": "queued", "payload": payload, "payload_sha256": sha256(payload),
            "reprint": 0, "attempts": 0, "last_error": None, "created_wall_ms": stamp, "updated_wall_ms": stamp,
            "ticket": None, "profile": profile.name})
        return job_id

    def close_day(self, staff: Staff, day: str | None = None, print_it: bool = True) -> dict:
        """日结: the report, recorded (table + `day.closed` event) and printed."""
        at, today = self.now()
        day = self.day_of(day) or today
        config = self._config()
        with self.ledger.step() as db:
            doc = day_report(db, day).doc()
            db["day_closes"].insert({"business_day": day, "closed_ms": at.wall_ms, "staff_id": staff.staff_id,
                                          "report": json.dumps(doc, ensure_ascii=False, sort_keys=True)})
            append_event(db, "day.closed", {"business_day": day, "report": doc, "staff_id": staff.staff_id,
                                            "staff_name": staff.name, "device": config.device.name}, at)
            record_action(db, staff, "day_close", day, {"net": doc["net"], "orders": doc["orders"]}, at.wall_ms)
            job = self._report_job(db, day) if print_it and report_printer(config) else None
        if job:
            self._wake_spool()
        self.changed("day_close", day=day)
        return {**self.report(day), "job": job}
