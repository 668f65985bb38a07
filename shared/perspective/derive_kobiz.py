"""Facts Kobiz records: language, civic knowledge, schooling and qualifications, livelihood, work,
pension, housing, integration achievements, children's school attendance, training, health claims."""

from __future__ import annotations

from typing import Any, Literal

from shared.perspective.derive_common import Held, Row, answers, day, last_by, latest
from shared.perspective.facts import (
    CivicTest,
    EmploymentSpell,
    Flag,
    LanguageCertificate,
    Livelihood,
    PensionRecord,
    Schooling,
    Training,
)

CIVIC_TESTS: dict[str, Literal["leben_in_deutschland", "einbuergerungstest"]] = {
    "life_in_germany": "leben_in_deutschland",
    "naturalisation_test": "einbuergerungstest",
}


def kobiz_facts(held: Held) -> dict[str, Any]:
    """Kobiz's facts of one person, from what is held of its records."""
    facts: dict[str, Any] = {}
    if certs := held("LanguageCertificateObtained"):
        facts["language_certificates"] = [
            LanguageCertificate(level=c["level"], obtained_on=day(c["obtained_on"])) for c in certs
        ]
    facts |= _knowledge(held)
    if mandatory := [c for c in held("LanguageCourseEnrolled") if c["course_type"] == "integration_course"]:
        facts["integration_course_mandatory"] = Flag(value=any(c.get("mandatory") for c in mandatory))
    if livelihood := last_by(held("LivelihoodAssessed"), "assessed_on"):
        facts["livelihood"] = _livelihood(livelihood)
    facts |= _work(held)
    if school := held("SchoolAttendanceEvidenced"):
        facts["children_attend_school"] = Flag(
            value=all(s["attending"] for s in school), since=max(day(s["evidenced_on"]) for s in school)
        )
    if training := _training(held):
        facts["training"] = training
    if claims := held("HealthExemptionClaimed"):
        facts["health_exemption_claimed"] = Flag(value=True, since=day(claims[-1]["claimed_on"]))
    if housing := held("HousingAssessed"):
        last = last_by(housing, "assessed_on")
        assert last is not None
        facts["housing_sufficient"] = Flag(value=last["adequate"], since=day(last["assessed_on"]))
    achieved = [(day(a["achieved_on"]), True) for a in held("SpecialIntegrationAchieved")]
    achieved += answers(held("SpecialIntegrationAssessed"), "achieved", "assessed_on")
    if special := latest(achieved):
        facts["special_integration_achievements"] = special
    return facts


def _knowledge(held: Held) -> dict[str, Any]:
    """Civic tests, the integration course, schooling and qualifications (a recorded "no" included)."""
    facts: dict[str, Any] = {}
    assessed = held("BasicKnowledgeAssessed")
    evidence = held("CivicKnowledgeEvidenced")
    tests = [CivicTest(kind=CIVIC_TESTS[t["test"]], passed_on=day(t["passed_on"])) for t in held("CivicTestPassed")]
    tests += [
        CivicTest(kind="leben_in_deutschland", passed_on=day(x["evidenced_on"]))
        for x in evidence
        if x["evidence"] == "life_in_germany_test"
    ]
    passed = latest(answers(assessed, "civic_test_passed", "assessed_on"))
    # A recorded test is a fact; only where none is recorded does an assessment's "no" say there is none.
    if tests:
        facts["civic_tests"] = tests
    elif passed is not None and not passed.value:
        facts["civic_tests"] = []
    completed = [(day(x["completed_on"]), True) for x in held("IntegrationCourseCompleted")]
    if course := latest(completed + answers(assessed, "integration_course_completed", "assessed_on")):
        facts["integration_course_completed"] = course
    degrees = [day(x["evidenced_on"]) for x in evidence if x["evidence"] == "german_school_degree"]
    schooling = last_by(held("SchoolingAssessed"), "assessed_on")
    if schooling is not None or degrees:
        facts["schooling"] = _schooling(schooling, degrees)
    qualifications = held("QualificationsAssessed")
    for name in ("german_vocational_qualification", "foreign_degree_recognised"):
        if flag := latest(answers(qualifications, name, "assessed_on")):
            facts[name] = flag
    return facts


def _schooling(assessed: Row | None, degrees: list[Any]) -> Schooling:
    """The latest assessment of the schooling; evidence of a German school-leaving degree makes it one."""
    if assessed is None:
        return Schooling(as_of=max(degrees), german_qualification=True)
    return Schooling(
        as_of=day(assessed["assessed_on"]),
        successful_years=assessed.get("successful_years"),
        attending=assessed.get("attending"),
        german_qualification=True if degrees else assessed.get("german_qualification"),
    )


def _livelihood(last: Row) -> Livelihood:
    sgb2, sgb12 = last.get("receives_sgb2"), last.get("receives_sgb12")
    receives = True if True in (sgb2, sgb12) else (False if sgb2 is False and sgb12 is False else None)
    percent = last.get("coverage_percent")
    return Livelihood(
        assessed_on=day(last["assessed_on"]),
        coverage_ratio=None if percent is None else percent / 100,
        receives_sgb2_or_12=receives,
        public_benefits_last_12_months=last.get("public_benefits_last_12_months"),
        expected_to_be_secured=last.get("expected_to_be_secured"),
        benefits_not_attributable=last.get("benefits_not_attributable"),
        guest_worker_generation=last.get("guest_worker_generation"),
        fulltime_months_last_24=last.get("fulltime_months_last_24"),
        spouse_fulltime_with_minor_child=last.get("spouse_fulltime_with_minor_child"),
    )


def _work(held: Held) -> dict[str, Any]:
    """Jobs, or none where an assessment says the person has not been employed; pension months."""
    facts: dict[str, Any] = {}
    jobs = [
        EmploymentSpell(
            since=day(j["since"]),
            hours_per_week=j["hours_per_week"],
            social_insurance=j["social_insurance"],
            qualified=j.get("qualified"),
            matches_degree=j.get("matches_degree"),
        )
        for j in held("EmploymentTaken")
    ]
    employed = latest(answers(held("EmploymentHistoryAssessed"), "employed_in_germany", "assessed_on"))
    if jobs:
        facts["employment"] = jobs
    elif employed is not None and not employed.value:
        facts["employment"] = []
    if pension := last_by(held("PensionContributionsRecorded"), "recorded_on"):
        facts["pension_contributions"] = PensionRecord(months=pension["months"], as_of=day(pension["recorded_on"]))
    return facts


def _training(held: Held) -> Training | None:
    """The training contract, unless it was terminated (§ 60c Abs. 5: then it is no training any more)."""
    contracts = held("TrainingContractConcluded")
    ended = max((day(x["terminated_on"]) for x in held("TrainingTerminated")), default=None)
    if not contracts or (ended is not None and ended >= day(contracts[-1]["starts_on"])):
        return None
    t = contracts[-1]
    return Training(
        contract_on=day(t["starts_on"]),
        starts_on=day(t["starts_on"]),
        qualified=t["qualified"],
        helper_training=t.get("helper_training"),
        shortage_occupation_offer=t.get("shortage_occupation"),
        kammer_registered=t["chamber_registered"],
        started_under_gestattung=t.get("started_under_gestattung"),
    )
