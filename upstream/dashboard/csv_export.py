"""CSV exports of the dashboard's tables (pure): summary, hours, dishes, channels, payments,
coupons, segments. Money in yuan with two decimals; a UTF-8 BOM so a spreadsheet opens the Chinese names
right. Nothing in them names a person: no payer id, no phone number, no member id."""

from __future__ import annotations

import csv
import io

TABLES = ("summary", "hours", "dishes", "channels", "payments", "coupons", "segments")


def _yuan(fen) -> str:
    return "" if fen is None else f"{fen / 100:.2f}"


def _ratio(value) -> str:
    return "" if value is None else f"{value:.4f}"


def rows(table: str, doc: dict, before: dict, segments: list[dict]) -> list[list]:
    if table == "summary":
        out = [["figure", "this_period", "previous_period"]]
        for key in ("revenue", "avg_order", "per_table", "per_guest", "unpaid", "voided", "refunded", "discounts"):
            out.append([key, _yuan(doc[key]), _yuan(before[key])])
        for key in ("orders", "placed", "unpaid_orders", "voided_orders", "table_sessions", "members_seen",
                    "new_members"):
            out.append([key, doc[key], before[key]])
        for key in ("table_turns", "scan_share", "new_share", "repeat_rate", "member_share"):
            out.append([key, _ratio(doc[key]), _ratio(before[key])])
        return out
    if table == "hours":
        return [["hour", "orders", "revenue_yuan"]] + [[h["hour"], h["orders"], _yuan(h["revenue"])]
                                                     for h in doc["hours"]]
    if table == "dishes":
        return [["rank", "item_id", "name", "sold", "voided", "amount_yuan"]] + [
            [n, d["item_id"], d["name"], d["qty"], d["voided"], _yuan(d["revenue"])]
            for n, d in enumerate(doc["dishes"], 1)]
    if table in ("channels", "payments"):
        key = "channel" if table == "channels" else "method"
        return [[key, "orders", "revenue_yuan"]] + [[r[key], r["orders"], _yuan(r["revenue"])] for r in doc[table]]
    if table == "coupons":
        return [["campaign_id", "name", "terms", "issued", "used", "off_yuan", "issued_all", "quota", "state"]] + [
            [c["campaign_id"], c["name"], c["terms"], c["issued"], c["used"], _yuan(c["off"]), c["issued_all"],
             c["quota"], c["state"]] for c in doc["coupons"]]
    if table == "segments":
        return [["segment", "label", "members"]] + [[s["segment"], s["label"], s["members"]] for s in segments]
    raise KeyError(table)


def _inert(cell):
    """A text a spreadsheet would run as a formula (a dish named =HYPERLINK(…)) starts with a quote."""
    if isinstance(cell, str) and cell[:1] in "=+-@\t\r" and not cell.lstrip("-").replace(".", "", 1).isdigit():
        return "'" + cell
    return cell


def render(table: str, doc: dict, before: dict, segments: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows(table, doc, before, segments):
        writer.writerow([_inert(c) for c in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
