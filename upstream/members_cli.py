"""`edge-upstream members …` and `edge-upstream campaigns …`: a store owner's members (masked:
never a payer id or a phone number in clear), their points rule, erasing one on request, and the
coupon campaigns (create, list, stop). Money is typed in yuan and kept in fen.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import click

from edge.money import parse_yuan
from upstream import campaigns, members
from upstream.errors import ApiError, now_ms
from upstream.schema import open_database

BEIJING = timezone(timedelta(hours=8))
DB_OPTION = click.option("--database", "database", default=None, envvar="EDGE_UPSTREAM_DATABASE",
                         help="SQLite file path or postgresql://… (default: $EDGE_UPSTREAM_DATABASE).")


def _db(database: str | None):
    try:
        return open_database(database)
    except Exception as exc:  # noqa: BLE001 - one clear line for any connection problem
        raise click.ClickException(f"cannot open the upstream database: {exc}") from None


def _when(ms: int | None) -> str:
    return datetime.fromtimestamp(ms / 1000, BEIJING).strftime("%Y-%m-%d %H:%M") if ms else "-"


def _yuan(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    try:
        return parse_yuan(text)
    except ValueError as exc:
        raise click.ClickException(f"bad {option}: {exc}") from None


def _day_ms(text: str, option: str, end: bool = False) -> int:
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=BEIJING)
    except ValueError:
        raise click.ClickException(f"bad {option} {text!r}: use YYYY-MM-DD") from None
    return int((day + timedelta(days=1 if end else 0)).timestamp() * 1000)


# -- members ---------------------------------------------------------------------------------------
@click.group("members")
def members_group() -> None:
    """The store's members (支付即会员): every payer a provider names becomes one."""


def _member_doc(db, row: dict) -> dict:
    payers = db.query("SELECT channel, payer_masked, subscribed FROM member_payers WHERE member_id = ?"
                      " ORDER BY created_ms", [row["member_id"]])
    return {"member_id": row["member_id"], "store": row["store_id"], "phone": row["phone_masked"],
            "visits": row["visits"], "spend": row["spend"], "points": row["points"],
            "first_visit": _when(row["first_visit_ms"]), "last_visit": _when(row["last_visit_ms"]),
            "payers": [f"{p['channel']} {p['payer_masked']}" for p in payers],
            "favourites": members.favourites(db, row["member_id"])}


@members_group.command("list")
@DB_OPTION
@click.argument("store")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True)
def members_list(database, store, limit, as_json):
    """STORE's members, most recent visit first (phone numbers and payer ids masked)."""
    db = _db(database)
    rows = db.query("SELECT * FROM members WHERE store_id = ? ORDER BY last_visit_ms DESC LIMIT ?", [store, limit])
    docs = [_member_doc(db, r) for r in rows]
    if as_json:
        click.echo(json.dumps({"members": docs}, ensure_ascii=False))
        return
    for d in docs:
        click.echo(f"{d['member_id']}  {d['phone'] or '-':<11}  {d['visits']:>3} 次  ¥{d['spend'] / 100:>9.2f}  "
                   f"{d['points']:>6} 分  {d['last_visit']}  {', '.join(d['payers'])}")
    click.echo(f"{len(docs)} member(s)")


@members_group.command("show")
@DB_OPTION
@click.argument("member_id")
def members_show(database, member_id):
    """One member: visits, spend, points, first and last visit, favourite dishes (masked ids)."""
    db = _db(database)
    row = db.one("SELECT * FROM members WHERE member_id = ?", [member_id])
    if row is None:
        raise click.ClickException(f"no member {member_id}")
    click.echo(json.dumps(_member_doc(db, row), ensure_ascii=False, indent=2))


@members_group.command("settings")
@DB_OPTION
@click.argument("store")
@click.option("--points-per-yuan", type=int, default=None, help="Points a settled payment earns per whole yuan.")
def members_settings(database, store, points_per_yuan):
    """Show (or set) STORE's member rules."""
    db = _db(database)
    if db.one("SELECT 1 AS x FROM stores WHERE store_id = ?", [store]) is None:
        raise click.ClickException(f"no store {store}")
    if points_per_yuan is not None:
        try:
            members.set_member_settings(db, store, points_per_yuan)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(members.member_settings(db, store)))


@members_group.command("erase")
@DB_OPTION
@click.argument("member_id")
@click.option("--yes", is_flag=True, help="Do not ask.")
def members_erase(database, member_id, yes):
    """Erase a member on their request: every row naming them goes and their payer ids make no
    member again."""
    db = _db(database)
    if not yes:
        click.confirm(f"erase member {member_id} and everything that names them?", abort=True)
    if not members.erase(db, member_id, now_ms()):
        raise click.ClickException(f"no member {member_id}")
    click.echo(f"member {member_id} erased")


# -- campaigns -------------------------------------------------------------------------------------
@click.group("campaigns")
def campaigns_group() -> None:
    """Coupon campaigns (领优惠): members claim them, earn them by paying, or get them by segment."""


