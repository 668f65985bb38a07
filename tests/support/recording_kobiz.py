"""How Kobiz's facts are recorded: language, civic knowledge, schooling, qualifications, work,
livelihood, pension, housing, achievements, children's school attendance, training, health claims."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from tests.support.recording import DEFAULT_DAY, KOBIZ, Context, NoRecordingPath, Step, since

TESTS = {"leben_in_deutschland": "life_in_germany", "einbuergerungstest": "naturalisation_test"}
PROVIDER = "course_provider:vhs-euskirchen"


def kobiz(name: str, **body: Any) -> Step:
    return Step(KOBIZ, name, body)


def language_certificates(value: list[Any], ctx: Context) -> list[Step]:
    return [
        kobiz(
            "record_language_certificate", level=c.level.value, exam_body="telc", obtained_on=c.obtained_on.isoformat()
        )
        for c in value
    ]


def civic_tests(value: list[Any], ctx: Context) -> list[Step]:
    if not value:
        return [kobiz("assess_basic_knowledge", assessed_on=DEFAULT_DAY.isoformat(), civic_test_passed=False)]
    if any(t.points is not None for t in value):
        raise NoRecordingPath("civic_tests", value, "the points of a test are not recorded")
    return [kobiz("record_civic_test", test=TESTS[t.kind], passed_on=t.passed_on.isoformat()) for t in value]


def integration_course_completed(value: Any, ctx: Context) -> list[Step]:
    if value.value:
        return [kobiz("complete_integration_course", completed_on=since(value))]
    return [kobiz("assess_basic_knowledge", assessed_on=DEFAULT_DAY.isoformat(), integration_course_completed=False)]


def integration_course_mandatory(value: Any, ctx: Context) -> list[Step]:
    return [
        kobiz(
            "enrol_in_language_course",
            course_type="integration_course",
            provider_code=PROVIDER,
            starts_on=since(value),
            mandatory=value.value,
        )
    ]


def schooling(value: Any, ctx: Context) -> list[Step]:
    answers = {
        "successful_years": value.successful_years,
        "attending": value.attending,
        "german_qualification": value.german_qualification,
    }
    if all(a is None for a in answers.values()):
        raise NoRecordingPath("schooling", value, "an assessment of the schooling answers at least one question")
    return [kobiz("assess_schooling", assessed_on=value.as_of.isoformat(), **answers)]


def livelihood(value: Any, ctx: Context) -> list[Step]:
    percent = None if value.coverage_ratio is None else round(value.coverage_ratio * 100)
    if percent is not None and abs(percent - value.coverage_ratio * 100) > 1e-6:
        raise NoRecordingPath("livelihood", value, "coverage is recorded in whole per cent")
    receives = value.receives_sgb2_or_12
    body = {
        "assessed_on": value.assessed_on.isoformat(),
        "coverage_percent": percent,
        "receives_sgb2": receives,
        "receives_sgb12": False if receives is False else None,
        "public_benefits_last_12_months": value.public_benefits_last_12_months,
        "expected_to_be_secured": value.expected_to_be_secured,
        "benefits_not_attributable": value.benefits_not_attributable,
        "guest_worker_generation": value.guest_worker_generation,
        "fulltime_months_last_24": value.fulltime_months_last_24,
        "spouse_fulltime_with_minor_child": value.spouse_fulltime_with_minor_child,
    }
    return [kobiz("assess_livelihood", **body)]


def employment(value: list[Any], ctx: Context) -> list[Step]:
    if not value:
        return [kobiz("assess_employment_history", assessed_on=DEFAULT_DAY.isoformat(), employed_in_germany=False)]
    steps = []
    for job in value:
        hours = job.hours_per_week
        if job.until is not None or hours is None or hours != int(hours) or job.social_insurance is None:
            raise NoRecordingPath("employment", job, "a job is recorded from its start, in whole hours, insured or not")
        steps.append(
            kobiz(
                "take_employment",
                since=job.since.isoformat(),
                hours_per_week=int(hours),
                social_insurance=job.social_insurance,
                qualified=job.qualified,
                matches_degree=job.matches_degree,
            )
        )
    return steps


def pension_contributions(value: Any, ctx: Context) -> list[Step]:
    return [kobiz("record_pension_contributions", recorded_on=value.as_of.isoformat(), months=value.months)]


def children_attend_school(value: Any, ctx: Context) -> list[Step]:
    evidenced = value.since or DEFAULT_DAY
    child = str(uuid5(NAMESPACE_URL, "urn:kim:test:child:0"))
    year = f"{evidenced.year}/{(evidenced.year + 1) % 100:02d}"
    return [
        kobiz(
            "evidence_school_attendance",
            child_id=child,
            school_year=year,
            attending=value.value,
            evidenced_on=evidenced.isoformat(),
        )
    ]


def training(value: Any, ctx: Context) -> list[Step]:
    t = value
    if t.starts_on is None or t.contract_on != t.starts_on or t.qualified is None or t.kammer_registered is None:
        raise NoRecordingPath("training", t, "a contract is recorded from its start, qualified and registered or not")
    if t.helper_training is None and not t.qualified:
        raise NoRecordingPath("training", t, "a training that is not qualified is a helper training or not")
    return [
        kobiz(
            "conclude_training_contract",
            occupation_code="test-beruf",
            qualified=t.qualified,
            shortage_occupation=bool(t.shortage_occupation_offer),
            helper_training=bool(t.helper_training),
            started_under_gestattung=t.started_under_gestattung,
            starts_on=t.starts_on.isoformat(),
            ends_on=(t.starts_on + timedelta(days=3 * 365)).isoformat(),
            chamber_registered=t.kammer_registered,
        )
    ]


def health_exemption_claimed(value: Any, ctx: Context) -> list[Step]:
    # A claim is the person's own step: without one, the requirement applies as it stands.
    return [kobiz("claim_health_exemption", claimed_on=since(value), norm="AufenthG_25b")] if value.value else []


def special_integration_achievements(value: Any, ctx: Context) -> list[Step]:
    if value.value:
        return [kobiz("record_special_integration_achievement", achieved_on=since(value), kind="volunteering")]
    return [kobiz("assess_special_integration", assessed_on=DEFAULT_DAY.isoformat(), achieved=False)]


def housing_sufficient(value: Any, ctx: Context) -> list[Step]:
    return [kobiz("assess_housing", assessed_on=since(value), adequate=value.value)]


def qualification(answer: str) -> Any:
    def encode(value: Any, ctx: Context) -> list[Step]:
        return [kobiz("assess_qualifications", assessed_on=since(value), **{answer: value.value})]

    return encode
