"""The answers of the shared routes: accepted commands and this service's view of a case."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.application.results import Saved
from shared.perspective.results import Perspective
from shared.service import Service


class PositionPublic(BaseModel):
    """Where the stored event sits; pass it as ``after`` to read your own write."""

    service: Service
    notification_id: int
    token: str
    published: bool = Field(description="False: the command's events stay in this service; do not wait for them.")


class CommandAccepted(BaseModel):
    """The answer to an accepted command."""

    case_id: UUID
    version: int
    position: PositionPublic
    duplicate: bool = Field(
        False,
        description="The command was accepted earlier under this Idempotency-Key: nothing new was stored, and "
        "the answer is the one given then (the same case id, version and position).",
    )


def accepted(saved: Saved, *, duplicate: bool = False) -> CommandAccepted:
    """The answer to an accepted command (or to a repeat of it)."""
    pos = saved.position
    return CommandAccepted(
        case_id=saved.case_id,
        version=saved.version,
        duplicate=duplicate,
        position=PositionPublic(
            service=pos.service, notification_id=pos.notification_id, token=str(pos), published=pos.published
        ),
    )


class TimelineEntryPublic(BaseModel):
    event_id: UUID
    source: Service
    sequence: int
    type: str
    recorded_at: datetime
    valid_on: date | None
    data: dict[str, Any]


class ProjectionState(BaseModel):
    """Whether the view has reached the position the caller asked for."""

    reached: bool
    waited_s: float


class _SummaryPart(BaseModel):
    # A key the projection adds must be added here too: an unknown key fails loudly
    # (tests) instead of being dropped from the API silently.
    model_config = ConfigDict(extra="forbid")


class SummaryPerson(_SummaryPart):
    person_id: UUID
    registered_on: date


class SummaryCase(_SummaryPart):
    """The KIM case; the other keys are absent until the event setting them was seen."""

    status: Literal["open", "closed"]
    opened_on: date | None = None
    case_manager_id: str | None = None
    closed_on: date | None = None
    close_reason: str | None = None


class SummaryToleratedStay(_SummaryPart):
    subtype: str
    valid_from: date
    valid_until: date
    work_permitted: bool


class SummaryIdentity(_SummaryPart):
    clarified: bool
    clarified_on: date


class SummaryResidencePermit(_SummaryPart):
    norm: str
    valid_from: date
    valid_until: date


class SummaryCounselling(_SummaryPart):
    sessions: int
    last_held_on: date | None


class CaseSummaryPublic(_SummaryPart):
    """What this service sees of a case at a glance, as far as the caller may read it.

    None: no such fact in this view, or a part the caller may not read (the two look alike on purpose).
    """

    case_id: UUID
    event_count: int
    last_event_at: datetime | None
    person: SummaryPerson | None
    case: SummaryCase | None
    tolerated_stay: SummaryToleratedStay | None
    identity: SummaryIdentity | None
    residence_permit: SummaryResidencePermit | None
    counselling: SummaryCounselling | None = Field(description="None: the caller may not read counselling data.")
    consents: int | None = Field(
        description="How many consents this view has seen (None: the caller may not read consent records)."
    )


class CaseHistoryPublic(BaseModel):
    """This service's view of the shared history of one case."""

    case_id: UUID
    summary: CaseSummaryPublic
    timeline: list[TimelineEntryPublic]
    projection: ProjectionState


class PerspectivePublic(Perspective):
    """The residence perspective of one case on one date, as this service's view shows it."""

    case_id: UUID


class DeadLetterPublic(BaseModel):
    """A record the projector could not apply: where it is on Kafka and why, never its content."""

    id: int
    topic: str
    partition: int
    offset: int
    reason: str
    parked_at: datetime
    replayed_at: datetime | None
    type: str | None = Field(None, description="The record's ce_type header, if it had one.")
    cause: Literal["invalid", "foreign_source"] = Field(
        "invalid", description="invalid: not a valid event; foreign_source: its source does not own the topic."
    )
    case_id: UUID | None = Field(None, description="The case its key names (intake's topic).")
    consent_hold: bool = Field(
        False, description="While open, this service holds nothing of case_id (null: of any case) by consent."
    )
    resolution: str | None = Field(None, description="How it was settled (applied, withheld, dismissed, ...).")
