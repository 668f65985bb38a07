"""Rule parameters that are not verified in a source ([U] in docs/domain.md), configurable.

Each field is an assumption awaiting legal review. The defaults are the reading the
engine uses today; a Perspective echoes the assumptions it was computed under, so a
recorded decision shows them.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.perspective.dates import add_months
from shared.perspective.facts import CefrLevel
from shared.perspective.norms import AUFENTHG_25_3, AUFENTHG_25_4, AUFENTHG_25_5, AUFENTHG_104C


class IdentityDeadline(BaseModel):
    """By when identity must be clarified, for people who entered in a given window."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entered_from: date | None = Field(default=None, description="Window start (entry on or after); None = open.")
    entered_until: date | None = Field(default=None, description="Window end (entry on or before); None = open.")
    by_application: bool = Field(description="Identity must be clarified by the application date.")
    latest: date | None = Field(
        default=None, description="Fixed latest date (the earlier of this and the application counts)."
    )
    months_after_entry: int | None = Field(default=None, description="Deadline as months after entry.")

    @model_validator(mode="after")
    def _check(self) -> IdentityDeadline:
        if not (self.by_application or self.latest or self.months_after_entry is not None):
            raise ValueError("an identity deadline needs the application, a latest date or months after entry")
        return self

    def applies_to(self, entry: date) -> bool:
        """Whether an entry on `entry` falls in this window."""
        after_start = self.entered_from is None or self.entered_from <= entry
        return after_start and (self.entered_until is None or entry <= self.entered_until)

    def deadline(self, entry: date, application: date) -> date:
        """The deadline for a person who entered on `entry` and applies on `application`."""
        candidates = [application] if self.by_application else []
        candidates += [self.latest] if self.latest else []
        if self.months_after_entry is not None:
            candidates.append(add_months(entry, self.months_after_entry))
        return min(candidates)


# [U] awaiting legal review: § 60c Abs. 2 Nr. 3 identity deadlines by entry year
# (docs/domain.md § 2, § 60c row).
IDENTITY_DEADLINES_60C = (
    IdentityDeadline(entered_until=date(2016, 12, 31), by_application=True),
    IdentityDeadline(
        entered_from=date(2017, 1, 1), entered_until=date(2019, 12, 31), by_application=True, latest=date(2020, 6, 30)
    ),
    IdentityDeadline(entered_from=date(2020, 1, 1), by_application=False, months_after_entry=6),
)

# [U] awaiting legal review: § 60d a.F. (2020–26.2.2024) identity deadlines are not in
# docs/domain.md; this is the engine's reading of § 60d Abs. 1 Nr. 1 a.F.
IDENTITY_DEADLINES_60D_2020 = (
    IdentityDeadline(entered_until=date(2016, 12, 31), by_application=True),
    IdentityDeadline(
        entered_from=date(2017, 1, 1), entered_until=date(2018, 8, 1), by_application=True, latest=date(2020, 6, 30)
    ),
)