@campaigns_group.command("create")
@DB_OPTION
@click.argument("store")
@click.option("--name", required=True, help="What guests read, e.g. 新客立减.")
@click.option("--amount-off", default=None, help="Yuan off (an amount coupon), e.g. 5 or 20.")
@click.option("--percent-off", type=int, default=None, help="Percent off (a percent coupon), e.g. 10 = 9折.")
@click.option("--max-off", default=None, help="A percent coupon's cap in yuan.")
@click.option("--min-spend", default="0", show_default=True, help="Minimum bill in yuan.")
@click.option("--starts", default=None, help="First day, YYYY-MM-DD (default: today).")
@click.option("--ends", required=True, help="Last day, YYYY-MM-DD (the campaign runs to its end).")
@click.option("--valid-days", default=30, show_default=True, type=int, help="Days a coupon is valid after issue.")
@click.option("--per-member", default=1, show_default=True, type=int)
@click.option("--quota", required=True, type=int, help="Coupons in all.")
@click.option("--delivery", type=click.Choice(campaigns.DELIVERIES), default="claim", show_default=True,
              help="claim: on the member page; after_payment: a return coupon; segment: sent from the dashboard.")
@click.option("--json", "as_json", is_flag=True)
def campaigns_create(database, store, name, amount_off, percent_off, max_off, min_spend, starts, ends, valid_days,
                     per_member, quota, delivery, as_json):
    """Create a campaign for STORE."""
    if (amount_off is None) == (percent_off is None):
        raise click.ClickException("give --amount-off or --percent-off (one of them)")
    db = _db(database)
    today = datetime.now(BEIJING).strftime("%Y-%m-%d")
    try:
        row = campaigns.create(db, store, name=name, kind="amount" if amount_off is not None else "percent",
                               amount_off=_yuan(amount_off, "--amount-off"), percent_off=percent_off,
                               max_off=_yuan(max_off, "--max-off"), min_spend=_yuan(min_spend, "--min-spend") or 0,
                               starts_ms=_day_ms(starts or today, "--starts"), ends_ms=_day_ms(ends, "--ends", True),
                               valid_days=valid_days, per_member=per_member, quota=quota, delivery=delivery,
                               now=now_ms())
    except ApiError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from None
    if as_json:
        click.echo(json.dumps(row, ensure_ascii=False))
    else:
        click.echo(f"{row['campaign_id']}  {row['name']}  {campaigns.terms(row)}  {quota} 张  {delivery}")


@campaigns_group.command("list")
@DB_OPTION
@click.argument("store")
@click.option("--json", "as_json", is_flag=True)
def campaigns_list(database, store, as_json):
    """STORE's campaigns, newest first, with how many coupons were issued and used."""
    db = _db(database)
    rows = campaigns.listing(db, store)
    for row in rows:
        row["used"] = db.scalar("SELECT count(*) FROM coupons WHERE campaign_id = ? AND used_ms IS NOT NULL",
                                [row["campaign_id"]])
    if as_json:
        click.echo(json.dumps({"campaigns": rows}, ensure_ascii=False))
        return
    for r in rows:
        click.echo(f"{r['campaign_id']}  {r['name']}  {campaigns.terms(r)}  {r['delivery']:<13} {r['state']:<7} "
                   f"issued {r['issued']}/{r['quota']}  used {r['used']}  until {_when(r['ends_ms'] - 1)[:10]}")
    click.echo(f"{len(rows)} campaign(s)")


@campaigns_group.command("stop")
@DB_OPTION
@click.argument("campaign_id")
def campaigns_stop(database, campaign_id):
    """No more coupons from CAMPAIGN_ID (those issued stay valid)."""
    if not campaigns.stop(_db(database), campaign_id, int(time.time() * 1000)):
        raise click.ClickException(f"no campaign {campaign_id}")
    click.echo(f"campaign {campaign_id} stopped")


# -- the dashboard ---------------------------------------------------------------------------------
@click.group("dashboard")
def dashboard_group() -> None:
    """The store owner's dashboard (经营数据), served by `edge-upstream serve` at /owner/<store>."""


@dashboard_group.command("open")
@DB_OPTION
@click.argument("store")
@click.option("--url", default="http://127.0.0.1:8800", show_default=True, envvar="EDGE_UPSTREAM_URL",
              help="This upstream's base URL as the owner's browser reaches it.")
@click.option("--no-browser", is_flag=True, help="Only print the address.")
def dashboard_open(database, store, url, no_browser):
    """Print STORE's dashboard address and open it in a browser when there is a screen. A store
    manager logs in there with their staff id and PIN (`edge-upstream staff set … --role manager`)."""
    import os
    import webbrowser

    db = _db(database)
    if db.one("SELECT 1 AS x FROM stores WHERE store_id = ?", [store]) is None:
        raise click.ClickException(f"no store {store}")
    managers = db.scalar("SELECT count(*) FROM staff WHERE store_id = ? AND role = 'manager'", [store])
    address = f"{url.rstrip('/')}/owner/{store}"
    click.echo(address)
    if not managers:
        click.echo(f"note: {store} has no manager yet: edge-upstream staff set {store} <id> --name … --role manager"
                   " --pin …", err=True)
    if not no_browser and (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        webbrowser.open(address)
