"""Who works on a case in this service: the :class:`~shared.access.decide.Reach` of requests.

Built from the staffing index (written with the events), the service's view of the
KIM case (its case manager) and the break-glass grants in force. A case or file
saved before the index existed has no row yet: its aggregate is read once instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from shared.access.decide import Reach
from shared.application.base import CaseApplication, CaseLookup, KnownCase
from shared.staffing import StaffingIndex, StaffingRow

CasesLookup = Callable[[Sequence[UUID]], Mapping[UUID, KnownCase]]
"""What this service's own projection knows of many cases, read at once (cases it knows nothing of: absent)."""


class BreakGlassLookup(Protocol):
    """The break-glass grants on a subject in force now: staff id -> grant id."""

    def holders(self, subject_id: UUID) -> Mapping[str, UUID]: ...

    def holders_of(self, subject_ids: Sequence[UUID]) -> Mapping[UUID, Mapping[str, UUID]]:
        """:meth:`holders` of many subjects at once (subjects without a grant in force: absent)."""
        ...


class NoBreakGlass:
    def holders(self, subject_id: UUID) -> Mapping[str, UUID]:
        return {}

    def holders_of(self, subject_ids: Sequence[UUID]) -> Mapping[UUID, Mapping[str, UUID]]:
        return {}


class IndexedReach:
    """The reach lookup of one service (``ReachLookup``)."""

    def __init__(
        self,
        app: CaseApplication,
        index: StaffingIndex,
        view: CaseLookup,
        today: Callable[[], date],
        break_glass: BreakGlassLookup | None = None,
        managed_by: Callable[[str], list[UUID]] | None = None,
        views: CasesLookup | None = None,
    ) -> None:
        self.app, self.index, self.view, self.today = app, index, view, today
        self.break_glass = break_glass or NoBreakGlass()
        self.managed_by = managed_by or (lambda _staff: [])
        """The cases whose KIM case manager the view names (they are own cases too)."""
        self.views: CasesLookup = views or self._one_by_one
        """``view`` for many cases at once (the store's ``summaries``)."""

    def _one_by_one(self, case_ids: Sequence[UUID]) -> Mapping[UUID, KnownCase]:
        found = {case_id: self.view(case_id) for case_id in case_ids}
        return {case_id: known for case_id, known in found.items() if known is not None}

    def of_subject(self, subject_id: UUID) -> Reach:
        row = self.index.row_of(subject_id) or self.app.staffing_row(subject_id)
        if row is None:
            return Reach(known=False)
        return self._reach([row], row.case_id, {subject_id} | ({row.case_id} if row.case_id else set()))

    def of_case(self, case_id: UUID) -> Reach:
        if self.view(case_id) is None and self.index.row_of(case_id) is None:
            own = self.app.staffing_row(case_id)  # intake: the case is its own aggregate
            if own is None:
                return Reach(known=False)
            return self._reach([own], case_id, {case_id})
        rows = self.index.rows_of_case(case_id)
        own_row = self.index.row_of(case_id)
        if own_row is not None and own_row not in rows:
            rows.append(own_row)
        return self._reach(rows, case_id, {case_id, *(r.subject_id for r in rows)})

    def of_cases(self, case_ids: Sequence[UUID]) -> dict[UUID, Reach]:
        """:meth:`of_case` of many cases, the same answers, from a few reads whatever their number."""
        wanted = list(dict.fromkeys(case_ids))
        if not wanted:
            return {}
        views = self.views(wanted)
        own_rows = self.index.rows_of(wanted)
        indexed = self.index.rows_of_cases(wanted)
        found: dict[UUID, Reach] = {}
        rows_of: dict[UUID, list[StaffingRow]] = {}
        for case_id in wanted:
            if case_id not in views and case_id not in own_rows:
                found[case_id] = self.of_case(case_id)  # nothing indexed: the aggregate is read (rare)
                continue
            rows = list(indexed.get(case_id, []))
            own_row = own_rows.get(case_id)
            if own_row is not None and own_row not in rows:
                rows.append(own_row)
            rows_of[case_id] = rows
        subjects = {s for case_id, rows in rows_of.items() for s in (case_id, *(r.subject_id for r in rows))}
        holders = self.break_glass.holders_of(sorted(subjects)) if subjects else {}
        day = self.today()
        for case_id, rows in rows_of.items():
            granted: dict[str, UUID] = {}
            for subject in sorted({case_id, *(r.subject_id for r in rows)}):
                granted.update(holders.get(subject, {}))
            found[case_id] = self._reach_of(rows, case_id, views.get(case_id), granted, day)
        return {case_id: found[case_id] for case_id in wanted}

    def own_cases(self, staff_id: str) -> list[UUID]:
        """The KIM cases (intake: the cases) the member of staff works on in this service today: assigned or
        deputising here, or their KIM case manager."""
        day = self.today()
        found: list[UUID] = []
        for row in self.index.rows_of_staff(staff_id):
            case_id = row.case_id or row.subject_id
            working = staff_id in row.assignees or any(
                d.staff_id == staff_id and d.covers(day) and d.for_staff_id in row.assignees for d in row.deputies
            )
            if working and case_id not in found:
                found.append(case_id)
        found += [case_id for case_id in self.managed_by(staff_id) if case_id not in found]
        return found

    def unassigned(self, limit: int, offset: int) -> list[tuple[UUID, UUID | None]]:
        return [(row.subject_id, row.case_id) for row in self.index.unassigned(limit, offset)]

    def _reach(self, rows: Iterable[StaffingRow], case_id: UUID | None, subjects: set[UUID]) -> Reach:
        known_case = self.view(case_id) if case_id else None
        holders: dict[str, UUID] = {}
        for subject in sorted(subjects):
            holders.update(self.break_glass.holders(subject))
        return self._reach_of(rows, case_id, known_case, holders, self.today())

    @staticmethod
    def _reach_of(
        rows: Iterable[StaffingRow], case_id: UUID | None, known_case: Any, holders: dict[str, UUID], day: date
    ) -> Reach:
        assignees: set[str] = set()
        for row in rows:
            standing_in = {d.staff_id for d in row.deputies if d.covers(day) and d.for_staff_id in row.assignees}
            assignees |= set(row.assignees) | standing_in
        manager = known_case.case_manager() if known_case is not None else None
        return Reach(
            known=True, assignees=frozenset(assignees), kim_case_manager=manager, break_glass=holders, case_id=case_id
        )
