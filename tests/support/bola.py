"""The BOLA matrix, generated: every API route × every member of staff × (own, team, other, unknown).

What is expected of each cell comes from two sources only, so that neither can drift:

- the routes, from the services' FastAPI apps (``services/bootstrap.py`` ``create_app``): each route's
  OpenAPI entry ``x-kim-access`` names its rule (``command`` on a field group, ``read`` of a subject,
  ``list``, ``search`` on a field group, ``operations``, ``oversight``, ``break-glass`` with its action,
  ``team-inbox``); a route without a
  rule, or with a kind this module does not know, fails :func:`routes` (only the health and documentation
  routes are exempt);
- the access table (``shared/access/table.py``) through the decisions every route makes
  (``shared/access/decide.py`` ``Rights`` and ``Relation``): no right on the operation in the service at
  all → 403; a right whose scope does not reach the subject (other, unknown) → 404; else the route's
  success status, or a 409 (a domain refusal, answered only after both checks passed).

Columns (docs/access.md: a scope is *own* or *dept*; there are no teams below the department):

- ``own``: the member works on the subject in this service: assigned to the department's file, deputy
  of the KIM case manager at intake, or the KIM case manager themself (intake and Kobiz);
- ``team``: a case or file of the department the member does not work on (relation ``DEPARTMENT``);
- ``other``: an id that exists in the system but is not in this service's reach: another service's file
  (intake; the departments' file routes; Kobiz's case routes: Kobiz holds every KIM case by law), or,
  for the foreign office's case routes, a KIM case whose person gave no consent and to which no
  residence file is linked;
- ``unknown``: a random id. ``other`` and ``unknown`` must answer alike: same status, same body.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from services.bootstrap import create_app
from shared.access import OPERATIONS_ROLES, OVERSIGHT_ROLES, FieldGroup, Operation, Relation, Rights
from shared.access.break_glass import Approver, approves_in
from shared.access.table import BREAK_GLASS, TEAM_ROLES
from shared.identity.roles import Role
from shared.service import Service
from tests.support import walk

EXEMPT = frozenset({"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
"""Routes without person data and without a token: liveness, readiness, metrics, the API's documentation."""
KINDS = frozenset({"command", "read", "list", "search", "operations", "oversight", "break-glass", "team-inbox"})
"""The kinds of ``x-kim-access`` this generator knows how to expect."""
COLUMNS = ("own", "team", "other", "unknown")
GRANT_COLUMNS = ("other", "unknown")
"""Break-glass routes are run on ids that name no request (another subject, a random id) and, for a request, on
subjects outside the service: a request on a matrix subject could bring it in reach and change the other cells."""
RELATIONS = {"own": Relation.OWN, "team": Relation.DEPARTMENT, "other": Relation.NONE, "unknown": Relation.NONE}
DOMAIN_REFUSAL = 409
"""A command refused by its aggregate (closed, already done, not assigned): answered after both checks."""


@dataclass(frozen=True)
class Member:
    """A member of staff of the test realm (deploy/keycloak/realm-kim.test-client.json)."""

    key: str
    username: str
    staff_id: str
    roles: tuple[Role, ...]
    departments: tuple[Service, ...] = ()

    def rights(self, service: Service) -> Rights:
        return Rights.of([r.value for r in self.roles], [d.value for d in self.departments], service)


