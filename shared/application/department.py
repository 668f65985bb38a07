"""A department's own files on persons, under their own ids, linked to KIM cases by events.

The foreign office and Kobiz each keep a file of their own on a person (the id is
the file's, not the KIM case's). A file is linked to the person's KIM case by an
event, once; the link needs the case to be known to the department's own view, i.e.
on the basis the sharing policy names (for the foreign office: the person's
consent). Nothing of a file leaves the department before its link; see
:meth:`CaseApplication.link_of` and the relay.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar, Generic, Protocol, TypeVar, cast
from uuid import UUID

from eventsourcing.domain import Aggregate

from shared import staffing
from shared.application.base import CaseApplication, CaseLookup, Link
from shared.application.commands import Command
from shared.application.results import Saved
from shared.application.staffing import AssignStaff, HandOver, NameDeputy, ReleaseStaff
from shared.errors import CaseNotFoundError, DomainRuleViolationError


class CaseClosedError(DomainRuleViolationError):
    """A closed case takes no new events except corrections."""


class DepartmentFile(Protocol):
    """What every department file offers the use cases."""

    @property
    def id(self) -> UUID: ...

    kim_case_id: UUID | None
    linked_in_version: int | None

    def check_open(self, corrects: UUID | None) -> None: ...

    def link_to_kim_case(self, case_id: UUID, linked_on: date) -> None: ...


F = TypeVar("F", bound=Aggregate)


class DepartmentApplication(CaseApplication, Generic[F]):
    """A department's Application: its files, their links, and its view of the KIM cases."""

    file_class: type[F]
    link_event: ClassVar[type[Any]]
    """The domain event that links a file to a KIM case."""
    closes_with_kim_case: ClassVar[bool] = False
    """Whether the file takes only corrections once its KIM case is closed (work done for KIM only)."""

    def __init__(self, env: Any = None, *, case_view: CaseLookup | None = None) -> None:
        super().__init__(env)
        self.case_view: CaseLookup = case_view or (lambda _case_id: None)

    def get_file(self, file_id: UUID) -> F:
        """The department's own file."""
        return self.get_aggregate(file_id, self.file_class)

    def change(self, file_id: UUID, cmd: Command, mutate: Callable[[F], object]) -> Saved:
        """Run one command on a file: it must exist and accept the command (open, or a correction)."""

        def load() -> F:
            file = self.get_file(file_id)
            self.check_accepts(file, getattr(cmd, "corrects", None))
            return file

        return self.update(cmd, load, mutate)

    def check_accepts(self, file: F, corrects: UUID | None) -> None:
        """A closed file (or, for work done for KIM only, a closed KIM case) takes only corrections."""
        department_file = cast(DepartmentFile, file)
        department_file.check_open(corrects)
        case_id = department_file.kim_case_id
        if self.closes_with_kim_case and case_id is not None and corrects is None:
            known = self.case_view(case_id)
            if known is not None and known.case_status() == "closed":
                msg = "Der Fall ist abgeschlossen; nur Berichtigungen sind möglich."
                raise CaseClosedError(msg)

    # --- who works on the file (shared/application/staffing.py) ----------------------------

    def assign_staff(self, file_id: UUID, cmd: AssignStaff) -> Saved:
        def mutate(file: Any) -> None:
            staffing.assign(file, cmd.staff_id, cmd.assigned_on, cmd.actor)

        return self.change(file_id, cmd, mutate)

    def release_staff(self, file_id: UUID, cmd: ReleaseStaff) -> Saved:
        def mutate(file: Any) -> None:
            staffing.release(file, cmd.staff_id, cmd.released_on, cmd.actor)

        return self.change(file_id, cmd, mutate)

    def hand_over(self, file_id: UUID, cmd: HandOver) -> Saved:
        def mutate(file: Any) -> None:
            staffing.hand_over(file, cmd.from_staff_id, cmd.to_staff_id, cmd.handed_over_on, cmd.actor)

        return self.change(file_id, cmd, mutate)

    def name_deputy(self, file_id: UUID, cmd: NameDeputy) -> Saved:
        def mutate(file: Any) -> None:
            staffing.name_deputy(file, cmd.deputy_id, cmd.for_staff_id, cmd.from_on, cmd.until_on, cmd.actor)

        return self.change(file_id, cmd, mutate)

    def known_case(self, case_id: UUID) -> UUID:
        """A KIM case this department's own view knows (404 otherwise: unknown or out of reach)."""
        if self.case_view(case_id) is None:
            raise CaseNotFoundError(case_id)
        return case_id

    def open_case(self, case_id: UUID) -> UUID:
        """A KIM case this department's view knows and that is not closed (404 unknown, 409 closed)."""
        known = self.case_view(case_id)
        if known is None:
            raise CaseNotFoundError(case_id)
        if known.case_status() == "closed":
            msg = "Der KIM-Fall ist abgeschlossen; eine Akte kann ihm nicht mehr zugeordnet werden."
            raise CaseClosedError(msg)
        return case_id

    def link(self, file_id: UUID, cmd: Command, case_id: UUID, linked_on: date) -> Saved:
        """Link a file to an open KIM case this department's view knows."""
        self.open_case(case_id)

        def mutate(file: F) -> None:
            cast(DepartmentFile, file).link_to_kim_case(case_id, linked_on)

        return self.change(file_id, cmd, mutate)

    def case_of(self, aggregate: Aggregate) -> UUID | None:
        """A file belongs to a KIM case once linked."""
        return cast(DepartmentFile, aggregate).kim_case_id

    # --- what the relay asks -----------------------------------------------------------

    def link_of(self, aggregate_id: UUID) -> Link | None:
        file = self.find_aggregate(aggregate_id, self.file_class)
        if file is None:
            return None
        department_file = cast(DepartmentFile, file)
        if department_file.kim_case_id is None or department_file.linked_in_version is None:
            return None
        return Link(department_file.kim_case_id, department_file.linked_in_version)

    def is_linked(self, aggregate: Aggregate) -> bool:
        return cast(DepartmentFile, aggregate).kim_case_id is not None

    def linked_by(self, domain_event: object) -> UUID | None:
        if isinstance(domain_event, self.link_event):
            case_id: UUID = domain_event.case_id
            return case_id
        return None
