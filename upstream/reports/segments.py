"""Customer segments of a store's members, as of a moment (`now`):

- new: first visit within the last 30 days and one visit only;
- returning: two visits or more, the last within 30 days;
- lapsed (not seen for 30 days): the last visit more than 30 days ago;
- high value: the top fifth of the members by spend (at least one member when any spent).

A member can be in two (a returning member may also be high value). Each segment has its count
and its member ids (for "send this segment a coupon campaign")."""

from __future__ import annotations

from upstream.sql import Database

DAY_MS = 24 * 3600 * 1000
NAMES = ("new", "returning", "lapsed", "high_value")
LABELS = {"new": ("新客", "New"), "returning": ("回头客", "Returning"),
          "lapsed": ("30天未到店", "Not seen for 30 days"), "high_value": ("高价值", "High value")}


def member_ids(db: Database, store_id: str, name: str, now: int) -> list[str]:
    since = now - 30 * DAY_MS
    if name == "new":
        sql, params = ("SELECT member_id FROM members WHERE store_id = ? AND first_visit_ms >= ? AND visits = 1",
                       [store_id, since])
    elif name == "returning":
        sql, params = ("SELECT member_id FROM members WHERE store_id = ? AND visits >= 2 AND last_visit_ms >= ?",
                       [store_id, since])
    elif name == "lapsed":
        sql, params = "SELECT member_id FROM members WHERE store_id = ? AND last_visit_ms < ?", [store_id, since]
    elif name == "high_value":
        spenders = db.scalar("SELECT count(*) FROM members WHERE store_id = ? AND spend > 0", [store_id]) or 0
        top = max(1, spenders // 5) if spenders else 0
        sql, params = ("SELECT member_id FROM members WHERE store_id = ? AND spend > 0"
                       " ORDER BY spend DESC, member_id LIMIT ?", [store_id, top])
    else:
        raise ValueError(f"a segment is one of {', '.join(NAMES)}")
    return [r["member_id"] for r in db.query(sql, params)]


def counts(db: Database, store_id: str, now: int) -> list[dict]:
    return [{"segment": name, "label": LABELS[name][0], "label_en": LABELS[name][1],
             "members": len(member_ids(db, store_id, name, now))} for name in NAMES]
