"""Decisions from the table: what a principal may do in a service, and with one case.

Two questions, in this order, for every request on person-level data:

1. *Function level*: does any of the principal's roles grant the operation on the
   route's field group in this service at all? If not: 403.
2. *Object level*: does the grant's scope reach this case (own or department)? If
   not, or if the case is unknown: 404, the same answer, so ids cannot be probed.

Reads return only the field groups the principal may read on that case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

from shared.access.model import FieldGroup, Grant, Operation, Relation, Scope
from shared.access.table import TABLE, TEAM_ROLES
from shared.identity.roles import Role
from shared.service import Service


@dataclass(frozen=True, slots=True)
class Reach:
    """What the service knows about who works on one case (or department file)."""

    known: bool
    """The case or file exists in this service's stores (its own file, or its view of the case)."""
    assignees: frozenset[str] = frozenset()
    """Staff ids assigned to it in this service, and deputies whose term covers today."""
    kim_case_manager: str | None = None
    """The KIM case manager of the case, as this service's view knows it."""
    break_glass: Mapping[str, UUID] = field(default_factory=dict)
    """Staff id -> the approved (or emergency) break-glass grant in force now that brings it in reach."""
    case_id: UUID | None = None
    """The KIM case it belongs to (a department's file: once linked)."""


UNKNOWN = Reach(known=False)


def relation(staff_id: str | None, reach: Reach) -> Relation:
    """How the member of staff stands to the case: own, department, or nothing."""
    if not reach.known:
        return Relation.NONE
    if staff_id is not None and (
        staff_id in reach.assignees or staff_id == reach.kim_case_manager or staff_id in reach.break_glass
    ):
        return Relation.OWN
    return Relation.DEPARTMENT


def roles_of(names: Iterable[str]) -> frozenset[Role]:
    """The realm roles the table knows (others, e.g. Keycloak's own, are ignored)."""
    known = {role.value: role for role in Role}
    return frozenset(known[name] for name in names if name in known)


def _wider(a: Scope | None, b: Scope | None) -> Scope | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


@dataclass(frozen=True, slots=True)
class Rights:
    """A principal's grants in one service, merged over their roles (the widest scope wins)."""

    service: Service
    grants: Mapping[FieldGroup, Grant] = field(default_factory=dict)

    @classmethod
    def of(cls, roles: Iterable[str], departments: Iterable[str], service: Service) -> Rights:
        merged: dict[FieldGroup, Grant] = {}
        in_department = service.value in set(departments)
        for role in roles_of(roles):
            if role in TEAM_ROLES and not in_department:
                continue
            for group, grant in TABLE.get(role, {}).get(service, {}).items():
                prior = merged.get(group)
                merged[group] = (
                    grant
                    if prior is None
                    else Grant(
                        read=_wider(prior.read, grant.read),
                        write=_wider(prior.write, grant.write),
                        consent_only=prior.consent_only and grant.consent_only,
                    )
                )
        return cls(service, merged)

    @property
    def any(self) -> bool:
        """Whether the principal has any right in this service."""
        return any(g.read is not None or g.write is not None for g in self.grants.values())

    def scope(self, group: FieldGroup, operation: Operation) -> Scope | None:
        grant = self.grants.get(group)
        return grant.scope(operation) if grant else None

    def may_at_all(self, group: FieldGroup, operation: Operation) -> bool:
        """Function level: the operation on the group is granted for some case."""
        return self.scope(group, operation) is not None

    def may(self, group: FieldGroup, operation: Operation, rel: Relation) -> bool:
        """Object level: granted, and the grant's scope reaches a case in relation ``rel``."""
        scope = self.scope(group, operation)
        return scope is not None and rel.reaches(scope)

    def readable(self, rel: Relation) -> frozenset[FieldGroup]:
        """The groups the principal may read on a case in relation ``rel``."""
        return frozenset(g for g in self.grants if self.may(g, Operation.READ, rel))

    def reaches(self, rel: Relation) -> bool:
        """Whether any group may be read or written on a case in relation ``rel`` (else: 404)."""
        return any(self.may(g, op, rel) for g in self.grants for op in Operation)


class ReachLookup(Protocol):
    """Where a service finds a case's :class:`Reach` (its own stores; built by the composition root)."""

    def of_subject(self, subject_id: UUID) -> Reach:
        """The subject of a command route: intake's KIM case, a department's own file."""
        ...

    def of_case(self, case_id: UUID) -> Reach:
        """A KIM case as this service's view knows it (the case-history reads)."""
        ...

    def of_cases(self, case_ids: Sequence[UUID]) -> dict[UUID, Reach]:
        """:meth:`of_case` of many cases at once, with the same answers (a list of cases: one lookup, not one each)."""
        ...

    def own_cases(self, staff_id: str) -> list[UUID]:
        """The cases the member of staff works on in this service today ("Meine Fälle")."""
        ...

    def unassigned(self, limit: int, offset: int) -> list[tuple[UUID, UUID | None]]:
        """Open cases or files nobody works on, as (subject id, KIM case id): the team lead's inbox."""
        ...
