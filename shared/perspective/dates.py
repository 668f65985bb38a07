"""Calendar arithmetic for legal periods: months, years, ages, German date text."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (clamped to the month's end, e.g. 31.1. + 1 → 28./29.2.)."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    """The same day `years` later (29.2. → 28.2. in common years)."""
    return add_months(day, 12 * years)


def age_on(birth: date, day: date) -> int:
    """Completed years of life on `day`."""
    before_birthday = (day.month, day.day) < (birth.month, birth.day)
    return day.year - birth.year - int(before_birthday)


def de(day: date | None) -> str:
    """A date as caseworkers read it (31.10.2022), or "unbekannt"."""
    return day.strftime("%d.%m.%Y") if day else "unbekannt"


def months_de(months: int) -> str:
    """A period in German words: "5 Jahre", "18 Monate", "2 Jahre und 6 Monate"."""
    years, rest = divmod(months, 12)
    parts = [f"{years} Jahr{'e' if years != 1 else ''}"] if years else []
    parts += [f"{rest} Monat{'e' if rest != 1 else ''}"] if rest else []
    return " und ".join(parts) or "0 Monate"
