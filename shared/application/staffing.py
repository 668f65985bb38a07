"""Assignments as use cases, the same in every department: assign, release, hand over, name a deputy.

Each department assigns its own staff to its own cases or files (docs/access.md "own
cases"); a team lead does it for the team, a member of staff for a case they work on
(a hand-over, a deputy for their absence). The commands name staff by pseudonymous
staff id; who gave the instruction (``actor``) comes from the access token.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol
from uuid import UUID

from pydantic import Field, model_validator

from shared.application.catalogue import CaseCommand
from shared.application.commands import Command
from shared.application.results import Saved
from shared.events.vocabulary import StaffId


class AssignStaff(Command):
    """Make a member of staff responsible for the case or file (one of possibly several)."""

    staff_id: StaffId
    assigned_on: date = Field(description="From when (valid time).")


class ReleaseStaff(Command):
    """A member of staff no longer works on the case or file."""

    staff_id: StaffId
    released_on: date


class HandOver(Command):
    """Hand the case or file over from one member of staff to another."""

    from_staff_id: StaffId
    to_staff_id: StaffId
    handed_over_on: date


class NameDeputy(Command):
    """A deputy stands in for a responsible member of staff during an absence (Vertretung)."""

    deputy_id: StaffId
    for_staff_id: StaffId
    from_on: date
    until_on: date

    @model_validator(mode="after")
    def _period(self) -> NameDeputy:
        if self.until_on < self.from_on:
            msg = "until_on must not be before from_on"
            raise ValueError(msg)
        return self


class Staffing(Protocol):
    """The use cases every department's Application offers (``DepartmentApplication``, intake's own)."""

    def assign_staff(self, subject_id: UUID, cmd: AssignStaff) -> Saved: ...

    def release_staff(self, subject_id: UUID, cmd: ReleaseStaff) -> Saved: ...

    def hand_over(self, subject_id: UUID, cmd: HandOver) -> Saved: ...

    def name_deputy(self, subject_id: UUID, cmd: NameDeputy) -> Saved: ...


def staffing_commands(app: type[Any]) -> tuple[CaseCommand[Any, Any], ...]:
    """The rows of the assignment use cases for a service's command table."""
    return (
        CaseCommand("assignments", AssignStaff, app.assign_staff, "Zuständigkeit zuweisen"),
        CaseCommand("releases", ReleaseStaff, app.release_staff, "Zuständigkeit beenden"),
        CaseCommand("deputies", NameDeputy, app.name_deputy, "Vertretung benennen"),
        CaseCommand("handovers", HandOver, app.hand_over, "Fall übergeben"),
    )
