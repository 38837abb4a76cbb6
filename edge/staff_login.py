"""The CLI's staff login: a command that takes money or prints (`edge payments cash|abandon`,
`edge printers reprint`, `edge report day --print`) acts as a staff member of the running core,
like the cashier screens do.

    @staff_options                       # --staff ID / $EDGE_STAFF_ID, --pin PIN / $EDGE_STAFF_PIN
    def command(..., staff_id, pin):
        with staff_session(core_url, staff_id, pin) as headers: requests.post(..., headers=headers)

Like `edge vouchers redeem --staff ID --pin PIN`; the PIN is asked for (hidden) when neither
--pin nor $EDGE_STAFF_PIN gives it. Without a staff id the command is refused with a clear message
(exit 1), before anything is sent. The session is closed when the command ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from edge.screen_text import clean_line

ID_ENV, PIN_ENV = "EDGE_STAFF_ID", "EDGE_STAFF_PIN"
SESSION_HEADER = "X-Staff-Session"



def staff_options(command):
    """--staff and --pin on a click command (its function takes `staff_id` and `pin`)."""
    command = click.option("--pin", envvar=PIN_ENV, default=None, show_envvar=True,
                           help="Your PIN (default: asked for, hidden).")(command)
    return click.option("--staff", "staff_id", envvar=ID_ENV, default=None, show_envvar=True,
                        help="Your staff id (a cashier, manager or owner).")(command)


def _post(url: str, headers: dict | None = None, **body) -> dict:
    import requests

    try:
        answer = requests.post(url, json=body, headers=headers, timeout=30)
    except requests.RequestException as error:
        raise click.ClickException(f"cannot reach the core at {url.split('/v1/')[0]}: is `edge core` running? "
                                   f"({error.__class__.__name__})") from None
    try:
        doc = answer.json()
    except ValueError:
        doc = {}
    if answer.status_code >= 400:
        err = doc.get("error") if isinstance(doc.get("error"), dict) else {}
        raise click.ClickException(clean_line(f"staff login refused: {err.get('message') or answer.status_code}"))
    return doc


@contextmanager
def staff_session(core_url: str, staff_id: str | None, pin: str | None,
                  what: str = "this command") -> Iterator[dict[str, str]]:
    """The headers of a staff session on the core at `core_url` (logged out afterwards);
    ClickException when no staff id is given or the login is refused."""
    if not staff_id:
        raise click.ClickException(f"{what} needs a staff login: give --staff ID (or ${ID_ENV}) and your PIN "
                                   f"(--pin, ${PIN_ENV}, or typed when asked)")
    pin = pin or click.prompt(f"PIN of {staff_id}", hide_input=True, err=True)
    base = core_url.rstrip("/")
    token = _post(f"{base}/v1/cashier/login", staff_id=staff_id, pin=pin)["session"]
    headers = {SESSION_HEADER: token}
    try:
        yield headers
    finally:
        try:
            _post(f"{base}/v1/cashier/logout", headers=headers)
        except click.ClickException:
            pass
