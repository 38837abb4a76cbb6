"""What every test directory shares: waiting for a condition, free loopback ports, an ASGI app
served in a thread, real processes to kill -9, and (tests/support/fixtures.py, loaded as a pytest
plugin by tests/conftest.py) the isolation every test runs in.

    from tests.support import wait_for, free_port, AppServer, CoreProcess, kill9, KillLoop
"""

from tests.support.ports import free_port, free_port_block
from tests.support.processes import CoreProcess, KillLoop, kill9, stop_process, wait_healthy
from tests.support.servers import AppServer
from tests.support.waiting import pilot_wait_for, wait_for

__all__ = ["AppServer", "CoreProcess", "KillLoop", "free_port", "free_port_block", "kill9", "pilot_wait_for",
           "stop_process", "wait_for", "wait_healthy"]
