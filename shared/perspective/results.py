"""Result models of the engine, ready to be served as JSON (labels German, keys English)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.perspective.assumptions import LegalAssumptions


class ResultModel(BaseModel):
    """An immutable result record."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Status(StrEnum):
    """Three-valued outcome of one prerequisite (Kleene logic)."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


def all_of(*statuses: Status) -> Status:
    """Kleene AND: not met if any is not met, met only if all are met."""
    if Status.NOT_MET in statuses:
        return Status.NOT_MET
    return Status.UNKNOWN if Status.UNKNOWN in statuses else Status.MET


def any_of(*statuses: Status) -> Status:
    """Kleene OR: met if any is met, not met only if all are not met."""
    if Status.MET in statuses:
        return Status.MET
    return Status.UNKNOWN if Status.UNKNOWN in statuses else Status.NOT_MET


def negate(status: Status) -> Status:
    """Kleene NOT."""
    return {Status.MET: Status.NOT_MET, Status.NOT_MET: Status.MET}.get(status, Status.UNKNOWN)


class EvaluationInstant(StrEnum):
    """The instant at which a rule version judges its time-bound prerequisites."""

    APPLICATION = "application"
    CUT_OFF = "cut_off"
    DECISION = "decision"


class PrerequisiteResult(ResultModel):
    """One prerequisite of a pathway, judged."""

    key: str = Field(description="Stable identifier of the prerequisite.")
    label_de: str = Field(description="Voraussetzung, wie die Sachbearbeitung sie liest.")
    legal_reference: str = Field(description="Norm, e.g. '§ 25b Abs. 1 S. 2 Nr. 1 AufenthG'.")
    status: Status
    detail_de: str = Field(description="Begründung aus den Fakten.")
    earliest_met_on: date | None = Field(
        default=None, description="Date the prerequisite is met by the passage of time alone."
    )


class Deadline(ResultModel):
    """A date that matters for a pathway (title expiry, age limit, identity deadline)."""

    key: str
    label_de: str
    on: date
    legal_reference: str


class PathwayStatus(StrEnum):
    """Overall outcome of one pathway."""

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    OPEN = "open"


class PathwayResult(ResultModel):
    """One residence pathway judged under the rule version in force."""

    norm: str = Field(description="Norm code, e.g. 'AufenthG_25b'.")
    label_de: str
    status: PathwayStatus
    rule_version_id: str | None = Field(
        description="Version to record with a human decision (Art. 22 DSGVO); None if not in force."
    )
    rule_version_label_de: str | None
    version_valid_from: date | None
    version_valid_to: date | None
    evaluation_instant: EvaluationInstant | None
    evaluated_at: date | None = Field(description="Date the instant resolved to (application, cut-off or decision).")
    prerequisites: list[PrerequisiteResult]
    earliest_time_met_on: date | None = Field(description="Date all prerequisites that only need time are met.")
    deadlines: list[Deadline]
    notes_de: list[str]


def overall(prerequisites: list[PrerequisiteResult]) -> PathwayStatus:
    """Eligible if all met; not eligible if any not met; otherwise open."""
    status = all_of(*(p.status for p in prerequisites))
    return {Status.MET: PathwayStatus.ELIGIBLE, Status.NOT_MET: PathwayStatus.NOT_ELIGIBLE}.get(
        status, PathwayStatus.OPEN
    )


NOTICE_DE = (
    "Entscheidungsunterstützung, keine Entscheidung (Art. 22 DSGVO): Die Entscheidung trifft "
    "die zuständige Sachbearbeitung und hält die angezeigte Regelversion fest."
)


class Perspective(ResultModel):
    """The residence perspective of one case on one date."""

    evaluated_on: date
    pathways: list[PathwayResult]
    assumptions: LegalAssumptions = Field(description="Unverified rule parameters ([U]) the result was computed under.")
    notice_de: str = NOTICE_DE

    def pathway(self, norm: str) -> PathwayResult:
        """The result for one norm code."""
        for result in self.pathways:
            if result.norm == norm:
                return result
        raise KeyError(norm)
