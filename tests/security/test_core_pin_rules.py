"""How long a PIN must be: 6-12 digits for anyone who can approve a refund (managers, owners) or
open technician mode, 4-12 for cashiers; enforced where a PIN is set (the upstream's `staff set`,
the device's technician PIN), while hashes of shorter PINs set before keep verifying."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from edge.ledger.staff import MANAGER_ROLES, check_pin
from edge.protocol.pins import LONG_PIN_ROLES, check_new_pin, hash_pin, verify_pin
from edge.technician.auth import PinRefused
from edge.technician.auth import check_new_pin as check_technician_pin
from tests.cashier.helpers import open_service
from upstream.cli import cli as upstream_cli
from upstream.enroll import add_store
from upstream.schema import open_database


def test_every_role_that_approves_a_refund_needs_a_long_pin():
    assert set(MANAGER_ROLES) | {"technician"} <= set(LONG_PIN_ROLES)
    for role in LONG_PIN_ROLES:
        for short in ("1234", "48213"):
            with pytest.raises(ValueError, match="6-12 digits"):
                check_new_pin(short, role)
        check_new_pin("482913", role)
    check_new_pin("4821", "cashier")
    for bad in ("482", "4821390123456", "48a1", "４８２１"):
        with pytest.raises(ValueError):
            check_new_pin(bad, "cashier")
    with pytest.raises(PinRefused):
        check_technician_pin("48213")  # the device's own technician PIN: 6-12 digits already


@pytest.fixture
def upstream_db(tmp_path):
    db = open_database(str(tmp_path / "upstream.sqlite"))
    add_store(db, "s1", "Store 1")
    yield db
    db.close()


def staff_set(db, staff_id: str, role: str, pin: str):
    return CliRunner().invoke(upstream_cli, ["staff", "set", "s1", staff_id, "--name", staff_id, "--role", role,
                                             "--database", db.url], input=f"{pin}\n{pin}\n")


@pytest.mark.parametrize("role", ["manager", "technician"])
def test_the_upstream_refuses_a_short_pin_for_a_manager_or_a_technician(upstream_db, role):
    refused = staff_set(upstream_db, "m1", role, "9876")
    assert refused.exit_code != 0 and "6-12 digits" in refused.output
    assert upstream_db.one("SELECT count(*) AS n FROM staff WHERE staff_id = 'm1'")["n"] == 0
    assert staff_set(upstream_db, "m1", role, "928374").exit_code == 0
    stored = upstream_db.one("SELECT pin_hash FROM staff WHERE staff_id = 'm1'")["pin_hash"]
    assert verify_pin("928374", stored)
    assert staff_set(upstream_db, "m1", role, "4321").exit_code != 0, "changing it enforces the rule too"
    assert verify_pin("928374", upstream_db.one("SELECT pin_hash FROM staff WHERE staff_id = 'm1'")["pin_hash"])


def test_a_cashier_keeps_a_four_digit_pin(upstream_db):
    assert staff_set(upstream_db, "c1", "cashier", "4321").exit_code == 0


def test_a_manager_whose_short_pin_was_set_before_the_rule_still_approves(tmp_path):
    service = open_service(tmp_path / "d", start=False)
    with service.ledger.step() as db:  # synced from an upstream before the rule
        db["staff_pins"].insert({"staff_id": "m0", "name": "老板", "role": "owner", "pin_hash": hash_pin("2580")})
    assert check_pin(service.db, "m0", "2580", roles=MANAGER_ROLES).ok
    service.close()
