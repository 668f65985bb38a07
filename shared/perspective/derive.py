"""The facts a department may use, derived from what it holds.

A department holds the events of its own view of the shared history (timeline
entries) and, for its own files, its own records (translated into the same shape),
plus internal findings that never leave it (the foreign office's convictions and
deception findings: :func:`internal_facts`).

Absence means *unknown*, never "no": a department cannot know that a certificate
does not exist, only that it has not been shared with it. Corrections replace the
event they name; nothing is edited in place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from shared.perspective.facts import (
    Application,
    CaseFacts,
    CivicTest,
    Conviction,
    Deception,
    EmploymentSpell,
    Flag,
    LanguageCertificate,
    Livelihood,
    PensionRecord,
    StatusInterval,
    StatusKind,
    Training,
)


class FactEntry(Protocol):
    """One held event: its id, its wire type and its published fields (a timeline entry, or an own record)."""

    @property
    def event_id(self) -> UUID: ...

    @property
    def type(self) -> str: ...

    @property
    def data(self) -> dict[str, Any]: ...


CIVIC_TESTS = {"life_in_germany": "leben_in_deutschland", "naturalisation_test": "einbuergerungstest"}


def current_entries(entries: Iterable[FactEntry]) -> dict[str, list[dict[str, Any]]]:
    """Event data by event name, without entries a later correction replaced."""
    corrected = {str(e.data["corrects"]) for e in entries if e.data.get("corrects")}
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        if str(entry.event_id) not in corrected:
            by_name[entry.type.split(".")[-2]].append(entry.data)
    return by_name


def derive_facts(entries: Iterable[FactEntry], **internal: Any) -> CaseFacts:
    """CaseFacts from what a department holds of one person (nothing more); ``internal``: see internal_facts."""
    ev = current_entries(entries)
    d = date.fromisoformat
    facts: dict[str, Any] = {}
    if person := ev.get("PersonRegistered"):
        facts["birth_date"] = d(person[-1]["birth_date"]) if person[-1].get("birth_date") else None
    statuses = _statuses(ev)
    if statuses:
        facts["statuses"] = statuses
    if ident := ev.get("IdentityClarified"):
        facts["identity_clarified"] = Flag(value=True, since=d(ident[-1]["clarified_on"]))
    if docs := [x for x in ev.get("IdentityDocumentSubmitted", []) if x["document_type"] == "passport"]:
        facts["passport_present"] = Flag(value=True, since=d(docs[-1]["submitted_on"]))
    if certs := ev.get("LanguageCertificateObtained"):
        facts["language_certificates"] = [
            LanguageCertificate(level=c["level"], obtained_on=d(c["obtained_on"])) for c in certs
        ]
    if tests := ev.get("CivicTestPassed"):
        facts["civic_tests"] = [
            CivicTest(kind=CIVIC_TESTS[t["test"]], passed_on=d(t["passed_on"]))  # type: ignore[arg-type]
            for t in tests
        ]
    if done := ev.get("IntegrationCourseCompleted"):
        facts["integration_course_completed"] = Flag(value=True, since=d(done[-1]["completed_on"]))
    if mandatory := [c for c in ev.get("LanguageCourseEnrolled", []) if c["course_type"] == "integration_course"]:
        facts["integration_course_mandatory"] = Flag(value=any(c.get("mandatory") for c in mandatory))
    if livelihood := ev.get("LivelihoodAssessed"):
        last = max(livelihood, key=lambda x: x["assessed_on"])
        facts["livelihood"] = Livelihood(
            assessed_on=d(last["assessed_on"]),
            coverage_ratio=last["coverage_percent"] / 100,
            receives_sgb2_or_12=last["receives_sgb2"] or last["receives_sgb12"],
        )
    if jobs := ev.get("EmploymentTaken"):
        facts["employment"] = [
            EmploymentSpell(
                since=d(j["since"]), hours_per_week=j["hours_per_week"], social_insurance=j["social_insurance"]
            )
            for j in jobs
        ]
    if school := ev.get("SchoolAttendanceEvidenced"):
        facts["children_attend_school"] = Flag(
            value=all(s["attending"] for s in school), since=d(max(s["evidenced_on"] for s in school))
        )
    training = ev.get("TrainingContractConcluded")
    ended = max((x["terminated_on"] for x in ev.get("TrainingTerminated", [])), default=None)
    if training and (ended is None or ended < training[-1]["starts_on"]):
        # A training that was terminated is no training any more (§ 60c Abs. 5).
        t = training[-1]
        facts["training"] = Training(
            contract_on=d(t["starts_on"]),
            starts_on=d(t["starts_on"]),
            qualified=t["qualified"],
            kammer_registered=t["chamber_registered"],
        )
    applications = [
        Application(norm=a["norm"], filed_on=d(a["applied_on"])) for a in ev.get("ResidencePermitApplied", [])
    ]
    applications += [
        Application(norm=a["basis"], filed_on=d(a["applied_on"])) for a in ev.get("NaturalisationApplied", [])
    ]
    if applications:
        facts["applications"] = applications
    if ev.get("HealthExemptionClaimed"):
        facts["health_exemption_claimed"] = Flag(value=True, since=d(ev["HealthExemptionClaimed"][-1]["claimed_on"]))
    facts |= _settlement_and_entry(ev)
    return CaseFacts(**(facts | internal))


def _settlement_and_entry(ev: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    d = date.fromisoformat
    facts: dict[str, Any] = {}
    if entry := ev.get("EntryRecorded"):
        facts["entry_on"] = d(entry[-1]["entered_on"])
    if cooperation := ev.get("PassportCooperationRecorded"):
        last = max(cooperation, key=lambda x: x["assessed_on"])
        facts["identity_steps_taken"] = Flag(value=last["all_reasonable_steps"], since=d(last["assessed_on"]))
    if pension := ev.get("PensionContributionsRecorded"):
        last = max(pension, key=lambda x: x["recorded_on"])
        facts["pension_contributions"] = PensionRecord(months=last["months"], as_of=d(last["recorded_on"]))
    if housing := ev.get("HousingAssessed"):
        last = max(housing, key=lambda x: x["assessed_on"])
        facts["housing_sufficient"] = Flag(value=last["adequate"], since=d(last["assessed_on"]))
    if achievements := ev.get("SpecialIntegrationAchieved"):
        facts["special_integration_achievements"] = Flag(
            value=True, since=d(min(a["achieved_on"] for a in achievements))
        )
    return facts


def internal_facts(convictions: Sequence[dict[str, Any]], deceptions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The owner's findings that never leave it, as facts of its own evaluation (foreign office only)."""
    return {
        "convictions": [
            Conviction(
                convicted_on=c["convicted_on"],
                daily_rates=c["day_fines"],
                prison_months=c["prison_months"],
                suspended=c["suspended"],
                intentional=c["intentional"],
                foreigner_only_offence=c["foreigner_only_offence"],
                hate_motive=c["hate_motive"],
                juvenile_measures_only=c["juvenile_measures_only"],
            )
            for c in convictions
        ],
        "deceptions": [
            Deception(
                established_on=x["established_on"],
                kind=x["kind"],
                own=x["own_conduct"],
                prevented_deportation=x["prevented_removal"],
            )
            for x in deceptions
        ],
    }


def _statuses(ev: dict[str, list[dict[str, Any]]]) -> list[StatusInterval]:
    d = date.fromisoformat
    statuses = [
        StatusInterval(
            kind=StatusKind(f"duldung_{x['subtype']}"), valid_from=d(x["valid_from"]), valid_until=d(x["valid_until"])
        )
        for x in ev.get("ToleratedStayIssued", [])
    ]
    statuses += [
        StatusInterval(
            kind=StatusKind.AUFENTHALTSERLAUBNIS,
            valid_from=d(x["valid_from"]),
            valid_until=d(x["valid_until"]),
            norm=x["norm"],
        )
        for x in ev.get("ResidencePermitGranted", [])
    ]
    statuses += [
        StatusInterval(kind=StatusKind.FIKTION, valid_from=d(x["issued_on"]), valid_until=d(x["valid_until"]))
        for x in ev.get("FictionCertificateIssued", [])
    ]
    statuses += [
        StatusInterval(kind=StatusKind.NIEDERLASSUNGSERLAUBNIS, valid_from=d(x["granted_on"]), norm=x["norm"])
        for x in ev.get("SettlementPermitGranted", [])
    ]
    return sorted(statuses, key=lambda s: s.valid_from)
