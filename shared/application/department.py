"""A department that works on KIM cases opened at intake and known from its own view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from shared.application.base import CaseApplication, CaseLookup
from shared.application.commands import Command
from shared.application.results import Saved
from shared.errors import CaseNotFoundError, DomainRuleViolationError

F = TypeVar("F", bound=Aggregate)


class CaseClosedError(DomainRuleViolationError):
    """A closed case takes no new events except corrections."""


class CaseNotOpenError(DomainRuleViolationError):
    """Decisions need an open KIM case."""


class DepartmentApplication(CaseApplication, Generic[F]):
    """The department keeps one file per case (id = case id), opened on first use."""

    file_class: type[F]

    def __init__(self, env: Any = None, *, case_view: CaseLookup | None = None) -> None:
        super().__init__(env)
        self.case_view: CaseLookup = case_view or (lambda _case_id: None)

    def get_file(self, case_id: UUID) -> F:
        """The department's own file on a case."""
        return self.get_aggregate(case_id, self.file_class)

    def change(
        self, case_id: UUID, cmd: Command, mutate: Callable[[F], object], *, needs_open_case: bool = False
    ) -> Saved:
        """Run one command on the department's file; ``needs_open_case``: a decision, which needs an open case."""

        def load() -> F:
            file = self.file_for(case_id, cmd)
            if needs_open_case and getattr(cmd, "corrects", None) is None:
                self.require_open_case(case_id)
            return file

        return self.update(cmd, load, mutate)

    def file_for(self, case_id: UUID, cmd: Command) -> F:
        """This department's file on a case its projection knows, opened on first use."""
        known = self.case_view(case_id)
        if known is None:
            raise CaseNotFoundError(case_id)
        if known.case_status() == "closed" and getattr(cmd, "corrects", None) is None:
            msg = "Der Fall ist abgeschlossen; nur Berichtigungen sind möglich."
            raise CaseClosedError(msg)
        return self.find_aggregate(case_id, self.file_class) or self.file_class(id=case_id)  # type: ignore[call-arg]  # every department file takes its case id

    def require_open_case(self, case_id: UUID) -> None:
        """No decision without an open KIM case (as this department's view shows it)."""
        known = self.case_view(case_id)
        if known is None or known.case_status() != "open":
            msg = "Für eine Entscheidung muss ein offener KIM-Fall vorliegen."
            raise CaseNotOpenError(msg)
