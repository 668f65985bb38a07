"""What never leaves the foreign office: deception findings, convictions (Art. 10), removals
(secret), naturalisation assessments, and its own assessments of declarations, security,
removal measures, the integration prognosis and family members' permits.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

if TYPE_CHECKING:  # pragma: nocover
    from services.foreign_office.domain import ResidenceFile

from services.foreign_office.events.file import FileEvent


class IdentityDeceptionEstablished(Aggregate.Event):
    """Internal: deception or obstruction of removal established (ABH/EBB only); version 2 says whose
    conduct it was and whether it prevented removal (§§ 104c, 25a, 25b AufenthG turn on both)."""

    class_version = 2
    established_on: date
    finding: str
    kind: str
    effect_code: str
    own_conduct: bool | None
    prevented_removal: bool | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.update(kind="deception", own_conduct=None, prevented_removal=None)

    def apply(self, file: ResidenceFile) -> None:
        file.deceptions.append(
            {
                "established_on": self.established_on,
                "kind": self.kind,
                "own_conduct": self.own_conduct,
                "prevented_removal": self.prevented_removal,
            }
        )


class CriminalConvictionNotified(Aggregate.Event):
    """Internal (Art. 10): a conviction reported under MiStra Nr. 42; version 2 with intent,
    suspension and remission, on which §§ 104c, 60c, 60d, 19d AufenthG and § 12a StAG turn."""

    class_version = 2
    convicted_on: date
    court: str
    sanction_code: str
    day_fines: int | None
    prison_months: int | None
    intentional: bool | None
    foreigner_only_offence: bool
    hate_motive: bool
    suspended: bool | None
    remitted_on: date | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        # Recorded before intent, suspension and remission were asked: unknown, not "no".
        state.update(intentional=None, suspended=None, remitted_on=None)

    def apply(self, file: ResidenceFile) -> None:
        file.convictions.append(
            {
                "convicted_on": self.convicted_on,
                "day_fines": self.day_fines,
                "prison_months": self.prison_months,
                "intentional": self.intentional,
                "foreigner_only_offence": self.foreigner_only_offence,
                "hate_motive": self.hate_motive,
                "suspended": self.suspended,
                "remitted_on": self.remitted_on,
                "juvenile_measures_only": self.sanction_code == "juvenile_measures",
            }
        )


class RemovalScheduled(FileEvent):
    """SECRET: a scheduled removal; never published, never projected elsewhere."""

    removal_on: date
    route: str


class NaturalisationRequirementAssessed(FileEvent):
    """Internal: one naturalisation requirement assessed, with the rule version shown."""

    requirement: str
    met: bool
    rule_version_id: str
    assessed_by: str


class DeclarationsRecorded(Aggregate.Event):
    """Internal: the commitment to the free democratic basic order (and to Germany's historical
    responsibility) was made, or refused."""

    declared_on: date
    fdgo: bool | None
    historical_responsibility: bool | None

    def apply(self, file: ResidenceFile) -> None:
        file.note("fdgo_declaration", self.declared_on, self.fdgo)
        file.note("historical_responsibility_commitment", self.declared_on, self.historical_responsibility)


class RenunciationAssessed(Aggregate.Event):
    """Internal (EBB): whether the loss of the previous nationality is ensured or excused."""

    assessed_on: date
    ensured: bool

    def apply(self, file: ResidenceFile) -> None:
        file.note("nationality_renunciation_ensured", self.assessed_on, self.ensured)


class SecurityAssessed(Aggregate.Event):
    """Internal: indications of extremism and a serious interest in expulsion, as assessed."""

    assessed_on: date
    extremism_indications: bool | None
    serious_expulsion_interest: bool | None

    def apply(self, file: ResidenceFile) -> None:
        file.note("extremism_indications", self.assessed_on, self.extremism_indications)
        file.note("serious_expulsion_interest", self.assessed_on, self.serious_expulsion_interest)


class RemovalMeasuresAssessed(Aggregate.Event):
    """Internal (secret): whether concrete measures to end the stay are under way."""

    assessed_on: date
    concrete_measures: bool

    def apply(self, file: ResidenceFile) -> None:
        file.note("concrete_removal_measures", self.assessed_on, self.concrete_measures)


class IntegrationPrognosisAssessed(Aggregate.Event):
    """Internal: the authority's integration prognosis (§ 25a)."""

    assessed_on: date
    positive: bool

    def apply(self, file: ResidenceFile) -> None:
        file.note("integration_prognosis_positive", self.assessed_on, self.positive)


class FamilyMemberStatusRecorded(Aggregate.Event):
    """Internal: a household member's applications and permits as the foreign office knows them."""

    recorded_on: date
    member_ref: UUID
    permits: list[dict[str, Any]]

    def apply(self, file: ResidenceFile) -> None:
        known = file.member_permits.get(str(self.member_ref))
        if known is None or known[0] <= self.recorded_on:
            file.member_permits[str(self.member_ref)] = (self.recorded_on, self.permits)
