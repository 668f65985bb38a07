"""Keeping the case summaries up to date inside a view transaction."""

from __future__ import annotations

from uuid import UUID

from shared.projection.ports import ViewTransaction
from shared.projection.records import TimelineEntry
from shared.projection.summary import CaseSummary, fold


def resummarise(tx: ViewTransaction, case_id: UUID) -> None:
    """Fold the case's summary again from every entry it holds (none: no summary)."""
    entries = tx.entries(case_id)
    if not entries:
        tx.delete_summary(case_id)
        return
    summary = CaseSummary(case_id=str(case_id))
    for entry in entries:
        fold(summary, entry.envelope(case_id))
    tx.save_summary(summary)


def fold_new_entries(tx: ViewTransaction, entries: dict[UUID, list[TimelineEntry]], refold: set[UUID]) -> None:
    """Fold newly held entries into their cases' summaries.

    A case in ``refold`` (its consents changed, so entries may have gone) and a case
    without a summary yet are folded from scratch instead.
    """
    incremental = {c: v for c, v in entries.items() if c not in refold}
    for case_id, summary in tx.summaries(set(incremental)).items():
        for entry in incremental.pop(case_id):
            fold(summary, entry.envelope(case_id))
        tx.save_summary(summary)
    for case_id in set(incremental) | refold:
        resummarise(tx, case_id)
