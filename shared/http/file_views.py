"""The Perspektive of a department's own file: everything the department holds of the person.

For the foreign office that is its own file (its published records, the findings
that never leave it — convictions, deception, its own assessments — and the complete
knowledge of its own acts) and, once the file belongs to a KIM case, its view of the
shared history; no consent is needed for its own file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from shared.access import FieldGroup
from shared.application.department import DepartmentApplication
from shared.application.own_records import file_holdings
from shared.clock import today
from shared.http.access import AUTHENTICATED, ReachDep
from shared.http.access_log import AccessDep, bases_by_group
from shared.http.deps import AppDep, EvaluationDate, StoreDep
from shared.http.errors import PERSPECTIVE_RESPONSES
from shared.http.evaluation import evaluate_held
from shared.http.visibility import groups_shown, visible_entries
from shared.identity.http import CurrentPrincipal
from shared.perspective.results import Perspective
from shared.service import Service

InternalFacts = Callable[[Any, frozenset[FieldGroup]], dict[str, Any]]
"""What only the owner of a file holds, as keywords of ``derive_facts`` (for the foreign office:
``services/foreign_office/owner.py``): its internal findings, its complete lists, household members' permits,
each only if the caller may read its field group; ``fact_groups`` names each fact's field group for the access log."""


class FilePerspectivePublic(Perspective):
    """The residence perspective of one person on one date, on everything this department holds."""

    file_id: UUID
    case_id: UUID | None = Field(description="The KIM case the file belongs to (None: not in KIM).")


def file_perspective_router(
    service: Service, internal: InternalFacts | None = None, fact_groups: Mapping[str, FieldGroup] | None = None
) -> APIRouter:
    """``GET /files/{file_id}/perspective``, to be included in the service's router (which adds the prefix)."""
    router = APIRouter()

    @router.get(
        "/files/{file_id}/perspective",
        summary="Perspektive der eigenen Akte (Entscheidungsunterstützung)",
        responses=AUTHENTICATED | PERSPECTIVE_RESPONSES,
        openapi_extra={"x-kim-access": {"kind": "read", "subject": "file_id"}},
    )
    def perspective(
        file_id: UUID,
        app: AppDep,
        store: StoreDep,
        principal: CurrentPrincipal,
        reach: ReachDep,
        access: AccessDep,
        on: EvaluationDate = None,
    ) -> FilePerspectivePublic:
        """Residence pathways on the department's own file and, if the person is in KIM, its view of the case.

        Decision support only (Art. 22 DSGVO): a person decides and records the
        rule version shown. Facts the department does not hold count as unknown.
        """
        who = access.read(principal, reach, file_id, by_case=False)
        readable = who.readable()
        department: DepartmentApplication[Any] = app
        file, held = file_holdings(department, file_id, store.timeline)
        case_id: UUID | None = file.kim_case_id
        visible = visible_entries(held, readable)
        owner_facts = internal(file, readable) if internal else None
        result = evaluate_held(visible, on or today(), owner_facts)
        # The own file's findings are held for the department's own task; the view's entries by their basis.
        own = frozenset((fact_groups or {})[k] for k in owner_facts or {})
        access.shown(
            who, file_id, groups_shown(visible) | own, dict.fromkeys(own, "own_task") | bases_by_group(visible)
        )
        return access.answer(lambda: FilePerspectivePublic(file_id=file_id, case_id=case_id, **dict(result)))

    return router
