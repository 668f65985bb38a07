"""What day it is where the law applies: dates are judged in Europe/Berlin.

"Today" decides which consents are in force, which rule versions apply and when a
deadline passes. A server clock in UTC would be a day off between midnight and
one or two in the morning, German time.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def today() -> date:
    """Today's date in Germany."""
    return datetime.now(BERLIN).date()