MEMBERS: tuple[Member, ...] = (
    Member("intake_clerk", "test.bola.empfang", "st-7e5710", (Role.INTAKE_CLERK,), (Service.INTAKE,)),
    Member(
        "foreign_office_caseworker",
        "test.bola.abh",
        "st-7e5711",
        (Role.FOREIGN_OFFICE_CASEWORKER,),
        (Service.FOREIGN_OFFICE,),
    ),
    Member(
        "naturalisation_caseworker",
        "test.bola.ebb",
        "st-7e5712",
        (Role.NATURALISATION_CASEWORKER,),
        (Service.FOREIGN_OFFICE,),
    ),
    Member("kim_case_manager", "test.bola.fallmanagement", "st-7e5713", (Role.KIM_CASE_MANAGER,), (Service.INTAKE,)),
    Member("kobiz_counsellor", "test.bola.kobiz", "st-7e5714", (Role.KOBIZ_COUNSELLOR,), (Service.KOBIZ,)),
    Member("team_lead@intake", "test.bola.leitung.intake", "st-7e5715", (Role.TEAM_LEAD,), (Service.INTAKE,)),
    Member(
        "team_lead@foreign_office",
        "test.bola.leitung.abh",
        "st-7e5716",
        (Role.TEAM_LEAD,),
        (Service.FOREIGN_OFFICE,),
    ),
    Member("team_lead@kobiz", "test.bola.leitung.kobiz", "st-7e5717", (Role.TEAM_LEAD,), (Service.KOBIZ,)),
    Member("data_protection_officer", "test.bola.dsb", "st-7e5718", (Role.DATA_PROTECTION_OFFICER,)),
    Member("auditor", "test.bola.pruefung", "st-7e5719", (Role.AUDITOR,)),
    Member("operator", "test.betrieb", "st-te5702", (Role.OPERATOR,)),
)
"""One member per role of shared/identity/roles.py, the team lead once per department group."""
NO_ROLE = Member("no_kim_role", "test.bola.ohnerolle", "st-7e5720", (), (Service.INTAKE,))
"""A valid user of the realm with a department group but no KIM role (token negatives: 403)."""


@dataclass(frozen=True)
class Route:
    """One API route and its access rule, as the app documents it."""

    service: Service
    method: str
    path: str
    kind: str
    subject: str | None
    """``case_id`` (intake's own case), ``file_id`` (a department's file), ``case`` (a service's view of a KIM
    case), ``grant_id`` (a break-glass request), ``body`` (a break-glass request names its subject in the body),
    or None (lists, operations, commands that start a case or file)."""
    group: FieldGroup | None
    command: str | None
    """The command's name in its service's table (break-glass: the action)."""
    success: int
    roles: tuple[str, ...] = ()
    """``oversight``: the roles the rule names (``x-kim-access`` ``roles``), if it narrows OVERSIGHT_ROLES."""
    names_case: bool = False
    """``command``: the body names a KIM case, which the same write right must reach (``names_case: required``;
    an optional one, as in opening a file, the world's bodies leave out)."""

    @property
    def id(self) -> str:
        return f"{self.service.value} {self.method} {self.path}"


def _command_names(service: Service) -> dict[str, str]:
    """Route path → command name, from the service's command table."""
    id_param = "{file_id}" if service in walk.FILE_SERVICES else "{case_id}"
    return {walk.route(service, name, id_param): name for name in walk.SPECS[service]}


def _rule(service: Service, method: str, path: str, operation: dict[str, Any], commands: dict[str, str]) -> Route:
    access = operation.get("x-kim-access")
    assert isinstance(access, dict), f"{service.value} {method} {path} has no x-kim-access rule"
    kind = access.get("kind")
    assert kind in KINDS, f"{service.value} {method} {path}: x-kim-access kind {kind!r} is unknown to the generator"
    command = commands.get(path) if kind == "command" else None
    if kind == "break-glass":
        action = access.get("action")
        assert action in BREAK_GLASS_ACTIONS, f"{service.value} {method} {path}: break-glass action {action!r} unknown"
        subject = None if action == "list" else ("body" if action == "request" else "grant_id")
        success = 201 if action == "request" else 200
        return Route(service, method, path, kind, subject, None, action, success)
    if kind == "command":
        assert command is not None, f"{service.value} {method} {path}: no row of the command table"
        assert method == "POST"
        success = walk.status(service, command)
    elif kind == "search":  # a query (GET) or a check that stores nothing (POST), over the cases in reach
        assert access.get("group"), f"{service.value} {method} {path}: a search names the field group it reads"
        success = 200
    else:
        assert method == "GET", f"{service.value} {method} {path}: a {kind} route must be a GET"
        success = 200
    subject = access.get("subject")
    if kind == "read":
        assert subject in ("case_id", "file_id", "case"), f"{path}: read of unknown subject {subject!r}"
    group = access.get("group")
    roles = tuple(access.get("roles", ()))
    names_case = access.get("names_case") == "required"
    field_group = FieldGroup(group) if group else None
    return Route(service, method, path, kind, subject, field_group, command, success, roles, names_case)


@cache
def routes(service: Service) -> tuple[Route, ...]:
    """Every route of the service's app with its rule; fails on a route without a rule the generator knows."""
    document = create_app(service, lambda: None).openapi()  # type: ignore[arg-type, return-value]  # not started
    commands = _command_names(service)
    found: list[Route] = []
    for path, operations in document["paths"].items():
        if path in EXEMPT:
            continue
        for method, operation in operations.items():
            found.append(_rule(service, method.upper(), path, operation, commands))
    return tuple(found)


