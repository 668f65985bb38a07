"""Routes that read this service's projection of the shared case history."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from shared.clock import today
from shared.errors import CaseNotFoundError
from shared.http.deps import EvaluationDate, MaxWaitDep, StoreDep
from shared.http.errors import LIST_RESPONSES, READ_RESPONSES
from shared.http.schemas import (
    CaseHistoryPublic,
    CaseSummaryPublic,
    DeadLetterPublic,
    PerspectivePublic,
    TimelineEntryPublic,
)
from shared.http.waiting import POSITION_PATTERN, wait_for
from shared.service import Service


def case_view_router(service: Service) -> APIRouter:
    """Routes that read this service's projection of the shared case history."""
    router = APIRouter(prefix=f"/{service.slug}", tags=[f"{service.slug} case history"])

    @router.get("/cases", summary="Fälle in dieser Sicht", responses=LIST_RESPONSES, response_model_exclude_unset=True)
    def list_cases(
        store: StoreDep,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> list[CaseSummaryPublic]:
        """Case summaries this service may see, most recently changed first."""
        return [CaseSummaryPublic.model_validate(s.view()) for s in store.cases(limit, offset)]

    @router.get(
        "/cases/{case_id}/history",
        summary="Fallverlauf in dieser Sicht",
        responses=READ_RESPONSES,
        response_model_exclude_unset=True,
    )
    def case_history(
        case_id: UUID,
        store: StoreDep,
        max_wait_s: MaxWaitDep,
        after: Annotated[str | None, Query(pattern=POSITION_PATTERN, description="Wait for this position")] = None,
        wait: Annotated[float, Query(ge=0, le=60)] = 0.0,
    ) -> CaseHistoryPublic:
        """The case's events this service may see, in case order, and its summary."""
        state = wait_for(store, after, min(wait, max_wait_s))
        summary = store.summary(case_id)
        if summary is None:
            raise CaseNotFoundError(case_id)
        timeline = [TimelineEntryPublic(**e.__dict__) for e in store.timeline(case_id)]
        return CaseHistoryPublic(
            case_id=case_id,
            summary=CaseSummaryPublic.model_validate(summary.view()),
            timeline=timeline,
            projection=state,
        )

    @router.get(
        "/cases/{case_id}/perspective", summary="Perspektive (Entscheidungsunterstützung)", responses=READ_RESPONSES
    )
    def perspective(
        case_id: UUID,
        store: StoreDep,
        max_wait_s: MaxWaitDep,
        on: EvaluationDate = None,
        after: Annotated[str | None, Query(pattern=POSITION_PATTERN, description="Wait for this position")] = None,
        wait: Annotated[float, Query(ge=0, le=60)] = 0.0,
    ) -> PerspectivePublic:
        """Residence pathways for this case as this department's own view shows it.

        Decision support only (Art. 22 DSGVO): a person decides and records the
        rule version shown. Facts this department does not hold count as unknown.
        """
        from shared.perspective import evaluate
        from shared.perspective.derive import derive_facts

        wait_for(store, after, min(wait, max_wait_s))
        entries = store.timeline(case_id)
        if not entries:
            raise CaseNotFoundError(case_id)
        result = evaluate(derive_facts(entries), on or today())
        return PerspectivePublic(case_id=case_id, **dict(result))

    @router.get("/projection/dead-letters", summary="Geparkte Nachrichten", responses=LIST_RESPONSES)
    def dead_letters(store: StoreDep, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DeadLetterPublic]:
        """Records the projector could not apply, for an operator to inspect and replay."""
        return [DeadLetterPublic(**d.__dict__) for d in store.dead_letters(limit)]

    return router
