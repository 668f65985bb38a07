"""Kobiz's counselling file on a KIM case. The notes never leave this service."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class CounsellingFile(Aggregate):
    """The integration centre's record of one case (id = case id)."""

    @event("FileOpened")
    def __init__(self, id: UUID) -> None:  # noqa: A002 - eventsourcing takes the id from it
        self.sessions: list[dict[str, object]] = []

    @event("PerspectiveCounsellingHeld")
    def hold_counselling(
        self,
        held_on: date,
        topic_codes: list[str],
        pathways_discussed: list[str],
        next_step_codes: list[str],
        notes: str | None,
        counsellor_id: str,
    ) -> None:
        """Record a perspective counselling session, with its confidential notes."""
        self.sessions.append(
            {
                "held_on": held_on,
                "topic_codes": topic_codes,
                "pathways_discussed": pathways_discussed,
                "next_step_codes": next_step_codes,
                "notes": notes,
                "counsellor_id": counsellor_id,
            }
        )
