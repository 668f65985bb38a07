"""Finding a registered person at intake: who may, in which cases, what each result shows, the access log.

The API's routes (``services/intake/api.py``: ``GET /intake/persons``, ``POST
/intake/persons/duplicate-check``) and the web views (``shared/web/persons.py``) call these
functions, so both apply the same rules:

- whoever the access table lets read intake's field group ``identity_core`` may search (403
  otherwise, logged as a refusal); a scope of *dept* searches the department's cases, a scope
  of *own* only the cases in the caller's reach (``ReachLookup.own_cases``);
- each result shows names, birth date and registered on (``identity_core``) and the case's
  status only if the caller may read ``case_management`` on that case;
- every result shown is a read of person-level data: one access-log entry per case and field
  group, on the request's :class:`~shared.http.access_log.RequestAccess`.

Search terms are never logged and never part of an error text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal, Protocol, runtime_checkable
from uuid import UUID

from fastapi import Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, BeforeValidator, Field

from shared.access import FieldGroup, Operation, Rights, Scope
from shared.access.decide import ReachLookup
from shared.application.commands import NOT_BLANK, DatedModel, Text200
from shared.errors import CaseNotFoundError
from shared.http.access import Authorised, forbidden, rights_of
from shared.http.access_log import RequestAccess
from shared.http.deps import QUERY_DATE_PATTERN, query_date
from shared.identity.principal import Principal
from shared.persons import MAX_RESULTS, PersonEntry, PersonMatch, PersonQuery, PersonRecord, Reason, Registration
from shared.service import Service

IDENTITY = FieldGroup.IDENTITY_CORE
CASE_MANAGEMENT = FieldGroup.CASE_MANAGEMENT
CASE_NUMBER_PATTERN = r"^([0-9a-fA-F]{8}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
"""The full case id, or its first 8 hex characters as the pages show it ("Fall 3f2b9c1a")."""
CRITERIA = ("family_name", "given_names", "birth_date", "case_number")
MISSING_CRITERION = "Mindestens ein Suchkriterium angeben: family_name, given_names, birth_date oder case_number."


class PersonMatchPublic(BaseModel):
    """A registered person who matches, how well and why (names only with the right to read them)."""

    case_id: UUID
    family_name: str
    given_names: str
    birth_date: date
    registered_on: date
    status: Literal["registered", "open", "closed"] | None = Field(
        description="The case's status; null if the caller may not read the case management of this case."
    )
    score: float = Field(ge=0, le=1, description="How well it matches, 1 = every criterion exactly.")
    matched_on: list[Reason] = Field(description="Why it matched, one reason per criterion.")


class DuplicateCheck(DatedModel):
    """A person about to be registered: are they registered already?"""

    family_name: Text200
    given_names: Text200
    birth_date: date


@runtime_checkable
class PersonDirectory(Protocol):
    """Intake's use cases for finding a person (``IntakeApplication``)."""

    def search_persons(
        self,
        query: PersonQuery,
        *,
        within: frozenset[UUID] | None = None,
        admit: Callable[[PersonEntry], bool] = ...,
        limit: int = MAX_RESULTS,
    ) -> list[PersonMatch]: ...

    def likely_duplicates(
        self,
        person: Registration,
        *,
        within: frozenset[UUID] | None = None,
        admit: Callable[[PersonEntry], bool] = ...,
        limit: int = MAX_RESULTS,
    ) -> list[PersonMatch]: ...

    def person_record(self, case_id: UUID) -> PersonRecord: ...


def directory_of(app: object) -> PersonDirectory:
    """The service's use cases for finding a person (only intake has them: 404 elsewhere)."""
    if not isinstance(app, PersonDirectory):
        raise CaseNotFoundError("person-directory")
    return app


def may_search(principal: Principal, service: Service) -> bool:
    """Whether the caller may search persons here at all (reads ``identity_core`` at some scope)."""
    return service is Service.INTAKE and rights_of(principal, service).may_at_all(IDENTITY, Operation.READ)


def may_register(principal: Principal, service: Service) -> bool:
    """Whether the caller may register a person here (writes ``identity_core``)."""
    return service is Service.INTAKE and rights_of(principal, service).may_at_all(IDENTITY, Operation.WRITE)


@dataclass(frozen=True)
class ShownMatch:
    """A match as the caller sees it: the match, the caller's standing to its case, the status if readable."""

    match: PersonMatch
    who: Authorised
    status: str | None

    @property
    def public(self) -> PersonMatchPublic:
        e = self.match.entry
        return PersonMatchPublic.model_validate(
            {
                "case_id": e.case_id,
                "family_name": e.family_name,
                "given_names": e.given_names,
                "birth_date": e.birth_date,
                "registered_on": e.registered_on,
                "status": self.status,
                "score": round(min(max(self.match.score, 0.0), 1.0), 4),
                "matched_on": list(self.match.reasons),
            }
        )


@dataclass
class _Reader:
    """Who may read which case: the object-level check of every result, asked once per case."""

    principal: Principal
    rights: Rights
    reach: ReachLookup
    known: dict[UUID, Authorised]

    def admit(self, entry: PersonEntry) -> bool:
        who = Authorised.of(self.principal, self.rights, self.reach.of_subject(entry.case_id))
        self.known[entry.case_id] = who
        return IDENTITY in who.readable()

    @property
    def within(self) -> frozenset[UUID] | None:
        """None: the department's cases; else the cases in the caller's own reach."""
        if self.rights.scope(IDENTITY, Operation.READ) is Scope.DEPARTMENT:
            return None
        staff = self.principal.staff_id
        return frozenset(self.reach.own_cases(staff)) if staff else frozenset()


