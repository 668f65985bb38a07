"""How each CaseFacts field is recorded: one encoder per field (value → the commands that record it).

An encoder raises NoRecordingPath for a value its commands cannot express (a job with an
end, a custodial sentence in fractions of a month, …), so a gap is named, never papered over.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shared.perspective.facts import StatusInterval, StatusKind
from tests.support import recording_intake as ri
from tests.support import recording_kobiz as rk
from tests.support.recording import (
    DEFAULT_DAY,
    FOREIGN_OFFICE,
    Context,
    Encoder,
    NoRecordingPath,
    Step,
    iso,
    norm_of,
    since,
)

STAFF = "st-testsb01"


def fo(name: str, **body: Any) -> Step:
    return Step(FOREIGN_OFFICE, name, body)


def open_end(start: date, until: date | None, on: date) -> str:
    """A validity the command needs: the recorded end, or one well past the day judged on."""
    return (until or max(start, on) + timedelta(days=730)).isoformat()


# --- the foreign office -------------------------------------------------------------------------


def statuses(value: list[StatusInterval], ctx: Context) -> list[Step]:
    return [_status(s, ctx.on) for s in value]


def _status(s: StatusInterval, on: date) -> Step:
    if s.humanitarian is not None:
        raise NoRecordingPath("statuses", s, "a title is humanitarian by its norm, not by a flag")
    start, until = s.valid_from.isoformat(), open_end(s.valid_from, s.valid_until, on)
    if s.kind.value.startswith("duldung_"):
        return fo(
            "issue_tolerated_stay",
            subtype=s.kind.value.removeprefix("duldung_"),
            ground_code="no_travel_documents",
            valid_from=start,
            valid_until=until,
            work_permitted=True,
            residence_condition=False,
        )
    if s.kind is StatusKind.GESTATTUNG:
        return fo("record_asylum_permission", valid_from=start, valid_until=iso(s.valid_until))
    if s.kind is StatusKind.AUFENTHALTSERLAUBNIS:
        norm = norm_of("statuses", s, s.norm)
        return fo(
            "grant_residence_permit",
            norm=norm,
            granted_on=start,
            valid_from=start,
            valid_until=until,
            employment_permitted=True,
            decided_by=STAFF,
        )
    if s.kind is StatusKind.FIKTION and s.norm is None:
        return fo("issue_fiction_certificate", issued_on=start, subsection="81_4", valid_until=until)
    if (
        s.kind is StatusKind.NIEDERLASSUNGSERLAUBNIS
        and s.valid_until is None
        and s.norm in ("AufenthG_9", "AufenthG_26_4")
    ):
        return fo("grant_settlement_permit", norm=s.norm, granted_on=start, decided_by=STAFF)
    raise NoRecordingPath("statuses", s, "no command records this kind of status with these details")


def asylum_granted(value: Any, ctx: Context) -> list[Step]:
    outcome = "refugee_protection" if value.value else "rejected"
    return [fo("record_asylum_decision", decided_on=since(value), outcome=outcome)]


def identity_clarified(value: Any, ctx: Context) -> list[Step]:
    if value.value:
        return [fo("clarify_identity", clarified_on=since(value), method="passport")]
    return [fo("assess_identity", assessed_on=DEFAULT_DAY.isoformat(), identity_clarified=False)]


def passport_present(value: Any, ctx: Context) -> list[Step]:
    if value.value:
        return [fo("submit_identity_document", submitted_on=since(value), document_type="passport")]
    return [fo("assess_identity", assessed_on=DEFAULT_DAY.isoformat(), passport_present=False)]


def passport_cooperation(on: str, cooperated: bool) -> Step:
    return fo("record_passport_cooperation", assessed_on=on, cooperated=cooperated, all_reasonable_steps=cooperated)


def cooperation_duties(value: list[Any], ctx: Context) -> list[Step]:
    steps: list[Step] = []
    for duty in value:
        notice = {"notified_on": iso(duty.notified_on), "deadline": iso(duty.deadline)}
        steps.append(fo("notify_cooperation_duty", required_act_codes=["apply_for_passport"], **notice))
        if duty.fulfilled is True:
            steps.append(passport_cooperation(iso(min(duty.fulfilled_on or duty.deadline, duty.deadline)) or "", True))
        elif duty.fulfilled is False:
            steps.append(passport_cooperation(duty.deadline.isoformat(), False))
        if duty.fulfilled and duty.fulfilled_on and duty.fulfilled_on > duty.deadline:
            raise NoRecordingPath("cooperation_duties", duty, "a fulfilment after the deadline is not recorded")
    return steps


def convictions(value: list[Any], ctx: Context) -> list[Step]:
    steps = []
    for c in value:
        if None in (c.intentional, c.foreigner_only_offence, c.hate_motive):
            raise NoRecordingPath("convictions", c, "a conviction is recorded with intent and motive known")
        body: dict[str, Any] = {
            "convicted_on": c.convicted_on.isoformat(),
            "court": "INTERN Amtsgericht",
            "intentional": c.intentional,
            "foreigner_only_offence": c.foreigner_only_offence,
            "hate_motive": c.hate_motive,
            "suspended": c.suspended,
        }
        if c.juvenile_measures_only:
            body["sanction_code"] = "juvenile_measures"
        elif c.daily_rates:
            body |= {"sanction_code": "fine", "day_fines": c.daily_rates}
        elif c.prison_months and c.prison_months == int(c.prison_months):
            body |= {"sanction_code": "custodial", "prison_months": int(c.prison_months)}
        else:
            raise NoRecordingPath("convictions", c, "the sanction is not one a command takes")
        steps.append(fo("notify_criminal_conviction", **body))
    return steps


def deceptions(value: list[Any], ctx: Context) -> list[Step]:
    return [
        fo(
            "establish_identity_deception",
            established_on=d.established_on.isoformat(),
            finding="INTERN Feststellung",
            kind=d.kind,
            effect_code="none_yet",
            own_conduct=d.own,
            prevented_removal=d.prevented_deportation,
        )
        for d in value
    ]


def departure_obligations(value: list[Any], ctx: Context) -> list[Step]:
    for o in value:
        if o.ended_on is not None:
            raise NoRecordingPath("departure_obligations", o, "an obligation ends by a title granted later")
    return [
        fo(
            "make_departure_enforceable",
            enforceable_on=o.enforceable_since.isoformat(),
            basis_code="departure_deadline_passed",
            departure_deadline=iso(o.departure_deadline),
        )
        for o in value
    ]


def applications(value: list[Any], ctx: Context) -> list[Step]:
    steps = []
    for a in value:
        if a.norm in ("StAG_8", "StAG_9", "StAG_10"):
            steps.append(fo("apply_for_naturalisation", applied_on=a.filed_on.isoformat(), basis=a.norm))
        else:
            norm = norm_of("applications", a, a.norm)
            steps.append(fo("apply_for_residence_permit", applied_on=a.filed_on.isoformat(), norm=norm))
    return steps


def flag_step(name: str, on: str, answer: str, when_true: dict[str, Any] | None = None) -> Encoder:
    """A yes/no fact the foreign office records by one command: ``answer`` takes the value, ``on`` its day."""

    def encode(value: Any, ctx: Context) -> list[Step]:
        extra = (when_true or {}) if value.value else {}
        return [fo(name, **{on: since(value), answer: value.value}, **extra)]

    return encode


def departures(value: list[Any], ctx: Context) -> list[Step]:
    return [fo("record_departure", departed_on=d.departed_on.isoformat(), kind=d.kind or "voluntary") for d in value]


def nothing(value: list[Any], ctx: Context) -> list[Step]:
    """The foreign office's own file knows it recorded none: ``[]`` needs no command."""
    return []


