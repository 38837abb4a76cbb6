"""A test page through a configured printer's own queue (the technician's and POST /v1/print-test's
"does this printer work?"): one job in the ledger, the spool woken, its outcome awaited.
"""

from __future__ import annotations

import json
import time

from edge.ledger.print_jobs import get_job
from edge.orders import new_id
from edge.printer.jobstore import sha256
from edge.printer_profiles import get_profile
from edge.printer.testpage import render_test_page


def queue_test_page(service, printer: str, profile_name: str | None, wait: float) -> dict:
    """A test page through `printer`'s own queue; waits up to `wait` s for its outcome."""
    config = service.config
    profile = get_profile(profile_name or config.printers[printer].profile)
    url = config.printers[printer].url
    stamp = int(time.time() * 1000)
    doc = {"url": url, "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    payload = render_test_page(profile, doc["url"], doc["when"])
    job_id = new_id()
    with service.ledger.step() as db:
        db["print_jobs"].insert({
            "id": job_id, "order_id": None, "kind": "test", "station_id": None, "printer": printer,
            "station_seq": None, "state": "queued", "payload": payload, "payload_sha256": sha256(payload),
            "reprint": 0, "attempts": 0, "last_error": None, "created_wall_ms": stamp, "updated_wall_ms": stamp,
            "ticket": json.dumps(doc), "profile": profile.name})
    service.spool.wake(printer)
    deadline = time.monotonic() + wait
    while True:
        with service.ledger.reading() as db:
            job = get_job(db, job_id)
        refused = job["state"] == "queued" and bool(job["last_error"])  # paper out, offline …: say so now
        done = job["state"] == "printed" or (job["state"] == "sent" and job["unconfirmed"]) or refused
        if done or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    outcome = {"printed": "printed"}.get(job["state"], "sent, not confirmed" if job["unconfirmed"] else
                                         f"not printed yet ({job['state']}): {job['last_error'] or 'waiting'}; "
                                         "it prints when the printer is ready")
    return {"printer": printer, "profile": profile.name, "via": "core queue", "outcome": outcome,
            "status": service.spool.workers[printer].state(), "job": job}
