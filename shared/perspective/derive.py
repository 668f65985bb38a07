"""The facts a department may use, derived from what its own view holds.

Absence in the view means *unknown*, never "no": a department cannot know that a
certificate does not exist, only that it has not been shared with it. Corrections
replace the event they name; nothing is edited in place.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from shared.perspective.facts import (
    Application,
    CaseFacts,
    CivicTest,
    EmploymentSpell,
    Flag,
    LanguageCertificate,
    Livelihood,
    StatusInterval,
    StatusKind,
    Training,
)
from shared.projection.records import TimelineEntry

CIVIC_TESTS = {"life_in_germany": "leben_in_deutschland", "naturalisation_test": "einbuergerungstest"}


def current_entries(entries: list[TimelineEntry]) -> dict[str, list[dict[str, Any]]]:
    """Event data by event name, without entries a later correction replaced."""
    corrected = {str(e.data["corrects"]) for e in entries if e.data.get("corrects")}
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        if str(entry.event_id) not in corrected:
            by_name[entry.type.split(".")[-2]].append(entry.data)
    return by_name


def derive_facts(entries: list[TimelineEntry]) -> CaseFacts:
    """CaseFacts from a service's timeline of one case (what it holds, nothing more)."""
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
    return CaseFacts(**facts)


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
