"""The file itself: opening, its link to the KIM case, closure, and the person's entry and passport cooperation."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

if TYPE_CHECKING:  # pragma: nocover
    from services.foreign_office.domain import ResidenceFile


class FileEvent(Aggregate.Event):
    """An entry in the file that changes nothing the file itself keeps (a fact for the record)."""

    def apply(self, aggregate: Any) -> None:
        """Nothing to keep in the aggregate's state."""


class FileOpened(Aggregate.Created):
    """The file was opened; version 2 holds the person's details as the foreign office knows them."""

    class_version = 3
    family_name: str | None
    given_names: str | None
    birth_date: date | None
    nationalities: list[str]
    file_reference: str | None
    kim_case_id: UUID | None
    opened_by: str | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        # Version 0.1 kept one file per KIM case, under the case's id: such a file is
        # the case's, linked from its start.
        state.update(family_name=None, given_names=None, birth_date=None, nationalities=[], file_reference=None)
        state["kim_case_id"] = state["originator_id"]

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["opened_by"] = None  # version 3 names who opened the file (assigned to it from then on)


class KimCaseLinked(Aggregate.Event):
    """The file was linked to the person's KIM case."""

    case_id: UUID
    linked_on: date

    def apply(self, file: ResidenceFile) -> None:
        file.kim_case_id = self.case_id
        file.linked_in_version = self.originator_version


class FileClosed(Aggregate.Event):
    """The file was closed (moved away, departed, naturalised, deceased)."""

    closed_on: date
    reason: str

    def apply(self, file: ResidenceFile) -> None:
        file.closed_on = self.closed_on


class EntryRecorded(Aggregate.Event):
    """The date of (the last relevant) entry into Germany."""

    entered_on: date
    corrects: UUID | None

    def apply(self, file: ResidenceFile) -> None:
        file.entry_on = self.entered_on


class PassportCooperationRecorded(FileEvent):
    """Whether the person cooperates in obtaining a passport, and took all reasonable steps."""

    assessed_on: date
    cooperated: bool
    all_reasonable_steps: bool
    corrects: UUID | None


class RowImported(Aggregate.Event):
    """An imported row (stores of earlier versions; imports now keep their row refs as idempotency keys)."""

    ref: str

    def apply(self, file: ResidenceFile) -> None:
        file.imported_refs.add(self.ref)