def _scope(principal: Principal, service: Service, reach: ReachLookup, access: RequestAccess) -> _Reader:
    with access.refusals(None, IDENTITY, Operation.READ):
        if not may_search(principal, service):
            raise forbidden("Die Personensuche ist Rollen vorbehalten, die Personendaten der Fallannahme lesen.")
    return _Reader(principal, rights_of(principal, service), reach, {})


def _shown(reader: _Reader, access: RequestAccess, matches: list[PersonMatch]) -> list[ShownMatch]:
    shown = []
    for found in matches:
        who = reader.known[found.entry.case_id]
        status_readable = who.rights.may(CASE_MANAGEMENT, Operation.READ, who.relation)
        groups = frozenset({IDENTITY, CASE_MANAGEMENT} if status_readable else {IDENTITY})
        access.shown(who, found.entry.case_id, groups)
        shown.append(ShownMatch(found, who, found.entry.status if status_readable else None))
    return shown


def find_persons(
    principal: Principal,
    service: Service,
    reach: ReachLookup,
    access: RequestAccess,
    app: object,
    query: PersonQuery,
    limit: int = MAX_RESULTS,
) -> list[ShownMatch]:
    """The search: 403 without the right; the matches in the caller's reach, best first, each logged."""
    reader = _scope(principal, service, reach, access)
    found = directory_of(app).search_persons(query, within=reader.within, admit=reader.admit, limit=limit)
    return _shown(reader, access, found)


def check_duplicates(
    principal: Principal,
    service: Service,
    reach: ReachLookup,
    access: RequestAccess,
    app: object,
    person: Registration,
    limit: int = MAX_RESULTS,
) -> list[ShownMatch]:
    """The duplicate check: as the search, for the likely earlier registrations of ``person``."""
    reader = _scope(principal, service, reach, access)
    found = directory_of(app).likely_duplicates(person, within=reader.within, admit=reader.admit, limit=limit)
    return _shown(reader, access, found)


def read_person(
    principal: Principal, reach: ReachLookup, access: RequestAccess, app: object, case_id: UUID
) -> PersonRecord | None:
    """The person of a case as ``GET /intake/cases/{case_id}/file`` shows them: the same checks (403, 404), the
    field group ``identity_core`` only if readable (None otherwise), logged as read."""
    who = access.read(principal, reach, case_id, by_case=False)
    if IDENTITY not in who.readable():
        return None
    record = directory_of(app).person_record(case_id)
    access.shown(who, case_id, frozenset({IDENTITY}))
    return record


# --- the API's query ---------------------------------------------------------------------------


class TermsNotEchoed(APIRoute):
    """A route whose 422 names the field and why, never what was sent: a search term is no error text."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                answer: Response = await handler(request)
            except RequestValidationError as exc:
                errors = [{k: v for k, v in dict(e).items() if k != "input"} for e in exc.errors()]
                raise RequestValidationError(errors) from None
            return answer

        return route


NameQuery = Annotated[str | None, Query(include_in_schema=False, min_length=1, max_length=200, pattern=NOT_BLANK)]
DateQuery = Annotated[date | None, Query(include_in_schema=False), BeforeValidator(query_date)]
NumberQuery = Annotated[str | None, Query(include_in_schema=False, pattern=CASE_NUMBER_PATTERN)]


def search_query(
    request: Request,
    family_name: NameQuery = None,
    given_names: NameQuery = None,
    birth_date: DateQuery = None,
    case_number: NumberQuery = None,
) -> PersonQuery:
    """The criteria of ``GET /intake/persons``: at least one (422 naming them), no other query parameter."""
    unknown = sorted(set(request.query_params) - {*CRITERIA, "limit"})
    if unknown:
        raise RequestValidationError(
            [{"loc": ("query", name), "msg": "Unbekannter Parameter.", "type": "extra_forbidden"} for name in unknown]
        )
    query = PersonQuery(family_name, given_names, birth_date, case_number)
    if query.empty:
        raise RequestValidationError(
            [{"loc": ("query", name), "msg": MISSING_CRITERION, "type": "missing"} for name in CRITERIA]
        )
    return query


def _name_schema(description: str) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NOT_BLANK, "description": description}


SEARCH_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "criteria",
        "in": "query",
        "required": True,
        "style": "form",
        "explode": True,
        "description": "Suchkriterien, jedes als eigener Query-Parameter "
        "(`?family_name=Müller&birth_date=1990-01-01`); mindestens eines, alle angegebenen müssen zutreffen.",
        "schema": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": {
                "family_name": _name_schema(
                    "Familienname; tolerant: Umlaute und Akzente, Teile, Kölner Phonetik, ähnliche Schreibung."
                ),
                "given_names": _name_schema("Vornamen; tolerant wie der Familienname."),
                "birth_date": {
                    "type": "string",
                    "format": "date",
                    "pattern": QUERY_DATE_PATTERN,
                    "description": "Geburtsdatum, JJJJ-MM-TT, genau.",
                },
                "case_number": {
                    "type": "string",
                    "pattern": CASE_NUMBER_PATTERN,
                    "description": "Fallnummer: die ganze Kennung oder ihre ersten 8 Zeichen (wie „Fall 3f2b9c1a“).",
                },
            },
        },
    }
]
"""What OpenAPI says of the criteria: an exploded object of at least one of them, nothing else."""
