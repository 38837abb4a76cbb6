"""Re-enrolling an enrolled device from its technician screen (issue 12, item 3), at 80x24: a
trusted code scanned on an enrolled device changes nothing until the logged-in technician taps
"Enroll", reads where the device is and where the code would move it, and confirms."""

from __future__ import annotations

import pytest
import requests

from edge.ui.technician.provision import EnrollScreen
from edge.ui.technician.technician_app import create_technician_app
from edge.ui.technician.technician_home import HomeScreen
from tests.support import wait_for
from tests.support.upstream_trust import trust_section
from tests.sync.fixtures import enroll_code, sqlite_upstream, sqlite_upstream_db  # noqa: F401 - fixtures
from tests.technician.helpers import PIN, Core, write_config
from upstream.enroll import add_store

SIZE = (80, 24)


@pytest.fixture
def enrolled_core(tmp_path, sqlite_upstream, sqlite_upstream_db):  # noqa: F811 - fixtures
    add_store(sqlite_upstream_db, "s2", "二号店")
    core = Core(write_config(tmp_path / "dev", trust_section(sqlite_upstream.url, sqlite_upstream_db))).start()
    session = core.login()
    core.http.post(core.url + "/v1/scans", json={"text": enroll_code(sqlite_upstream_db, sqlite_upstream.url)},
                   timeout=10)
    wait_for(lambda: core.get("/v1/technician/state").json()["enroll_code"], what="the held code")
    assert core.post("/v1/technician/enroll", {}, session).status_code == 200
    yield core
    core.stop()


def enrollment(core: Core) -> dict:
    return core.get("/v1/technician/state").json()["enrollment"]


async def test_reenrollment_waits_for_the_technicians_confirmation_on_the_screen(enrolled_core, sqlite_upstream,
                                                                                   sqlite_upstream_db, ui):
    core, before = enrolled_core, enrollment(enrolled_core)
    assert before["store_id"] == "s1"
    # a trusted code for store s2 arrives through the unauthenticated scan endpoint
    assert requests.post(core.url + "/v1/scans", timeout=10,
                         json={"text": enroll_code(sqlite_upstream_db, sqlite_upstream.url, store="s2")}).ok
    app = create_technician_app(core.url)
    async with app.run_test(size=SIZE) as pilot:
        await ui.wait_for(pilot, lambda: "Technician PIN" in ui.text_of(app, "#pin-prompt"), what="login")
        for key in PIN:
            await pilot.press(key)
        await pilot.press("enter")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="home")
        await ui.tap(pilot, "#go-provision")
        await ui.tap(pilot, "#next")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, EnrollScreen), what="enroll step")
        await ui.wait_for(pilot, lambda: not app.screen.query_one("#enroll").disabled, what="the held code")
        assert "store s2" in ui.screen_text(app)

        await ui.tap(pilot, "#enroll")  # asks first
        await ui.wait_for(pilot, lambda: app.screen.query_one("#reenroll-box").display, what="the question")
        question = ui.text_of(app, "#reenroll-question")
        assert "store s1" in question and "store s2" in question and sqlite_upstream.url in question
        await pilot.pause(1.0)
        assert enrollment(core) == before, "nothing changes before the confirmation"
        await ui.tap(pilot, "#reenroll-cancel")
        assert not app.screen.query_one("#reenroll-box").display
        assert enrollment(core) == before

        await ui.tap(pilot, "#enroll")
        await ui.wait_for(pilot, lambda: app.screen.query_one("#reenroll-box").display, what="the question")
        await ui.tap(pilot, "#reenroll-confirm")
        await ui.wait_for(pilot, lambda: "Enrolled" in ui.screen_text(app), timeout=20, what="enrolled")
    after = enrollment(core)
    assert after["store_id"] == "s2" and after["device_id"] != before["device_id"]
