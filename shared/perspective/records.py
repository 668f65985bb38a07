"""The dated records a case's facts are made of: statuses, certificates, convictions, jobs.

Each record carries its valid time (the date it became true). Facts models are
immutable and strict, so a service cannot pass a field the engine does not know.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.perspective.norms import NormCode, is_humanitarian


class FactModel(BaseModel):
    """An immutable, strict fact record."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Flag(FactModel):
    """A yes/no fact; `since` is its valid time (None: true, date not recorded)."""

    value: bool = Field(description="The fact holds (True) or is known not to hold (False).")
    since: date | None = Field(default=None, description="Date the fact became true (valid time).")

    def holds_on(self, day: date) -> bool:
        """True if the fact is true and had become true by `day`."""
        return self.value and (self.since is None or self.since <= day)


class StatusKind(StrEnum):
    """Residence statuses that periods are derived from."""

    DULDUNG_60A = "duldung_60a"
    DULDUNG_60B = "duldung_60b"
    DULDUNG_60C = "duldung_60c"
    DULDUNG_60D = "duldung_60d"
    GESTATTUNG = "gestattung"
    AUFENTHALTSERLAUBNIS = "aufenthaltserlaubnis"
    FIKTION = "fiktion"
    NIEDERLASSUNGSERLAUBNIS = "niederlassungserlaubnis"


DULDUNG_KINDS = frozenset(
    {StatusKind.DULDUNG_60A, StatusKind.DULDUNG_60B, StatusKind.DULDUNG_60C, StatusKind.DULDUNG_60D}
)
TITLE_KINDS = frozenset({StatusKind.AUFENTHALTSERLAUBNIS, StatusKind.FIKTION, StatusKind.NIEDERLASSUNGSERLAUBNIS})


