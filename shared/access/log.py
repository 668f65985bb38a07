"""The access log: who read or changed which part of which case, why, on which basis.

One entry per case × field group an answer carries (a read), per field group a
command writes, and per refused attempt. An entry names people only by
pseudonyms (staff ids, client ids) and cases only by their random ids; it holds no
content. It is append-only: the service's runtime role may insert and read it,
never change or delete it (``shared/persistence/pool.py``).

Two bases are kept apart:

- ``grant``: why *this caller* may see it: the role and relation the access table
  decided on (``kobiz_counsellor/own``), or a break-glass grant
  (``break-glass:<grant id>``);
- ``basis``: why *this service* holds the data: its own statutory task
  (``own_task``), a legal transmission (``aufenthg_87``) or a consent
  (``consent:<consent id>``), as the projection recorded when it took the event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from shared.access.decide import roles_of
from shared.access.model import FieldGroup, Operation, Relation
from shared.identity.roles import Role
from shared.service import Service


class Outcome(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"


class Purpose(StrEnum):
    """Why a role processes a case's data (Art. 5(1)(b) DSGVO): logged with every access."""

    KIM_CASE_MANAGEMENT = "kim_case_management"
    STATUTORY_TASK = "statutory_task"
    """The foreign office's own task under the AufenthG and StAG."""
    COUNSELLING = "counselling"
    SUPERVISION = "supervision"
    DATA_PROTECTION_OVERSIGHT = "data_protection_oversight"
    AUDIT = "audit"
    OPERATIONS = "operations"
    BREAK_GLASS = "break_glass"


ROLE_PURPOSES: dict[Role, Purpose] = {
    Role.INTAKE_CLERK: Purpose.KIM_CASE_MANAGEMENT,
    Role.KIM_CASE_MANAGER: Purpose.KIM_CASE_MANAGEMENT,
    Role.FOREIGN_OFFICE_CASEWORKER: Purpose.STATUTORY_TASK,
    Role.NATURALISATION_CASEWORKER: Purpose.STATUTORY_TASK,
    Role.KOBIZ_COUNSELLOR: Purpose.COUNSELLING,
    Role.TEAM_LEAD: Purpose.SUPERVISION,
    Role.DATA_PROTECTION_OFFICER: Purpose.DATA_PROTECTION_OVERSIGHT,
    Role.AUDITOR: Purpose.AUDIT,
    Role.OPERATOR: Purpose.OPERATIONS,
}
"""The purpose of each role's work; a caller with several roles logs the first in this order."""

DENIED_GROUP = "*"
"""The field group of a refused attempt that was refused before any group was decided."""


@dataclass(frozen=True, slots=True)
class Accessor:
    """Who asks, as the access log names them (pseudonymous; from the verified token)."""

    actor: str
    """Staff id, ``client:<id>`` for a service account."""
    roles: tuple[str, ...]
    """The caller's KIM roles (sorted)."""
    departments: tuple[str, ...]
    client_id: str
    correlation_id: str
    """The request's correlation id (``X-Request-ID``), also in the process log and the answer."""

    @property
    def purpose(self) -> Purpose:
        held = roles_of(self.roles)
        for role, purpose in ROLE_PURPOSES.items():
            if role in held:
                return purpose
        return Purpose.OPERATIONS

    def grant(self, relation: Relation, break_glass: UUID | None = None) -> str:
        """Why this caller may see it: role(s) and relation, or the break-glass grant."""
        if break_glass is not None:
            return f"break-glass:{break_glass}"
        return f"{'+'.join(self.roles) or '-'}/{relation.name.lower()}"


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """One line of the access log (what a service writes)."""

    service: Service
    accessor: Accessor
    operation: Operation
    route: str
    """Method and route template (``GET /kobiz/files/{file_id}``): never the filled-in path."""
    subject_id: UUID | None
    """The case or file addressed (None: a new case or file, filled in from the command's result)."""
    case_id: UUID | None
    """The KIM case it belongs to, if any."""
    field_group: str
    """A :class:`FieldGroup` value, or :data:`DENIED_GROUP`."""
    purpose: str
    grant: str
    basis: str
    outcome: Outcome
    at: datetime

    def with_subject(self, subject_id: UUID, case_id: UUID | None) -> AccessEntry:
        """The entry of a command that created its subject, once its id is known."""
        return replace(self, subject_id=self.subject_id or subject_id, case_id=self.case_id or case_id)


@dataclass(frozen=True, slots=True)
class LoggedAccess:
    """An entry as stored, with its place in the log."""

    id: int
    entry: AccessEntry


@dataclass(frozen=True, slots=True)
class AccessQuery:
    """What the data-protection officer or an auditor asks for (all given criteria must hold)."""

    case_id: UUID | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    outcome: Outcome | None = None
    after_id: int = 0
    limit: int = 100

    def matches(self, logged: LoggedAccess) -> bool:
        e = logged.entry
        return (
            logged.id > self.after_id
            and (self.case_id is None or self.case_id in (e.case_id, e.subject_id))
            and (self.actor is None or e.accessor.actor == self.actor)
            and (self.since is None or e.at >= self.since)
            and (self.until is None or e.at < self.until)
            and (self.outcome is None or e.outcome is self.outcome)
        )


class AccessLog(Protocol):
    """A service's access log (PostgreSQL table, or in memory for unit tests)."""

    def record(self, entries: Sequence[AccessEntry]) -> None:
        """Append entries in a transaction of their own (reads, refusals)."""
        ...

    def written_with_command(self, entries: Sequence[AccessEntry]) -> object:
        """A side record appending ``entries`` in the transaction of the command's events."""
        ...

    def query(self, query: AccessQuery) -> list[LoggedAccess]: ...


@dataclass
class ReadEntries:
    """The entries of one answer, collected while it is built: one per case × field group."""

    service: Service
    accessor: Accessor
    route: str
    at: datetime
    entries: list[AccessEntry] = field(default_factory=list)

    def add(
        self,
        subject_id: UUID | None,
        case_id: UUID | None,
        groups: Iterable[FieldGroup],
        *,
        relation: Relation,
        bases: dict[FieldGroup, str] | None = None,
        break_glass: UUID | None = None,
        operation: Operation = Operation.READ,
    ) -> None:
        grant = self.accessor.grant(relation, break_glass)
        purpose = Purpose.BREAK_GLASS if break_glass is not None else self.accessor.purpose
        for group in sorted(groups):
            self.entries.append(
                AccessEntry(
                    self.service,
                    self.accessor,
                    operation,
                    self.route,
                    subject_id,
                    case_id,
                    group.value,
                    purpose.value,
                    grant,
                    (bases or {}).get(group, "own_task"),
                    Outcome.ALLOWED,
                    self.at,
                )
            )

    def denied(self, subject_id: UUID | None, group: FieldGroup | None, operation: Operation) -> AccessEntry:
        return AccessEntry(
            self.service,
            self.accessor,
            operation,
            self.route,
            subject_id,
            None,
            group.value if group is not None else DENIED_GROUP,
            self.accessor.purpose.value,
            self.accessor.grant(Relation.NONE),
            "-",
            Outcome.DENIED,
            self.at,
        )
