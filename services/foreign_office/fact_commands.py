"""The foreign office's commands that record the facts its decisions turn on.

Where a "no" decides something (no passport, not clarified, no extremism indication),
the command is an assessment with explicit answers; ``None`` means "not assessed this
time", never "no". Dates are valid time: the day the fact was assessed or became true.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.application.commands import Command, Correctable, DatedModel
from shared.events.common import Norm
from shared.events.vocabulary_facts import AsylumOutcome, EmploymentBanGround, PermitState


def _answered(model: BaseModel, *names: str) -> None:
    """At least one of the assessment's answers is given."""
    if all(getattr(model, name) is None for name in names):
        msg = f"at least one of {', '.join(names)} must be answered (mindestens eine Angabe ist erforderlich)"
        raise ValueError(msg)


class RecordAsylumPermission(Correctable):
    """Record the permission to stay for the asylum procedure (Aufenthaltsgestattung, § 55 AsylG)."""

    valid_from: date = Field(description="The day the asylum application was made.")
    valid_until: date | None = Field(None, description="The last day of the procedure; None while it runs.")

    @model_validator(mode="after")
    def _check_period(self) -> RecordAsylumPermission:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            msg = "valid_until must not be before valid_from"
            raise ValueError(msg)
        return self


class RecordAsylumDecision(Correctable):
    """Record the outcome of the asylum procedure (the BAMF's decision)."""

    decided_on: date
    outcome: AsylumOutcome


class AssessIdentity(Correctable):
    """Assess identity, nationality and passport: each answer explicit, None = not assessed this time."""

    assessed_on: date
    identity_clarified: bool | None = None
    nationality_clarified: bool | None = None
    passport_present: bool | None = Field(None, description="A valid passport or passport substitute is held.")

    @model_validator(mode="after")
    def _check_answers(self) -> AssessIdentity:
        _answered(self, "identity_clarified", "nationality_clarified", "passport_present")
        return self


class AssessEmploymentBan(Correctable):
    """Assess whether employment is banned under § 60a Abs. 6 AufenthG; the ground stays here."""

    assessed_on: date
    banned: bool
    ground: EmploymentBanGround | None = Field(None, description="Internal: why (needed when banned).")

    @model_validator(mode="after")
    def _check_ground(self) -> AssessEmploymentBan:
        if self.banned != (self.ground is not None):
            msg = "ground is given exactly when banned = true"
            raise ValueError(msg)
        return self


class RecordEmploymentAgencyConsent(Correctable):
    """Record the Federal Employment Agency's answer to the request for its consent (§ 39 AufenthG)."""

    answered_on: date
    consented: bool
    reference: str | None = Field(None, max_length=100, description="Internal: the BA's reference.")


class AssessDepartureObstacle(Correctable):
    """Assess whether departure is impossible in fact or law and whether the obstacle lasts (§ 25 Abs. 5)."""

    assessed_on: date
    departure_impossible: bool | None = None
    obstacle_lasting: bool | None = Field(None, description="The obstacle is not expected to end soon.")

    @model_validator(mode="after")
    def _check_answers(self) -> AssessDepartureObstacle:
        _answered(self, "departure_impossible", "obstacle_lasting")
        return self


# --- internal: these never leave the foreign office --------------------------------------


class RecordDeclarations(Command):
    """Internal: record the person's commitment to the free democratic basic order (and, for naturalisation
    since 27.6.2024, to Germany's historical responsibility); false = refused or not made."""

    declared_on: date
    fdgo: bool | None = Field(
        None, description="The written commitment to the free democratic basic order was made; None = not asked."
    )
    historical_responsibility: bool | None = Field(
        None, description="The commitment to Germany's historical responsibility (StAG 2024); None = not asked."
    )

    @model_validator(mode="after")
    def _check_answers(self) -> RecordDeclarations:
        _answered(self, "fdgo", "historical_responsibility")
        return self


class AssessRenunciation(Command):
    """Internal (EBB): whether the loss of the previous nationality is ensured or excused (StAG before 27.6.2024)."""

    assessed_on: date
    ensured: bool


class AssessSecurity(Command):
    """Internal: indications of extremism and a serious interest in expulsion (§ 54 AufenthG)."""

    assessed_on: date
    extremism_indications: bool | None = None
    serious_expulsion_interest: bool | None = None

    @model_validator(mode="after")
    def _check_answers(self) -> AssessSecurity:
        _answered(self, "extremism_indications", "serious_expulsion_interest")
        return self


class AssessRemovalMeasures(Command):
    """Internal: whether concrete measures to end the stay are under way (§ 60c Abs. 2 Nr. 5 AufenthG)."""

    assessed_on: date
    concrete_measures: bool


class AssessIntegrationPrognosis(Command):
    """Internal: the authority's integration prognosis (§ 25a Abs. 1 S. 1 Nr. 4 AufenthG)."""

    assessed_on: date
    positive: bool


class MemberPermitEntry(DatedModel):
    """A family member's application or permit under one norm."""

    model_config = ConfigDict(extra="forbid")

    norm: Norm
    state: PermitState
    since: date = Field(description="The day of the application, grant or refusal.")
    valid_until: date | None = Field(None, description="The last day a granted permit is valid; None = open.")


class RecordFamilyMemberStatus(Command):
    """Internal: a household member's applications and permits as the foreign office knows them ([] = none)."""

    recorded_on: date
    member_ref: UUID = Field(description="The member's reference in the household intake recorded.")
    permits: list[MemberPermitEntry] = Field(max_length=20)
