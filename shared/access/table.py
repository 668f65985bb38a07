"""Who may read and write which field group where: docs/domain.md §4 as one reviewed table.

Rows are roles, per service; each cell is a :class:`Grant` (read and write scope).
Nothing outside this table is allowed: a role without a row for a service has no
right there at all (403), a scope of ``OWN`` reaches only assigned cases (404 for
the others, as for an unknown id). A team lead's rows apply only in the services
of the department groups the token names. ``consent_only`` marks §4's "(C)": the
department's view holds such data only while a consent covers it, so the grant adds
nothing beyond it; it is noted for the reader and for the access log's basis.

Deliberate choices where §4 is silent (docs/access.md lists them with reasons):
- integration data (language, school, training, work) follows the status column;
- consent records are read on own cases only by KIM case managers and Kobiz
  counsellors (§4 gives them "R"; need-to-know narrows it to their cases);
- an intake clerk may also narrow or revoke a consent (a revocation may arrive at
  the front desk and must take effect at once);
- the data-protection officer reads person-level data beyond status only through
  break-glass "on complaint", which is logged and reviewed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from shared.access.model import FieldGroup, Grant, Scope, r, rw, w
from shared.identity.roles import Role
from shared.service import Service

F = FieldGroup
OWN, DEPT = Scope.OWN, Scope.DEPARTMENT
Rows = Mapping[FieldGroup, Grant]


def _rows(**grants: Grant) -> Rows:
    return MappingProxyType({FieldGroup(name): grant for name, grant in grants.items()})


def _oversight(**extra: Grant) -> Rows:
    """The data-protection officer's rows in every service (more only through break-glass)."""
    return _rows(access_log=r(DEPT), consent=r(DEPT), **extra)


TABLE: Mapping[Role, Mapping[Service, Rows]] = {
    Role.INTAKE_CLERK: {
        Service.INTAKE: _rows(identity_core=rw(DEPT), case_management=rw(DEPT), consent=w(DEPT)),
    },
    Role.KIM_CASE_MANAGER: {
        Service.INTAKE: _rows(
            identity_core=rw(OWN),
            case_management=rw(OWN),
            consent=rw(OWN),
            status=r(OWN, consent_only=True),
            identity_detail=r(OWN, consent_only=True),
            integration=r(OWN, consent_only=True),
            counselling=r(OWN, consent_only=True),
            health=r(OWN, consent_only=True),
            social_data=r(OWN, consent_only=True),
        ),
        Service.KOBIZ: _rows(
            identity_core=r(OWN),
            case_management=r(OWN),
            counselling=rw(OWN),
            health=rw(OWN),
            integration=r(OWN, consent_only=True),
            status=r(OWN, consent_only=True),
            consent=r(OWN),
        ),
    },
    Role.FOREIGN_OFFICE_CASEWORKER: {
        Service.FOREIGN_OFFICE: _rows(
            identity_core=rw(DEPT),
            case_management=rw(DEPT),
            status=rw(DEPT),
            identity_detail=rw(DEPT),
            criminal=rw(DEPT),
            removal=rw(DEPT),
            health=r(OWN),
            social_data=r(DEPT),
            consent=r(DEPT),
            integration=r(DEPT, consent_only=True),
            counselling=r(DEPT, consent_only=True),
        ),
    },
    Role.NATURALISATION_CASEWORKER: {
        Service.FOREIGN_OFFICE: _rows(
            identity_core=r(DEPT),
            case_management=r(DEPT),
            status=r(DEPT),
            identity_detail=r(DEPT),
            criminal=rw(DEPT),
            naturalisation=rw(DEPT),
            health=r(OWN),
            consent=r(DEPT),
            integration=r(DEPT, consent_only=True),
            social_data=r(DEPT, consent_only=True),
        ),
    },
    Role.KOBIZ_COUNSELLOR: {
        Service.KOBIZ: _rows(
            identity_core=r(OWN),
            case_management=rw(OWN),
            counselling=rw(OWN),
            integration=rw(OWN),
            status=r(OWN, consent_only=True),
            identity_detail=r(OWN, consent_only=True),
            health=r(OWN, consent_only=True),
            consent=r(OWN),
        ),
    },
    Role.TEAM_LEAD: {
        Service.INTAKE: _rows(
            identity_core=r(DEPT),
            case_management=rw(DEPT),
            status=r(DEPT),
            identity_detail=r(DEPT),
            integration=r(DEPT),
            counselling=r(DEPT),
            consent=r(DEPT),
            access_log=r(DEPT),
        ),
        Service.FOREIGN_OFFICE: _rows(
            identity_core=r(DEPT),
            case_management=rw(DEPT),
            status=r(DEPT),
            identity_detail=r(DEPT),
            criminal=r(DEPT),
            removal=r(DEPT),
            naturalisation=r(DEPT),
            social_data=r(DEPT),
            integration=r(DEPT),
            counselling=r(DEPT),
            consent=r(DEPT),
            access_log=r(DEPT),
        ),
        Service.KOBIZ: _rows(
            identity_core=r(DEPT),
            case_management=rw(DEPT),
            status=r(DEPT),
            identity_detail=r(DEPT),
            integration=r(DEPT),
            counselling=r(DEPT),
            consent=r(DEPT),
            access_log=r(DEPT),
        ),
    },
    Role.DATA_PROTECTION_OFFICER: {
        Service.INTAKE: _oversight(),
        Service.FOREIGN_OFFICE: _oversight(status=r(DEPT), identity_detail=r(DEPT)),
        Service.KOBIZ: _oversight(),
    },
    Role.AUDITOR: {service: _rows(access_log=r(DEPT)) for service in Service},
    Role.OPERATOR: {},
}
"""Role → service → field group → grant. Reviewed like code; tests/unit/access/ derives its checks from it."""

TEAM_ROLES: frozenset[Role] = frozenset({Role.TEAM_LEAD})
"""Roles whose rows apply only in the services of the token's department groups."""


@dataclass(frozen=True, slots=True)
class BreakGlassRule:
    """Whether a role may ask to read beyond its reach, and how."""

    emergency: bool
    """May read at once, without prior approval (flagged for mandatory review)."""
    max_minutes: int
    """The longest time one grant may last."""


BREAK_GLASS: Mapping[Role, BreakGlassRule] = {
    Role.FOREIGN_OFFICE_CASEWORKER: BreakGlassRule(emergency=True, max_minutes=240),
    Role.NATURALISATION_CASEWORKER: BreakGlassRule(emergency=False, max_minutes=240),
    Role.KIM_CASE_MANAGER: BreakGlassRule(emergency=True, max_minutes=240),
    Role.KOBIZ_COUNSELLOR: BreakGlassRule(emergency=True, max_minutes=240),
    Role.DATA_PROTECTION_OFFICER: BreakGlassRule(emergency=False, max_minutes=480),
}
"""Roles that may use break-glass; the others may not ask at all."""

APPROVERS: frozenset[Role] = frozenset({Role.TEAM_LEAD, Role.DATA_PROTECTION_OFFICER})
"""Who may approve a break-glass request (never the requester: four eyes)."""

OPERATIONS_ROLES: frozenset[Role] = frozenset({Role.OPERATOR})
"""Who may use the operations routes (projection status, dead letters, replay): no person data there."""

OVERSIGHT_ROLES: frozenset[Role] = frozenset({Role.DATA_PROTECTION_OFFICER, Role.AUDITOR})
"""Who may query the access log across the department (a team lead: their team's)."""