class LegalAssumptions(BaseModel):
    """Configurable rule parameters awaiting legal review; defaults are conservative."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # --- periods ---------------------------------------------------------------
    # [U] awaiting legal review: § 60b time is "not counted" [V S46]; whether it also
    # breaks the chain (rather than pausing it) is not settled in docs/domain.md.
    duldung_60b_breaks_chain: bool = Field(
        default=False, description="§ 60b periods break uninterrupted-stay chains instead of pausing them."
    )
    # [U] awaiting legal review: only § 25b has a verified 3-month tolerance [V S8].
    gap_tolerance_months_104c: int = Field(default=0, ge=0, description="Tolerated gap between statuses for § 104c.")
    gap_tolerance_months_25a: int = Field(default=0, ge=0, description="Tolerated gap between statuses for § 25a.")
    title_chain_gap_tolerance_months: int = Field(
        default=0, ge=0, description="§ 85 gaps disregarded in title chains (§ 26 Abs. 4)."
    )
    stag_gap_tolerance_months: int = Field(default=0, ge=0, description="§ 12b StAG gaps disregarded in lawful stay.")
    employment_gap_tolerance_months: int = Field(
        default=0, ge=0, description="Tolerated gap between jobs (§§ 60d, 19d)."
    )
    # --- convictions -------------------------------------------------------------
    # [U] awaiting legal review: whether the 50 and 90 Tagessätze pots are summed
    # separately or whether any general offence caps the whole total at 50.
    conviction_pots_separate: bool = Field(
        default=True, description="Sum general and foreigner-only fines in separate pots (50/90)."
    )
    # --- §§ 104c, 25a, 60c -------------------------------------------------------------
    # [U] awaiting legal review: § 104c applications pending at 31.12.2025 [V S47], and
    # generally whether a norm's version is fixed at application instead of decision.
    versions_by_application_date: frozenset[str] = Field(
        default=frozenset(), description="Norms whose rule version is chosen at the application date."
    )
    # [U] awaiting legal review: the § 104c reference in § 25a is struck from 1.1.2026
    # [V S2], yet § 104c titles "extend only as § 25a/§ 25b".
    holders_104c_qualify_for_25a_after_2025: bool = Field(
        default=False, description="A § 104c title satisfies § 25a's status prerequisite from 2026."
    )
    identity_deadlines_60c: tuple[IdentityDeadline, ...] = Field(
        default=IDENTITY_DEADLINES_60C, description="§ 60c identity deadlines by entry."
    )
    identity_deadlines_60d_2020: tuple[IdentityDeadline, ...] = Field(
        default=IDENTITY_DEADLINES_60D_2020, description="§ 60d a.F. identity deadlines."
    )
    # --- § 104c Abs. 2 (family members) -----------------------------------------------
    # Verified [V S1]: spouses, registered partners and minor unmarried children living
    # in the household of a beneficiary under Abs. 1 get the title under Abs. 1 Nr. 1
    # and 2 without the five years. The rest is [U] awaiting legal review:
    # [U] whether the family member must be tolerated (Abs. 1 speaks of "geduldete
    # Ausländer"; Abs. 2 does not repeat it).
    family_104c_must_be_tolerated: bool = Field(
        default=True, description="§ 104c Abs. 2 also requires the family member to be tolerated."
    )
    # [U] whether Abs. 1 S. 2 (refusal after repeated deception) applies to Abs. 2.
    family_104c_deception_bar: bool = Field(
        default=True, description="§ 104c Abs. 1 S. 2 (repeated deception) also bars family members."
    )
    # [U] Abs. 2 S. 2: only its opening ("Das Gleiche gilt für das volljähr…") is verified;
    # the reading that an adult unmarried child who entered as a minor is covered is not.
    family_104c_adult_child_entered_as_minor: bool = Field(
        default=True, description="An adult unmarried child who entered as a minor counts as a child (Abs. 2 S. 2)."
    )
    # [U] the instant at which a child must be a minor (docs/domain.md § 2: facts are
    # judged at the decision; family reunification law often looks at the application).
    family_104c_minority_at_application: bool = Field(
        default=False, description="A child's minority under § 104c Abs. 2 is judged at the application."
    )
    # --- § 16g (training residence permit) --------------------------------------------
    # [U] awaiting legal review: § 16g Abs. 2 Nr. 3 identity deadlines; only "within
    # fixed deadlines" is verified (Stadt Frankfurt); read like § 60c Abs. 2 Nr. 3.
    identity_deadlines_16g: tuple[IdentityDeadline, ...] = Field(
        default=IDENTITY_DEADLINES_60C, description="§ 16g identity deadlines by entry."
    )
    # [U] awaiting legal review: Stadt Frankfurt names "no conviction for an intentional
    # offence"; whether fines up to 50/90 Tagessätze are disregarded as in § 60c is not verified.
    training_permit_16g_minor_fines_disregarded: bool = Field(
        default=True, description="§ 16g disregards fines up to 50/90 Tagessätze like § 60c."
    )
    # [U] awaiting legal review: concrete measures to end the stay bar § 16g (as § 60c Abs. 2 Nr. 5).
    training_permit_16g_concrete_measures_bar: bool = Field(
        default=True, description="Concrete measures to end the stay exclude § 16g (as in § 60c)."
    )
    # --- § 60a Abs. 2b ------------------------------------------------------------------
    # [U] awaiting legal review: the day § 60a Abs. 2b came into force; the text is
    # verified in the consolidated AufenthG of 1.6.2012 (bundestag/gesetze), its start
    # is taken to be the start of § 25a (1.7.2011).
    duldung_60a_2b_from: date = Field(default=date(2011, 7, 1), description="First day of § 60a Abs. 2b AufenthG.")
    # [U] awaiting legal review: § 60c Abs. 5 dropout reporting period.
    training_dropout_report_weeks: int = Field(
        default=2, ge=0, description="Weeks within which a training provider reports a dropout."
    )
    # --- settlement permit ---------------------------------------------------------
    # [U] awaiting legal review: date § 26 Abs. 4 changed from 7 to 5 years (docs/domain.md: 2016).
    ne_five_years_from: date = Field(
        default=date(2016, 8, 6), description="First day of the five-year rule of § 26 Abs. 4."
    )
    # [U] awaiting legal review: whether § 104c time counts as a humanitarian title.
    ne_counts_104c_time: bool = Field(default=False, description="§ 104c periods count towards § 26 Abs. 4.")
    # --- naturalisation -----------------------------------------------------------
    # [U] awaiting legal review: Gestattung counts only if asylum was granted.
    stag_gestattung_counts_if_asylum_granted: bool = Field(
        default=True, description="Gestattung counts as lawful stay once asylum was granted."
    )
    # [U] awaiting legal review: titles that do not qualify for naturalisation.
    stag_non_qualifying_norms: frozenset[str] = Field(
        default=frozenset({AUFENTHG_104C, AUFENTHG_25_3, AUFENTHG_25_4, AUFENTHG_25_5}),
        description="Titles that do not qualify for § 10 Abs. 1 Nr. 2 StAG.",
    )
    # [U] awaiting legal review: 2024 commitment to historical responsibility.
    stag_historical_responsibility_required: bool = Field(
        default=True, description="From 27.6.2024 the fdGO commitment includes historical responsibility."
    )
    # [U] awaiting legal review: the 3-year route also needs special integration achievements.
    stag_three_years_requires_special_integration: bool = Field(
        default=True, description="§ 10 Abs. 3 (2024) needs achievements besides C1."
    )
    # [U] awaiting legal review: language level that counted as a special achievement before 2024.
    stag_old_special_language_level: CefrLevel = Field(
        default=CefrLevel.B2, description="Level that shortened the old 8-year period to 6."
    )
    # [U] awaiting legal review: LiD points that count as a passed naturalisation test.
    lid_points_for_naturalisation: int = Field(
        default=17, ge=0, le=33, description="LiD points equal to a passed naturalisation test."
    )
    # [U] awaiting legal review: a German school qualification replaces the naturalisation test.
    stag_school_qualification_replaces_test: bool = Field(
        default=True, description="A German school-leaving qualification proves civic knowledge."
    )