def owned_list(encode: Encoder) -> Encoder:
    """A list the foreign office's own file holds completely: ``[]`` is its file, entries its commands."""
    return lambda value, ctx: encode(value, ctx) if value else nothing(value, ctx)


# --- the table ------------------------------------------------------------------------------------

JOINT: list[tuple[tuple[str, ...], Any]] = [(("household_members", "minor_child_in_household"), ri.household)]
"""Fields recorded together: intake's household determines whether a minor child lives in it."""

ENCODERS: dict[str, Encoder] = {
    # the foreign office
    "entry_on": lambda value, ctx: [fo("record_entry", entered_on=value.isoformat())],
    "statuses": owned_list(statuses),
    "asylum_granted": asylum_granted,
    "identity_clarified": identity_clarified,
    "nationality_clarified": flag_step("assess_identity", "assessed_on", "nationality_clarified"),
    "identity_steps_taken": lambda value, ctx: [passport_cooperation(since(value), value.value)],
    "passport_present": passport_present,
    "applications": applications,
    "convictions": owned_list(convictions),
    "deceptions": owned_list(deceptions),
    "cooperation_duties": owned_list(cooperation_duties),
    "departure_obligations": owned_list(departure_obligations),
    "departures": owned_list(departures),
    "fdgo_declaration": flag_step("record_declarations", "declared_on", "fdgo"),
    "historical_responsibility_commitment": flag_step(
        "record_declarations", "declared_on", "historical_responsibility"
    ),
    "extremism_indications": flag_step("assess_security", "assessed_on", "extremism_indications"),
    "serious_expulsion_interest": flag_step("assess_security", "assessed_on", "serious_expulsion_interest"),
    "concrete_removal_measures": flag_step("assess_removal_measures", "assessed_on", "concrete_measures"),
    "employment_ban": flag_step(
        "assess_employment_ban", "assessed_on", "banned", {"ground": "own_fault_removal_obstacle"}
    ),
    "employment_agency_consent": flag_step("record_employment_agency_consent", "answered_on", "consented"),
    "integration_prognosis_positive": flag_step("assess_integration_prognosis", "assessed_on", "positive"),
    "departure_impossible": flag_step("assess_departure_obstacle", "assessed_on", "departure_impossible"),
    "departure_obstacle_lasting": flag_step("assess_departure_obstacle", "assessed_on", "obstacle_lasting"),
    "nationality_renunciation_ensured": flag_step("assess_renunciation", "assessed_on", "ensured"),
    # intake
    "unmarried": ri.unmarried,
    # Kobiz
    "language_certificates": rk.language_certificates,
    "civic_tests": rk.civic_tests,
    "integration_course_completed": rk.integration_course_completed,
    "integration_course_mandatory": rk.integration_course_mandatory,
    "schooling": rk.schooling,
    "german_vocational_qualification": rk.qualification("german_vocational_qualification"),
    "foreign_degree_recognised": rk.qualification("foreign_degree_recognised"),
    "livelihood": rk.livelihood,
    "employment": rk.employment,
    "pension_contributions": rk.pension_contributions,
    "children_attend_school": rk.children_attend_school,
    "training": rk.training,
    "housing_sufficient": rk.housing_sufficient,
    "health_exemption_claimed": rk.health_exemption_claimed,
    "special_integration_achievements": rk.special_integration_achievements,
}
"""How each CaseFacts field is recorded (``birth_date``: the plan's, on the foreign office's file and at intake)."""
