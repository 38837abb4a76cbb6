"""The technician's state and actions, behind the technician API (edge/core/technician_api.py):
the PIN login, the enrollment code held from the scanner, what the screens show, settings saved
and handed to the core to run with (printers and camera restarted there), enrollment with the
held code. Only codes this device may trust are held (signed by the pinned upstream key, for
an upstream on the install's allow-list: edge/sync/enroll.py); an enrolled device is enrolled
again only when a logged-in technician confirms the held code by its id.

    desk = TechnicianDesk(ledger, config=..., menu=..., apply_settings=..., wake_sync=...)
    # built by the core's wiring (edge/core/service.py): service.technician
"""

from __future__ import annotations

from collections.abc import Callable

from edge.config import Config
from edge.ledger.steps import Ledger
from edge.menu import Menu
from edge.printer_profiles import PROFILES
from edge.refusal import Refused as BaseRefused
from edge.sync.enroll import EnrollCode, EnrollError, check_trust, enroll, parse_enroll_code, pinned_key
from edge.sync.state import load_enrollment
from edge.technician.auth import TechnicianAuth
from edge.technician.enroll_code_hold import EnrollCodeHolder
from edge.technician.settings import SettingsError, save_settings, settings_path


class Refused(BaseRefused):
    """A technician request the core refuses."""


class TechnicianDesk:
    """The technician's state: the login, the held enrollment code."""

    def __init__(self, ledger: Ledger, *, config: Callable[[], Config], menu: Callable[[], Menu | None],
                 apply_settings: Callable[[Config], None], wake_sync: Callable[[], None]):
        """`config` / `menu`: the running ones; `apply_settings`: the core runs with a new config
        from now on; `wake_sync`: after an enrollment. The core attaches `codes` to its scanner."""
        self.ledger = ledger
        self._config, self._menu = config, menu
        self._apply_settings, self._wake_sync = apply_settings, wake_sync
        minutes = getattr(getattr(config(), "technician", None), "session_minutes", 15)
        self.auth = TechnicianAuth(ledger, session_s=minutes * 60)
        self.codes = EnrollCodeHolder(vet=self.vet_code)

    # -- reads ---------------------------------------------------------------------------------
    def _enrollment(self) -> dict | None:
        with self.ledger.reading() as db:
            e = load_enrollment(db)
        return None if e is None else {"device_id": e.device_id, "store_id": e.store_id, "role": e.role,
                                       "upstream": e.upstream_url, "status": e.status, "reason": e.reason}

    def vet_code(self, text: str) -> EnrollCode:
        """The code if this device may enroll with it (signature, allow-list, pinned key), else EnrollError."""
        code = parse_enroll_code(text)
        config = self._config()
        with self.ledger.reading() as db:
            pinned = pinned_key(config, db)
        check_trust(code, config.upstream.allowed_urls, pinned)
        return code

    def fresh(self) -> bool:
        """Never set up (out of the box): no technician PIN (the device's or the store's), not
        enrolled, no printer configured (in the config file or on the technician screen), no
        provisioned.toml, no order ever. Only then may the API set the first technician PIN without
        a session (the kiosk opens technician mode on it); on any other device the first PIN is set
        on the device's console (`edge technician set-pin`)."""
        config = self._config()
        if config.printers or settings_path(config).exists():
            return False
        if self.auth.pin_set() or self._enrollment() is not None:
            return False
        with self.ledger.reading() as db:
            return db.execute("SELECT count(*) FROM orders").fetchone()[0] == 0

    def state(self) -> dict:
        config, menu = self._config(), self._menu()
        held = self.codes.summary()
        return {
            "fresh": self.fresh(), "pin_set": self.auth.pin_set(), "locked_for_s": self.auth.locked_for_s(),
            "device": {"name": config.device.name, "ticket_prefix": config.device.ticket_prefix},
            "enrollment": self._enrollment(),
            "upstream": {"allowed_urls": list(config.upstream.allowed_urls),
                         "pinned_key": (pinned[:8] if (pinned := self._pinned()) else None)},
            "enroll_code": held.to_json() if held else None, "enroll_code_problem": self.codes.last_problem,
            "printers": {n: {"url": p.url, "profile": p.profile} for n, p in config.printers.items()},
            "stations": dict(config.stations),
            "menu_stations": [{"id": s.id, "zh": s.zh, "en": s.en} for s in (menu.stations if menu else ())],
            "scanner": {"source": config.scanner.source},
            "profiles": [{"name": p.name, "columns": p.columns, "encoding": p.encoding, "raster": p.raster}
                         for p in PROFILES.values()],
            "settings_file": str(settings_path(config)),
        }

    # -- writes --------------------------------------------------------------------------------
    def save_settings(self, doc: dict) -> dict:
        changes = {}
        for section in ("device", "scanner", "printers", "stations"):
            if section in doc:
                if not isinstance(doc[section], dict):
                    raise Refused(422, "bad_settings", f"{section} must be an object", section)
                changes[section] = doc[section]
        if not changes:
            raise Refused(422, "bad_settings", "send one of device, scanner, printers, stations")
        try:
            new, _ = save_settings(self._config(), changes)
        except SettingsError as error:
            raise Refused(422, "bad_settings", str(error)) from None
        self.apply(new)
        return self.state()

    def apply(self, new: Config) -> None:
        """Run with `new` from now on (the core restarts printers and camera as needed)."""
        self._apply_settings(new)

    def _pinned(self) -> str | None:
        with self.ledger.reading() as db:
            return pinned_key(self._config(), db)

    def enroll(self, confirm: str | None = None) -> dict:
        """Enroll with the held code. On an enrolled device only with `confirm`, the id of the held
        code the technician was shown (the state's enroll_code.id) and confirmed on the screen."""
        held = self.codes.summary()
        if held is None:
            raise Refused(409, "no_code", "no enrollment code scanned in the last 10 minutes: show the QR code "
                                          "from `edge-upstream enroll-token` to the camera")
        current = self._enrollment()
        if confirm is None and current is not None:
            raise Refused(409, "confirm_reenroll",
                          f"this device is enrolled with store {current['store_id']} ({current['upstream']}):"
                          f" moving it to store {held.store_id} ({held.upstream_url}) needs a technician's"
                          " confirmation on the technician screen", "confirm")
        text = self.codes.take(confirm)
        if text is None:
            raise Refused(409, "code_changed", "the held enrollment code is not the one confirmed (a new code was"
                                               " scanned or it expired): check it and confirm again", "confirm")
        try:
            self.vet_code(text)  # the allow-list or the pinned key may have changed since it was held
        except EnrollError as error:
            raise Refused(422, "enroll_refused", str(error)) from None
        try:
            config = self._config()
            e = enroll(config, text, name=config.device.name, replace=current is not None)
        except EnrollError as error:
            self.codes.put_back(text)  # keep it: the network may be back in a minute
            raise Refused(422, "enroll_failed", str(error)) from None
        self._wake_sync()
        self.ledger.publish("enrollment", {"state": "enrolled", "store_id": e.store_id, "role": e.role})
        return {"device_id": e.device_id, "store_id": e.store_id, "role": e.role, "upstream": e.upstream_url}