class StatusInterval(FactModel):
    """One period of a residence status (days inclusive)."""

    kind: StatusKind = Field(description="Kind of status (Duldung subtype, Gestattung, title, Fiktion).")
    valid_from: date = Field(description="First day of the status.")
    valid_until: date | None = Field(default=None, description="Last day (inclusive); None = still running.")
    norm: NormCode | None = Field(default=None, description="Norm of a title or of the title a Fiktion continues.")
    humanitarian: bool | None = Field(
        default=None, description="Humanitarian title (AufenthG ch. 2 sec. 5); None = infer from norm."
    )

    @model_validator(mode="after")
    def _check(self) -> StatusInterval:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("valid_until must not be before valid_from")
        if self.norm is not None and self.kind not in TITLE_KINDS:
            raise ValueError("only titles and Fiktion carry a norm")
        return self

    def covers(self, day: date) -> bool:
        """Whether the status held on `day`."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def is_humanitarian(self) -> bool | None:
        """Humanitarian title? Explicit flag first, else by norm; None if undeterminable."""
        if self.humanitarian is not None:
            return self.humanitarian
        return is_humanitarian(self.norm) if self.norm else None


class CefrLevel(StrEnum):
    """Common European Framework of Reference levels."""

    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"

    @property
    def rank(self) -> int:
        """Position in the scale, A1 = 0."""
        return list(CefrLevel).index(self)


class LanguageCertificate(FactModel):
    """A German language certificate."""

    level: CefrLevel = Field(description="Level certified (A1–C2).")
    obtained_on: date = Field(description="Date of the certificate (valid time).")


class CivicTest(FactModel):
    """A passed test of civic knowledge."""

    kind: Literal["leben_in_deutschland", "einbuergerungstest"] = Field(
        description="LiD (orientation course) or naturalisation test."
    )
    passed_on: date = Field(description="Date the test was passed.")
    points: int | None = Field(default=None, ge=0, le=33, description="Points of 33, if recorded.")


class Conviction(FactModel):
    """A criminal conviction (A10 data: foreign office and naturalisation authority only)."""

    convicted_on: date = Field(description="Date of the conviction (valid time).")
    daily_rates: int | None = Field(default=None, ge=0, description="Fine in Tagessätze; None = no fine or unknown.")
    prison_months: float | None = Field(
        default=None, ge=0, description="Custodial sentence in months; None = none or unknown."
    )
    suspended: bool | None = Field(default=None, description="Custodial sentence suspended on probation.")
    intentional: bool | None = Field(
        default=None, description="Intentional offence (negligent offences do not count in AufenthG)."
    )
    foreigner_only_offence: bool | None = Field(
        default=None, description="Offence only foreigners can commit (AufenthG/AsylG)."
    )
    hate_motive: bool | None = Field(
        default=None, description="Antisemitic, racist or otherwise inhuman motive found by the court."
    )
    juvenile_measures_only: bool = Field(default=False, description="Only JGG educational or disciplinary measures.")

    @model_validator(mode="after")
    def _check(self) -> Conviction:
        if self.daily_rates is None and self.prison_months is None and not self.juvenile_measures_only:
            raise ValueError("a conviction needs daily_rates, prison_months or juvenile_measures_only")
        return self


class Deception(FactModel):
    """A finding of deception about identity/nationality or obstruction of removal."""

    established_on: date = Field(description="Date the finding was made (valid time).")
    kind: Literal["deception", "obstruction"] = Field(
        description="False statements/identity deception, or obstruction of removal."
    )
    own: bool | None = Field(default=None, description="The person's own conduct (not e.g. the parents').")
    prevented_deportation: bool | None = Field(
        default=None, description="It prevented or delayed removal (is why deportation is suspended)."
    )


class Schooling(FactModel):
    """School record in Germany."""

    as_of: date = Field(description="Date the record describes (valid time).")
    successful_years: float | None = Field(
        default=None, ge=0, description="Years of successful school attendance in Germany."
    )
    attending: bool | None = Field(default=None, description="Currently attending school.")
    german_qualification: bool | None = Field(
        default=None, description="Holds a German school-leaving or vocational qualification."
    )


class Livelihood(FactModel):
    """Livelihood assessment (may be social data from the Jobcenter)."""

    assessed_on: date = Field(description="Date of the assessment (valid time).")
    coverage_ratio: float | None = Field(
        default=None, ge=0, description="Own income divided by need (1.0 = fully secured)."
    )
    receives_sgb2_or_12: bool | None = Field(default=None, description="Currently receives SGB II or SGB XII benefits.")
    public_benefits_last_12_months: bool | None = Field(
        default=None, description="Received public benefits (other than housing costs) in the last 12 months."
    )
    expected_to_be_secured: bool | None = Field(
        default=None, description="Predominant livelihood by work is expected soon (§ 25b prognosis)."
    )
    benefits_not_attributable: bool | None = Field(
        default=None, description="Benefit receipt is not the person's fault (StAG before 27.6.2024)."
    )
    guest_worker_generation: bool | None = Field(
        default=None, description="Came as a worker before 1974 (West) / 1990 (GDR)."
    )
    fulltime_months_last_24: int | None = Field(
        default=None, ge=0, le=24, description="Months of full-time work in the last 24 months."
    )
    spouse_fulltime_with_minor_child: bool | None = Field(
        default=None, description="Spouse worked 20 of 24 months full-time and a minor child lives in the household."
    )


class EmploymentSpell(FactModel):
    """One job."""

    since: date = Field(description="First day of the job.")
    until: date | None = Field(default=None, description="Last day (inclusive); None = ongoing.")
    hours_per_week: float | None = Field(default=None, ge=0, description="Regular hours per week.")
    social_insurance: bool | None = Field(
        default=None, description="Subject to social insurance (sozialversicherungspflichtig)."
    )
    qualified: bool | None = Field(default=None, description="Qualified employment (requires a qualification).")
    matches_degree: bool | None = Field(default=None, description="Appropriate to the person's recognised degree.")


class PensionRecord(FactModel):
    """Statutory pension contribution months."""

    months: int = Field(ge=0, description="Months of compulsory or voluntary contributions.")
    as_of: date = Field(description="Date the count describes (valid time).")


class Training(FactModel):
    """A vocational training contract."""

    contract_on: date = Field(description="Date the training contract was concluded.")
    starts_on: date | None = Field(default=None, description="First day of training.")
    qualified: bool | None = Field(
        default=None, description="State-recognised qualified training of at least two years."
    )
    helper_training: bool | None = Field(default=None, description="Assistant or helper training.")
    shortage_occupation_offer: bool | None = Field(
        default=None, description="Helper: commitment to follow-up qualified training in a shortage occupation."
    )
    kammer_registered: bool | None = Field(default=None, description="Contract entered in the Kammer register.")
    started_under_gestattung: bool | None = Field(
        default=None, description="Training began while the asylum procedure was pending."
    )


class Application(FactModel):
    """An application filed for a norm (its date fixes e.g. the § 25a age limit)."""

    norm: NormCode = Field(description="Norm applied for.")
    filed_on: date = Field(description="Date the application was filed.")
