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


def birthday(birth: date, years: int) -> date:
    """The first day on which `years` years of life are completed (§§ 187 Abs. 2 S. 2, 188 BGB).

    The day of birth counts (§ 187 Abs. 2 S. 2 BGB); a year of life ends with the
    day before the birthday (§ 188 Abs. 2 BGB), so the new age begins on the birthday.
    Born on 29.2.: in a common year the day is missing and the year ends with 28.2.
    (§ 188 Abs. 3 BGB), so the new age begins on 1.3. Source: haufe.de, "Lebensalter –
    Vollendung eines Lebensjahres" ("Sonderfall Schaltjahr": the 12-month period ends
    on 28.2.; in a common year 1.3. is the birthday), and the text of § 188 Abs. 3 BGB.
    """
    if (birth.month, birth.day) == (2, 29) and not calendar.isleap(birth.year + years):
        return date(birth.year + years, 3, 1)
    return add_years(birth, years)


def age_on(birth: date, day: date) -> int:
    """Completed years of life on `day` (consistent with :func:`birthday`)."""
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
