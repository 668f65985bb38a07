"""The Perspektive of what a department holds, and the clear refusal when it cannot be evaluated.

The commands validate what they store, but a view holds what it was sent: an event
stored before a rule existed, or one written past the checks, may not be evaluable
(a validity that ends before it begins, a date beyond the calendar's arithmetic).
Such a history answers 409 naming the type and position of the entries in the way,
never a server error, and nothing of their content.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from shared.http.errors import UnevaluableHistoryError
from shared.perspective import evaluate
from shared.perspective.derive import FactEntry, derive_facts
from shared.perspective.derive_common import corrected_by_source, is_corrected
from shared.perspective.results import Perspective

log = logging.getLogger(__name__)

UNEVALUABLE = (ArithmeticError, LookupError, TypeError, ValueError)
"""What data that the rules cannot take raises in them (pydantic's ValidationError is a ValueError)."""
NAMED_AT_MOST = 5


def evaluate_held(entries: Sequence[FactEntry], on: date, internal: Mapping[str, Any] | None = None) -> Perspective:
    """The Perspektive on ``on`` of the held ``entries`` (and internal findings); 409 if they cannot be evaluated."""
    try:
        return evaluate(derive_facts(entries, **(internal or {})), on)
    except UNEVALUABLE as exc:
        named = _in_the_way(entries, on)
        # Where it was raised and the entries' types and positions; never the exception's text,
        # which may quote the data (a validation error shows its input).
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        log.warning(
            "a held history cannot be evaluated: %s raised at %s:%s in %s; entries in the way: %s",
            type(exc).__name__,
            Path(frame.filename).name,
            frame.lineno,
            frame.name,
            ", ".join(named) or "none on its own",
        )
        raise UnevaluableHistoryError(_reason(named)) from None


def _in_the_way(entries: Sequence[FactEntry], on: date) -> list[str]:
    """The entries (type and position) that cannot be evaluated on their own; corrected ones are left out."""
    corrected = corrected_by_source(entries)
    named: list[str] = []
    for entry in entries:
        if is_corrected(entry, corrected):
            continue
        try:
            evaluate(derive_facts([entry]), on)
        except UNEVALUABLE:
            named.append(_label(entry))
            if len(named) == NAMED_AT_MOST:
                break
    return named


def _label(entry: FactEntry) -> str:
    name = entry.type.split(".")[-2] if entry.type.count(".") >= 2 else entry.type
    source, sequence = getattr(entry, "source", None), getattr(entry, "sequence", None)
    where = f"{getattr(source, 'value', source)}:{sequence}" if source is not None else "eigene Akte"
    return f"{name} ({where})"


def _reason(named: list[str]) -> str:
    reason = (
        "Der gespeicherte Verlauf lässt sich nicht bewerten: er enthält widersprüchliche oder unzulässige "
        "Angaben (etwa ein Ende vor dem Beginn oder ein Datum außerhalb des zulässigen Bereichs)"
    )
    if named:
        reason += " in " + ", ".join(named)
    return reason + ". Erst nach einer Berichtigung lässt sich die Perspektive bewerten."