def all_routes() -> tuple[Route, ...]:
    return tuple(r for s in Service for r in routes(s))


@dataclass(frozen=True)
class Expected:
    """What a cell must answer: ``allowed`` (success or a domain refusal) or exactly ``status``."""

    allowed: bool
    status: int

    def accepts(self, status: int) -> bool:
        if self.allowed:
            return status == self.status or status == DOMAIN_REFUSAL
        return status == self.status

    def __str__(self) -> str:
        return f"{self.status}|409" if self.allowed else str(self.status)


BREAK_GLASS_ACTIONS = frozenset({"request", "list", "read", "approve", "refuse", "end", "review"})


def columns(route: Route) -> tuple[str, ...]:
    if route.subject is None:
        return ("-",)
    return GRANT_COLUMNS if route.kind == "break-glass" else COLUMNS


def expected(route: Route, member: Member, column: str) -> Expected:
    """The answer the access table requires of ``member`` on ``route`` for a subject in ``column``."""
    rights = member.rights(route.service)
    allowed = Expected(True, route.success)
    if route.kind == "operations":
        return allowed if set(member.roles) & OPERATIONS_ROLES else Expected(False, 403)
    if route.kind == "oversight":  # the roles the rule names; else whoever reads its field group; else OVERSIGHT_ROLES
        if route.roles:
            return allowed if set(member.roles) & {Role(r) for r in route.roles} else Expected(False, 403)
        if route.group is not None:
            reads = rights.may(route.group, Operation.READ, Relation.DEPARTMENT)
            return allowed if reads else Expected(False, 403)
        return allowed if set(member.roles) & OVERSIGHT_ROLES else Expected(False, 403)
    if route.kind == "list":
        return allowed if _reads_at_all(rights) else Expected(False, 403)
    if route.kind == "search":  # whoever reads the group at some scope; the answer holds only cases in reach
        assert route.group is not None
        return allowed if rights.may_at_all(route.group, Operation.READ) else Expected(False, 403)
    if route.kind == "team-inbox":  # the department's unassigned cases: a team lead of this department (TEAM_ROLES)
        lead = set(member.roles) & TEAM_ROLES and route.service in member.departments
        return allowed if lead else Expected(False, 403)
    if route.kind == "break-glass":  # a role that may ask (BREAK_GLASS) or decide here (APPROVERS), else 403
        who = Approver(member.staff_id, frozenset(member.roles), frozenset(d.value for d in member.departments))
        if not (who.roles & set(BREAK_GLASS) or approves_in(who, route.service.value)):
            return Expected(False, 403)
        return allowed if route.subject is None else Expected(False, 404)  # no such request or subject
    if route.kind == "read":
        if not _reads_at_all(rights):
            return Expected(False, 403)
        return allowed if rights.readable(RELATIONS[column]) else Expected(False, 404)
    assert route.group is not None
    if not rights.may_at_all(route.group, Operation.WRITE):
        return Expected(False, 403)
    if route.subject is not None and not rights.may(route.group, Operation.WRITE, RELATIONS[column]):
        return Expected(False, 404)
    # A KIM case named in the body (the world's "sink" case: nobody's own) must be in reach as well.
    if route.names_case and not rights.may(route.group, Operation.WRITE, Relation.DEPARTMENT):
        return Expected(False, 404)
    return allowed


def _reads_at_all(rights: Rights) -> bool:
    """Reads some part of a case (the access log is none: who reads only the log gets 403 on a case)."""
    return any(rights.may_at_all(g, Operation.READ) for g in rights.grants if g is not FieldGroup.ACCESS_LOG)


@dataclass(frozen=True)
class Cell:
    route: Route
    member: Member
    column: str
    expected: Expected


def cells(route: Route) -> Iterator[Cell]:
    for member in MEMBERS:
        for column in columns(route):
            yield Cell(route, member, column, expected(route, member, column))


@dataclass(frozen=True)
class Outcome:
    cell: Cell
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return self.cell.expected.accepts(self.status)

    def line(self) -> str:
        c = self.cell
        text = str(self.body)[:160]
        return f"  {c.member.key:26} {c.column:8} expected {c.expected!s:8} got {self.status}  {text}"
