"""`edge doctor`: one line per check with the fix, `--json` objects {name, ok, detail, fix}, exit
status 1 on a problem; the same checks from the running core (GET /v1/doctor); a full disk
names what to delete; a broken database, a dead printer and stuck queues are problems."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import cv2
import numpy as np

from edge.config import load_config
from edge.core.service import EdgeService
from edge.technician.disk import MIB, disk_check
from edge.technician.doctor import run_doctor
from tests.support import free_port, wait_for as wait_until
from tests.technician.helpers import write_config

NAMES = {"core", "settings", "database", "disk", "clock", "enrollment", "upstream", "sync queue", "print queue",
         "camera", "decoders"}


def doctor_cli(config_path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edge.technician.cli", "doctor", "--config", str(config_path), *args],
                          capture_output=True, text=True, timeout=60)


def image_folder(path):
    path.mkdir(parents=True)
    cv2.imwrite(str(path / "frame.png"), np.full((48, 64, 3), 200, np.uint8))
    return path


def test_without_a_core_the_doctor_opens_camera_and_printers_itself(tmp_path, sims):
    sim = sims()
    dead = free_port()
    config = write_config(tmp_path / "dev", f'[core]\nport = {free_port()}\n'
                                            f'[scanner]\nsource = "{image_folder(tmp_path / "cam")}"\n'
                                            f'[printers.kitchen]\nurl = "tcp://127.0.0.1:{sim.port}"\n'
                                            f'[printers.dead]\nurl = "tcp://127.0.0.1:{dead}"\ntimeout = 1.0\n')
    EdgeService(load_config(config, environ={})).open(start_printing=False).close()
    done = doctor_cli(config, "--json")
    assert done.returncode == 1, done.stderr
    checks = json.loads(done.stdout)
    assert all(set(c) == {"name", "ok", "detail", "fix"} for c in checks)
    by_name = {c["name"]: c for c in checks}
    assert NAMES <= set(by_name) and {"printer kitchen", "printer dead"} <= set(by_name)
    assert not by_name["core"]["ok"] and "systemctl restart matou-core" in by_name["core"]["fix"]
    assert by_name["printer kitchen"]["ok"] and "ready" in by_name["printer kitchen"]["detail"]
    assert not by_name["printer dead"]["ok"] and "refused" in by_name["printer dead"]["detail"]
    assert "port" in by_name["printer dead"]["fix"]
    assert by_name["camera"]["ok"] and "64x48 frame" in by_name["camera"]["detail"]
    assert by_name["database"]["ok"] and by_name["decoders"]["ok"]
    assert not by_name["enrollment"]["ok"] and "edge enroll" in by_name["enrollment"]["fix"]
    lines = doctor_cli(config).stdout.splitlines()
    assert len(lines) == len(checks) + 1 and lines[-1].startswith(f"{sum(not c['ok'] for c in checks)} problem")
    assert all(line.startswith(("OK ", "PROBLEM ")) for line in lines[:-1])
    assert any(line.startswith("PROBLEM  printer dead:") and "-> fix:" in line for line in lines)


def test_a_missing_camera_and_a_broken_database_are_problems_with_a_fix(tmp_path):
    config = load_config(write_config(tmp_path / "dev", '[scanner]\nsource = "/dev/video97"\n'), environ={})
    config.data_dir.mkdir(parents=True)
    config.db_path.write_bytes(b"SQLite format 3\x00" + b"\x13" * 8000)
    found = {c.name: c for c in run_doctor(config, None)}
    assert not found["database"].ok and "backup" in found["database"].fix
    assert not found["camera"].ok and "/dev/video" in found["camera"].fix


def test_a_full_disk_says_so_and_names_what_to_delete(tmp_path):
    data = tmp_path / "data"
    (data / "backups").mkdir(parents=True)
    (data / "logs").mkdir()
    for n in (1, 2, 3):
        (data / "backups" / f"edge-{n:06d}-2025010{n}T000000Z.sqlite").write_bytes(b"x" * 3 * MIB)
    (data / "logs" / "core.log").write_bytes(b"y" * 2 * MIB)
    ok, detail, fix = disk_check(data, data / "edge.sqlite", usage=lambda _: (8 << 30, (8 << 30) - MIB, MIB))
    assert not ok and "FULL" in detail and "orders cannot be saved" in detail
    assert "2 old backup(s)" in fix and "6.0 MiB" in fix and "edge backup --keep 1" in fix
    assert "1 log file(s): 2.0 MiB" in fix and "Never delete edge.sqlite" in fix
    assert fix.index("old backup") < fix.index("log file")  # biggest first
    ok, _, fix = disk_check(data, data / "edge.sqlite", usage=lambda _: (8 << 30, 0, 4 << 30))
    assert ok and fix == ""


def test_the_doctor_cli_reports_low_disk_against_the_configured_threshold(tmp_path):
    config = write_config(tmp_path / "dev", f"[core]\nport = {free_port()}\n[technician]\nmin_free_mib = 1000000000\n")
    EdgeService(load_config(config)).open(start_printing=False).close()  # the device's database, as the core left it
    checks = {c["name"]: c for c in json.loads(doctor_cli(config, "--json").stdout)}
    assert not checks["disk"]["ok"] and "under 1000000000 MiB free" in checks["disk"]["detail"]


def test_the_core_serves_the_same_checks_from_its_own_view(core_at, sims):
    sim = sims()
    core = core_at(f'[printers.kitchen]\nurl = "tcp://127.0.0.1:{sim.port}"\n')
    wait_until(lambda: core.get("/v1/status").json()["printers"]["kitchen"]["state"] == "ok", what="printer check")
    doc = core.get("/v1/doctor").json()
    checks = {c["name"]: c for c in doc["checks"]}
    assert NAMES <= set(checks) and doc["ok"] is False
    assert checks["core"]["ok"] and checks["printer kitchen"]["ok"]
    assert checks["print queue"]["ok"] and checks["sync queue"]["ok"]


def test_jobs_that_need_attention_make_the_print_queue_a_problem(core_at):
    core = core_at()  # no printer at all: the kitchen's jobs wait in "attention"
    order = {"client_token": uuid.uuid4().hex, "lines": [{"item_id": "har_gow", "qty": 1}]}
    assert core.http.post(core.url + "/v1/orders", json=order, timeout=10).status_code == 201
    checks = {c["name"]: c for c in core.get("/v1/doctor").json()["checks"]}
    assert not checks["print queue"]["ok"] and "need attention" in checks["print queue"]["detail"]
    assert "edge printers jobs --state attention" in checks["print queue"]["fix"]
    assert not checks["printers"]["ok"] and "no printer configured" in checks["printers"]["detail"]
