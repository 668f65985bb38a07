"""Who works on a case or file: assignments, hand-overs and deputies, as events of the aggregate.

Each department assigns its own staff in its own store (docs/domain.md §4 "own
cases"): a member of staff is *assigned* (several may be), *released*, a case is
*handed over* (one released, another assigned, in one command), and a *deputy* is
named for an absence (Vertretung), for a bounded period. Staff appear only by
pseudonymous staff id. The aggregate keeps the state; after each save the
composition root's index keeps a row per case or file (assignees, deputies, its KIM
case), written in the same transaction, for the reach of requests and the lists of
"Meine Fälle" and the team lead's inbox of unassigned cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate

from shared.errors import DomainRuleViolationError


class StaffingError(DomainRuleViolationError):
    """An assignment that contradicts the current one (already assigned, not assigned, oneself as deputy)."""


@dataclass(frozen=True, slots=True)
class Deputy:
    """``staff_id`` stands in for ``for_staff_id`` from ``from_on`` to ``until_on`` (both inclusive)."""

    staff_id: str
    for_staff_id: str
    from_on: date
    until_on: date

    def covers(self, day: date) -> bool:
        return self.from_on <= day <= self.until_on


@dataclass
class Staffing:
    """The current assignment of one case or file."""

    assignees: dict[str, date | None] = field(default_factory=dict)
    """Staff id → assigned since (None: since the file was opened, date not recorded)."""
    deputies: list[Deputy] = field(default_factory=list)

    def on(self, day: date) -> frozenset[str]:
        """Who works on it on ``day``: the assignees and the deputies standing in for one of them."""
        standing_in = {d.staff_id for d in self.deputies if d.covers(day) and d.for_staff_id in self.assignees}
        return frozenset(self.assignees) | standing_in

    def current_deputies(self, day: date) -> list[Deputy]:
        """Deputies whose period has not ended by ``day``."""
        return [d for d in self.deputies if d.until_on >= day]


class StaffAssigned(Aggregate.Event):
    """A member of staff was assigned to the case or file."""

    staff_id: str
    assigned_on: date
    assigned_by: str | None

    def apply(self, aggregate: Any) -> None:
        aggregate.staffing.assignees[self.staff_id] = self.assigned_on


class StaffReleased(Aggregate.Event):
    """A member of staff no longer works on the case or file (hand-over, end of duty)."""

    staff_id: str
    released_on: date
    released_by: str | None

    def apply(self, aggregate: Any) -> None:
        staffing: Staffing = aggregate.staffing
        staffing.assignees.pop(self.staff_id, None)
        staffing.deputies = [d for d in staffing.deputies if d.for_staff_id != self.staff_id]


class StaffHandedOver(Aggregate.Event):
    """One member of staff handed the case or file over to another (released and assigned in one entry)."""

    from_staff_id: str
    to_staff_id: str
    handed_over_on: date
    handed_over_by: str | None

    def apply(self, aggregate: Any) -> None:
        staffing: Staffing = aggregate.staffing
        staffing.assignees.pop(self.from_staff_id, None)
        staffing.deputies = [d for d in staffing.deputies if d.for_staff_id != self.from_staff_id]
        staffing.assignees[self.to_staff_id] = self.handed_over_on


class DeputyNamed(Aggregate.Event):
    """A deputy stands in for an assignee during an absence (Vertretung)."""

    deputy_id: str
    for_staff_id: str
    from_on: date
    until_on: date
    named_by: str | None

    def apply(self, aggregate: Any) -> None:
        aggregate.staffing.deputies.append(Deputy(self.deputy_id, self.for_staff_id, self.from_on, self.until_on))


class Staffed(Protocol):
    """An aggregate with a staffing (every department's case or file)."""

    staffing: Staffing

    def trigger_event(self, event_class: type[Aggregate.Event], **kwargs: Any) -> None: ...


def assign(aggregate: Staffed, staff_id: str, on: date, by: str | None) -> None:
    if staff_id in aggregate.staffing.assignees:
        msg = "Die Person ist bereits zuständig."
        raise StaffingError(msg)
    aggregate.trigger_event(StaffAssigned, staff_id=staff_id, assigned_on=on, assigned_by=by)


def release(aggregate: Staffed, staff_id: str, on: date, by: str | None) -> None:
    if staff_id not in aggregate.staffing.assignees:
        msg = "Die Person ist nicht zuständig."
        raise StaffingError(msg)
    aggregate.trigger_event(StaffReleased, staff_id=staff_id, released_on=on, released_by=by)


def hand_over(aggregate: Staffed, from_staff_id: str, to_staff_id: str, on: date, by: str | None) -> None:
    """``from`` hands the case over to ``to``: released and assigned, in one entry."""
    if from_staff_id == to_staff_id:
        msg = "Übergabe an dieselbe Person ist nicht möglich."
        raise StaffingError(msg)
    if from_staff_id not in aggregate.staffing.assignees:
        msg = "Übergeben kann nur, wer zuständig ist."
        raise StaffingError(msg)
    if to_staff_id in aggregate.staffing.assignees:
        msg = "Die Person ist bereits zuständig."
        raise StaffingError(msg)
    aggregate.trigger_event(
        StaffHandedOver, from_staff_id=from_staff_id, to_staff_id=to_staff_id, handed_over_on=on, handed_over_by=by
    )


def name_deputy(
    aggregate: Staffed, deputy_id: str, for_staff_id: str, from_on: date, until_on: date, by: str | None
) -> None:
    if for_staff_id not in aggregate.staffing.assignees:
        msg = "Vertreten werden kann nur, wer zuständig ist."
        raise StaffingError(msg)
    if deputy_id == for_staff_id:
        msg = "Niemand kann sich selbst vertreten."
        raise StaffingError(msg)
    if until_on < from_on:
        msg = "Das Ende der Vertretung liegt vor ihrem Beginn."
        raise StaffingError(msg)
    aggregate.trigger_event(
        DeputyNamed, deputy_id=deputy_id, for_staff_id=for_staff_id, from_on=from_on, until_on=until_on, named_by=by
    )


@dataclass(frozen=True, slots=True)
class StaffingRow:
    """The index row of one case or file: what requests need to know about who works on it."""

    subject_id: UUID
    """The case (intake) or the department's file."""
    case_id: UUID | None
    """The KIM case it belongs to (intake: itself; a file: once linked)."""
    assignees: dict[str, date | None]
    deputies: list[Deputy]
    closed: bool


class StaffingIndex(Protocol):
    """The index of a service's cases or files (PostgreSQL table or in memory)."""

    def row_of(self, subject_id: UUID) -> StaffingRow | None: ...

    def rows_of_case(self, case_id: UUID) -> list[StaffingRow]: ...

    def rows_of(self, subject_ids: Sequence[UUID]) -> dict[UUID, StaffingRow]:
        """:meth:`row_of` for many subjects in one read (those that have a row)."""
        ...

    def rows_of_cases(self, case_ids: Sequence[UUID]) -> dict[UUID, list[StaffingRow]]:
        """:meth:`rows_of_case` for many cases in one read (each case's rows by subject id; none: absent)."""
        ...

    def rows_of_staff(self, staff_id: str) -> list[StaffingRow]:
        """Rows naming ``staff_id`` as assignee or deputy (any period)."""
        ...

    def unassigned(self, limit: int, offset: int) -> list[StaffingRow]:
        """Open cases or files nobody is assigned to (the team lead's inbox), longest waiting first."""
        ...

    def written_with_events(self, row: StaffingRow) -> object:
        """A side record that stores ``row`` in the transaction of the command's events."""
        ...
