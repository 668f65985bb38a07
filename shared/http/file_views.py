"""The Perspektive of a department's own file: everything the department holds of the person.

For the foreign office that is its own file (its published records and the
findings that never leave it: convictions, deception) and, once the file belongs to
a KIM case, its view of the shared history; no consent is needed for its own file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from shared.application.department import DepartmentApplication
from shared.application.own_records import own_records
from shared.clock import today
from shared.http.deps import AppDep, EvaluationDate, StoreDep
from shared.http.errors import READ_RESPONSES
from shared.perspective import evaluate
from shared.perspective.derive import derive_facts
from shared.perspective.results import Perspective
from shared.service import Service

InternalFacts = Callable[[Any], dict[str, Any]]
"""A department file's findings that never leave the department, as facts (see derive.internal_facts)."""


class FilePerspectivePublic(Perspective):
    """The residence perspective of one person on one date, on everything this department holds."""

    file_id: UUID
    case_id: UUID | None = Field(description="The KIM case the file belongs to (None: not in KIM).")


def file_perspective_router(service: Service, internal: InternalFacts | None = None) -> APIRouter:
    """``GET /files/{file_id}/perspective``, to be included in the service's router (which adds the prefix)."""
    router = APIRouter()

    @router.get(
        "/files/{file_id}/perspective",
        summary="Perspektive der eigenen Akte (Entscheidungsunterstützung)",
        responses=READ_RESPONSES,
    )
    def perspective(file_id: UUID, app: AppDep, store: StoreDep, on: EvaluationDate = None) -> FilePerspectivePublic:
        """Residence pathways on the department's own file and, if the person is in KIM, its view of the case.

        Decision support only (Art. 22 DSGVO): a person decides and records the
        rule version shown. Facts the department does not hold count as unknown.
        """
        department: DepartmentApplication[Any] = app
        file = department.get_file(file_id)
        case_id: UUID | None = file.kim_case_id
        held: list[Any] = list(own_records(department, file_id, case_id))
        if case_id is not None:
            held += [e for e in store.timeline(case_id) if e.source is not service]
        facts = derive_facts(held, **(internal(file) if internal else {}))
        result = evaluate(facts, on or today())
        return FilePerspectivePublic(file_id=file_id, case_id=case_id, **dict(result))

    return router
