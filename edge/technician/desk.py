"""The core's technician state and actions, behind the technician API (edge/core/technician_api.py):
the PIN login, the enrollment code held from the scanner, what the screens show, settings applied
to the running core (printers and camera restarted), enrollment with the held code.

    desk = TechnicianDesk(service)   # made by create_app(service) (edge.core.app); service.technician
"""

from __future__ import annotations


from edge.technician.auth import TechnicianAuth
from edge.technician.held import EnrollCodeHolder
from edge.refusal import Refused as BaseRefused


class Refused(BaseRefused):
    """A technician request the core refuses."""


class TechnicianDesk:
    """The core's technician state: the login, the held enrollment code."""

    def __init__(self, service):
        self.service = service
        minutes = getattr(getattr(service.config, "technician", None), "session_minutes", 15)
        self.auth = TechnicianAuth(service.db, service._write_lock, session_s=minutes * 60)  # noqa: SLF001
        self.codes = EnrollCodeHolder()
        if service.scanner is not None:
            self.codes.attach(service.scanner)

    # -- reads ---------------------------------------------------------------------------------
    def _enrollment(self) -> dict | None:
        from edge.sync.state import load_enrollment

        with self.service._write_lock:  # noqa: SLF001
            e = load_enrollment(self.service.db)
        return None if e is None else {"device_id": e.device_id, "store_id": e.store_id, "role": e.role,
                                       "upstream": e.upstream_url, "status": e.status, "reason": e.reason}

    def fresh(self) -> bool:
        """Never set up: no technician PIN, not enrolled, no order ever. Only then may the kiosk
        open technician mode without a PIN (the first step sets one)."""
        if self.auth.pin_set() or self._enrollment() is not None:
            return False
        with self.service._write_lock:  # noqa: SLF001
            return self.service.db.execute("SELECT count(*) FROM orders").fetchone()[0] == 0

    def state(self) -> dict:
        from edge.printer.profiles import PROFILES
        from edge.technician.settings import settings_path

        config, menu = self.service.config, self.service.menu
        held = self.codes.summary()
        return {
            "fresh": self.fresh(), "pin_set": self.auth.pin_set(), "locked_for_s": self.auth.locked_for_s(),
            "device": {"name": config.device.name, "ticket_prefix": config.device.ticket_prefix},
            "enrollment": self._enrollment(),
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
        from edge.technician.settings import SettingsError, save_settings

        changes = {}
        for section in ("device", "scanner", "printers", "stations"):
            if section in doc:
                if not isinstance(doc[section], dict):
                    raise Refused(422, "bad_settings", f"{section} must be an object", section)
                changes[section] = doc[section]
        if not changes:
            raise Refused(422, "bad_settings", "send one of device, scanner, printers, stations")
        try:
            new, _ = save_settings(self.service.config, changes)
        except SettingsError as error:
            raise Refused(422, "bad_settings", str(error)) from None
        self.apply(new)
        return self.state()

    def apply(self, new) -> None:
        """Run with `new` from now on: device name / prefix at once, printers and camera restarted."""
        from edge.printer.spool import PrintSpool

        service, old = self.service, self.service.config
        service.config = new
        if (new.printers, new.stations) != (old.printers, old.stations) and service.spool is not None:
            service.spool.stop()
            service.spool = PrintSpool(new.printers, new.db_path, service._print_job_changed,  # noqa: SLF001
                                       service._write_lock,  # noqa: SLF001
                                       on_status=lambda state: service.events.publish("printer.status", state))
            service.spool.start()
        if new.scanner.source != old.scanner.source and service.scanner is not None:
            from edge.scanner.loop import ScanLoop

            scanner, loop = service.scanner, service.scanner.loop
            scanner.stop()
            # the new loop keeps the old one's callback chain (the cashier's and our code holders)
            scanner.loop = ScanLoop(new.scanner.source or None, loop.on_scan, loop.on_status, fps=loop.fps,
                                    keyring_provider=loop.keyring_provider)
            scanner.last_status = None if new.scanner.source else "no camera configured"
            scanner.loop.start()
        service.events.publish("settings.changed", {"device": new.device.name, "printers": sorted(new.printers)})

    def enroll(self) -> dict:
        from edge.sync.enroll import EnrollError, enroll

        text = self.codes.take()
        if text is None:
            raise Refused(409, "no_code", "no enrollment code scanned in the last 10 minutes: show the QR code "
                                          "from `edge-upstream enroll-token` to the camera")
        try:
            e = enroll(self.service.config, text, name=self.service.config.device.name)
        except EnrollError as error:
            self.codes.put_back(text)  # keep it: the network may be back in a minute
            raise Refused(422, "enroll_failed", str(error)) from None
        if self.service.sync is not None:
            self.service.sync.wake()
        self.service.events.publish("enrollment", {"state": "enrolled", "store_id": e.store_id, "role": e.role})
        return {"device_id": e.device_id, "store_id": e.store_id, "role": e.role, "upstream": e.upstream_url}
