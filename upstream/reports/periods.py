"""Reporting periods in Beijing time (pure): a day, the week (Monday first) or the month that holds
a date, as [start_ms, end_ms), and the period just before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8))
KINDS = ("day", "week", "month")


@dataclass(frozen=True)
class Period:
    kind: str
    first: date   # its first day
    last: date    # its last day (inclusive)

    @property
    def start_ms(self) -> int:
        return _ms(self.first)

    @property
    def end_ms(self) -> int:
        return _ms(self.last + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.first.isoformat()
        if self.kind == "week":
            return f"{self.first.isoformat()} – {self.last.isoformat()}"
        return self.first.strftime("%Y-%m")


def _ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=BEIJING).timestamp() * 1000)


def today() -> date:
    return datetime.now(BEIJING).date()


def day_of_ms(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, BEIJING).date()


def period_of(kind: str, day: date) -> Period:
    if kind == "day":
        return Period("day", day, day)
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        return Period("week", first, first + timedelta(days=6))
    if kind == "month":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return Period("month", first, following - timedelta(days=1))
    raise ValueError(f"a period is one of {', '.join(KINDS)}")


def previous(period: Period) -> Period:
    return period_of(period.kind, period.first - timedelta(days=1))
