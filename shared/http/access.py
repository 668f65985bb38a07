"""Authorisation at the HTTP boundary: the access table applied to each request.

Every route on person-level data takes the verified principal (401 without one),
checks the function level (403: no role of the caller may do this in this service)
and then the object level (404: the case is unknown or outside the caller's reach,
the same answer for both). Actors come from the token: a command's ``decided_by``,
``assessed_by``, ``counsellor_id`` and ``case_manager_id`` are the caller's staff id,
never taken from the body (they are not part of the body's schema).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError, create_model

from shared.access import OPERATIONS_ROLES, FieldGroup, Operation, Relation, Rights, relation, roles_of
from shared.access.decide import UNKNOWN, Reach, ReachLookup
from shared.application.commands import DatedModel
from shared.errors import CaseNotFoundError
from shared.identity.http import UNAUTHENTICATED, CurrentPrincipal
from shared.identity.principal import Principal
from shared.identity.roles import Role
from shared.service import Service

ACTOR_FIELDS = frozenset({"actor", "decided_by", "assessed_by", "counsellor_id", "case_manager_id"})
"""Command fields naming the member of staff who acts: set from the token, never part of the body."""

FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"description": "Angemeldet, aber ohne Recht für diese Operation in dieser Dienststelle."},
}
AUTHENTICATED: dict[int | str, dict[str, Any]] = UNAUTHENTICATED | FORBIDDEN
"""OpenAPI answers of every route that takes the caller's token."""


def forbidden(reason: str = "Für diese Operation fehlt die Berechtigung.") -> HTTPException:
    return HTTPException(403, reason)


def get_reach(request: Request) -> ReachLookup:
    """The service's reach lookup, built by the composition root."""
    reach: ReachLookup = request.app.state.container.reach
    return reach


ReachDep = Annotated[ReachLookup, Depends(get_reach)]


@dataclass(frozen=True, slots=True)
class Authorised:
    """A request that passed both checks: who, with which rights, in which relation to the case."""

    principal: Principal
    rights: Rights
    relation: Relation
    reach: Reach = UNKNOWN
    """What the service knows of who works on the case (none for a command that starts one)."""

    def readable(self) -> frozenset[FieldGroup]:
        return self.rights.readable(self.relation)

    @classmethod
    def of(cls, principal: Principal, rights: Rights, reach: Reach) -> Authorised:
        return cls(principal, rights, relation(principal.staff_id, reach), reach)


def rights_of(principal: Principal, service: Service) -> Rights:
    return Rights.of(principal.roles, principal.departments, service)


def may_read_in_service(principal: Principal, service: Service) -> bool:
    """Function level of a read of case data: the caller may read some field group of a case in this service
    (the access log is no part of a case: an auditor who reads only the log gets 403 on a case, not 404)."""
    rights = rights_of(principal, service)
    return any(rights.may_at_all(g, Operation.READ) for g in rights.grants if g is not FieldGroup.ACCESS_LOG)


def authorise(
    principal: Principal,
    service: Service,
    group: FieldGroup,
    operation: Operation,
    reach: ReachLookup | None = None,
    subject_id: UUID | None = None,
    *,
    by_case: bool = False,
) -> Authorised:
    """Both checks for one operation on one field group (of one case, if ``subject_id`` is given).

    Without a subject (a command that starts a case or file) the function level
    suffices: whoever may write the group at all may start one, and is assigned to it.
    """
    rights = rights_of(principal, service)
    if not rights.may_at_all(group, operation):
        raise forbidden()
    if subject_id is None or reach is None:
        return Authorised(principal, rights, Relation.OWN)
    found = reach.of_case(subject_id) if by_case else reach.of_subject(subject_id)
    rel = relation(principal.staff_id, found)
    if not rights.may(group, operation, rel):
        raise CaseNotFoundError(subject_id)
    return Authorised(principal, rights, rel, found)


def authorise_read(
    principal: Principal, service: Service, reach: ReachLookup, subject_id: UUID, *, by_case: bool = True
) -> Authorised:
    """A read of a case: 403 if the caller may read nothing in this service, 404 if the case is out of reach."""
    if not may_read_in_service(principal, service):
        raise forbidden()
    rights = rights_of(principal, service)
    found = reach.of_case(subject_id) if by_case else reach.of_subject(subject_id)
    rel = relation(principal.staff_id, found)
    if not rights.readable(rel):
        raise CaseNotFoundError(subject_id)
    return Authorised(principal, rights, rel, found)


_BODIES: dict[type[BaseModel], type[BaseModel]] = {}


def body_model(model: type[BaseModel]) -> type[BaseModel]:
    """The command's body as clients send it: the command without its actor fields (one class per command)."""
    if model not in _BODIES:
        _BODIES[model] = _without_actors(model)
    return _BODIES[model]


def _without_actors(model: type[BaseModel]) -> type[BaseModel]:
    actors = ACTOR_FIELDS & set(model.model_fields)
    if not actors:
        return model
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in model.model_fields.items() if name not in actors
    }
    # The body is a DatedModel like the command (its dates bounded in the schema too); its config is the command's.
    base = DatedModel if issubclass(model, DatedModel) else BaseModel
    body: type[BaseModel] = create_model(f"{model.__name__}Body", __base__=base, __doc__=model.__doc__, **fields)
    body.model_config.update(model.model_config)
    body.model_rebuild(force=True)
    return body


def command_with_actors(model: type[BaseModel], body: BaseModel, principal: Principal) -> BaseModel:
    """The command itself: the body plus the caller's staff id in every actor field.

    ``actor`` (every command) is the caller's staff id, or None for a service account;
    the fields that name who decided, assessed, counselled or manages the case require a
    member of staff (403 for a token without a staff id).
    """
    actors = ACTOR_FIELDS & set(model.model_fields)
    if actors - {"actor"} and principal.staff_id is None:
        raise forbidden("Diese Operation ist Mitarbeitenden vorbehalten (keine Personalkennung im Token).")
    if not actors:
        return body
    data = body.model_dump() | dict.fromkeys(actors, principal.staff_id)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


def require_any_role(roles: frozenset[Role], kind: str) -> Any:
    """A route dependency: the caller holds one of ``roles`` (403 otherwise); no case data is involved."""

    def check(principal: CurrentPrincipal) -> Principal:
        if not roles & roles_of(principal.roles):
            raise forbidden()
        return principal

    check.__name__ = f"require_{kind}"
    return Depends(check)


def operations_only() -> Any:
    """Operations routes (projection state, dead letters): the operator role, no person data there."""
    return require_any_role(OPERATIONS_ROLES, "operator")
