"""Writing the access log from the routes: every read of person-level data, every command, every refusal.

A route takes :data:`AccessDep`; it authorises through it (a refusal is logged, then
raised), tells it which case and field groups its answer carries, and the entries are
appended before the answer leaves. A command's entries are attached to the command
and stored in the transaction of its events (``shared/application/recording.py``).
Answers without person-level data (operations routes, an empty list) log nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Depends, HTTPException, Request

from shared.access import FieldGroup, Operation
from shared.access.decide import ReachLookup, roles_of
from shared.access.log import AccessEntry, AccessLog, Accessor, ReadEntries
from shared.application.recording import written_with
from shared.errors import CaseNotFoundError
from shared.http.access import Authorised, authorise, authorise_read
from shared.http.correlation import correlation_id
from shared.http.visibility import HeldEntry, group_of
from shared.identity.http import CurrentPrincipal
from shared.identity.principal import Principal
from shared.service import Service

T = TypeVar("T")


def accessor_of(principal: Principal, correlation: str | None = None) -> Accessor:
    """The caller as the access log names them; ``correlation`` defaults to the request's id (``X-Request-ID``)."""
    return Accessor(
        actor=principal.actor,
        roles=tuple(sorted(r.value for r in roles_of(principal.roles))),
        departments=tuple(sorted(principal.departments)),
        client_id=principal.client_id,
        correlation_id=correlation if correlation is not None else correlation_id(),
    )


def break_glass_of(who: Authorised) -> UUID | None:
    """The break-glass grant that alone brings the case in the caller's reach, if any."""
    staff, reach = who.principal.staff_id, who.reach
    if staff is None or staff in reach.assignees or staff == reach.kim_case_manager:
        return None
    return reach.break_glass.get(staff)


def bases_by_group(entries: Sequence[HeldEntry]) -> dict[FieldGroup, str]:
    """Per field group, what the service holds its entries by (``own_task``, ``consent:<id>``, …)."""
    found: dict[FieldGroup, set[str]] = {}
    for entry in entries:
        found.setdefault(group_of(entry), set()).add(str(getattr(entry, "basis", "own_task")))
    return {group: ",".join(sorted(bases)) for group, bases in found.items()}


def groups_of_record(record: Mapping[str, Any], sections: Mapping[str, FieldGroup]) -> frozenset[FieldGroup]:
    """The field groups a department's own record carries (fields with something in them)."""
    return frozenset(group for key, group in sections.items() if record.get(key) not in (None, [], {}, ""))


@dataclass
class RequestAccess:
    """The access log of one request."""

    log: AccessLog
    entries: ReadEntries

    @property
    def principal_actor(self) -> str:
        return self.entries.accessor.actor

    @contextmanager
    def refusals(self, subject_id: UUID | None, group: FieldGroup | None, operation: Operation) -> Iterator[None]:
        """Log a refusal (403, or 404 for a case out of reach) of what runs inside, then let it through."""
        try:
            yield
        except HTTPException as exc:
            if exc.status_code == 403:
                self.log.record([self.entries.denied(subject_id, group, operation)])
            raise
        except CaseNotFoundError:
            self.log.record([self.entries.denied(subject_id, group, operation)])
            raise

    def read(self, principal: Principal, reach: ReachLookup, subject_id: UUID, *, by_case: bool = True) -> Authorised:
        """Authorise a read of a case or file (403/404 as :func:`authorise_read`), logging a refusal."""
        service = self.entries.service
        with self.refusals(subject_id, None, Operation.READ):
            return authorise_read(principal, service, reach, subject_id, by_case=by_case)

    def write(
        self,
        principal: Principal,
        group: FieldGroup,
        reach: ReachLookup | None,
        subject_id: UUID | None,
        *,
        by_case: bool = False,
    ) -> Authorised:
        """Authorise a command on ``group`` (of ``subject_id``, if it names one), logging a refusal."""
        service = self.entries.service
        with self.refusals(subject_id, group, Operation.WRITE):
            return authorise(principal, service, group, Operation.WRITE, reach, subject_id, by_case=by_case)

    def shown(
        self,
        who: Authorised,
        subject_id: UUID,
        groups: frozenset[FieldGroup],
        bases: dict[FieldGroup, str] | None = None,
    ) -> None:
        """The answer carries ``groups`` of ``subject_id``: one entry each."""
        case_id = who.reach.case_id or (subject_id if self.entries.service is Service.INTAKE else None)
        self.entries.add(
            subject_id, case_id, groups, relation=who.relation, bases=bases, break_glass=break_glass_of(who)
        )

    def flush(self) -> None:
        """Append what the answer carries (before it leaves)."""
        if self.entries.entries:
            self.log.record(self.entries.entries)
            self.entries.entries = []

    def answer(self, build: Callable[[], T]) -> T:
        """Build the answer, then append its entries; nothing is logged if building it fails."""
        result = build()
        self.flush()
        return result

    @contextmanager
    def command(self, who: Authorised, group: FieldGroup, subject_id: UUID | None) -> Iterator[None]:
        """Attach the command's entry to the events the use case inside will store."""
        template = ReadEntries(self.entries.service, self.entries.accessor, self.entries.route, self.entries.at)
        with written_with(self.log.written_with_command(command_entries(template, who, group, subject_id))):
            yield


def command_entries(
    template: ReadEntries, who: Authorised, group: FieldGroup, subject_id: UUID | None
) -> list[AccessEntry]:
    """The access-log entry of one authorised command on ``group`` of ``subject_id`` (None: it starts one).

    ``template`` names the service, the caller, the route and the time; its own entries are
    left alone. The HTTP routes and the file import (``services/importer.py``) attach the
    result to the command with ``written_with(log.written_with_command(...))``, so it is
    stored in the transaction of the command's events, or not at all.
    """
    collected = ReadEntries(template.service, template.accessor, template.route, template.at)
    case_id = who.reach.case_id
    if subject_id is not None and case_id is None and template.service is Service.INTAKE:
        case_id = subject_id
    collected.add(
        subject_id,
        case_id,
        [group],
        relation=who.relation,
        break_glass=break_glass_of(who),
        operation=Operation.WRITE,
    )
    return collected.entries


def get_access(request: Request, principal: CurrentPrincipal) -> RequestAccess:
    """The request's access log, for the route it matched."""
    route = request.scope.get("route")
    template = getattr(route, "path", "?")
    service: Service = request.app.state.service
    log: AccessLog = request.app.state.container.access_log
    entries = ReadEntries(service, accessor_of(principal), f"{request.method} {template}", datetime.now(UTC))
    return RequestAccess(log, entries)


AccessDep = Annotated[RequestAccess, Depends(get_access)]
