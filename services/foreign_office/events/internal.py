"""What never leaves the foreign office: deception findings, convictions (Art. 10), removals
(secret) and naturalisation assessments.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

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
