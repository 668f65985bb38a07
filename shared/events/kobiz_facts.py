"""Events published by Kobiz that assess what the person has (or has not): schooling,
qualifications, the integration course and test, special integration achievements and
employment.

Each is an assessment with explicit answers (None: not assessed), so that a recorded
"no" is known as such: a department that holds none of them knows nothing, not "no".
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from shared.events.base import IntegrationEvent
from shared.events.kobiz import KobizEvent


class SchoolingAssessed(KobizEvent):
    """The person's own schooling in Germany (§ 25a Abs. 1 Nr. 2 AufenthG, § 10 StAG)."""

    assessed_on: date
    successful_years: float | None = Field(None, ge=0, le=20)
    attending: bool | None = None
    german_qualification: bool | None = None
    """A German school-leaving qualification."""

    def valid_on(self) -> date:
        return self.assessed_on


class QualificationsAssessed(KobizEvent):
    """Whether the person holds a German vocational or academic qualification, or a recognised foreign degree."""

    assessed_on: date
    german_vocational_qualification: bool | None = None
    foreign_degree_recognised: bool | None = None

    def valid_on(self) -> date:
        return self.assessed_on


class BasicKnowledgeAssessed(KobizEvent):
    """Whether the integration course was completed and a civic test (LiD, naturalisation test) passed."""

    assessed_on: date
    integration_course_completed: bool | None = None
    civic_test_passed: bool | None = None

    def valid_on(self) -> date:
        return self.assessed_on


class SpecialIntegrationAssessed(KobizEvent):
    """Whether the person shows special integration achievements (§ 10 Abs. 3 StAG)."""

    assessed_on: date
    achieved: bool

    def valid_on(self) -> date:
        return self.assessed_on


class EmploymentHistoryAssessed(KobizEvent):
    """Whether the person has been employed in Germany at all (the jobs are ``EmploymentTaken``)."""

    assessed_on: date
    employed_in_germany: bool

    def valid_on(self) -> date:
        return self.assessed_on


KOBIZ_FACT_EVENTS: tuple[type[IntegrationEvent], ...] = (
    SchoolingAssessed,
    QualificationsAssessed,
    BasicKnowledgeAssessed,
    SpecialIntegrationAssessed,
    EmploymentHistoryAssessed,
)
