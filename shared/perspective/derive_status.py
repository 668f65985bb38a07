"""Facts the foreign office records: statuses, the asylum procedure, entry, identity, applications,
cooperation, employment bans and consents, the obligation to leave, departures."""

from __future__ import annotations

from typing import Any

from shared.perspective.derive_common import Held, Row, answers, day, last_by, latest
from shared.perspective.facts import (
    TITLE_KINDS,
    Application,
    CooperationDuty,
    Departure,
    DepartureObligation,
    Flag,
    StatusInterval,
    StatusKind,
)

PROTECTION = frozenset({"asylum", "refugee_protection", "subsidiary_protection"})
"""Outcomes that grant asylum or international protection (AsylumOutcome.protection_granted)."""


def status_facts(held: Held) -> dict[str, Any]:
    """The foreign office's facts of one person, from what is held of its records."""
    facts: dict[str, Any] = {}
    if statuses := _statuses(held):
        facts["statuses"] = statuses
    if decisions := held("AsylumDecisionRecorded"):
        last = last_by(decisions, "decided_on")
        assert last is not None
        granted = last["outcome"] in PROTECTION
        facts["asylum_granted"] = Flag(value=granted, since=day(last["decided_on"]) if granted else None)
    if entry := held("EntryRecorded"):
        facts["entry_on"] = day(entry[-1]["entered_on"])
    facts |= _identity(held)
    applications = [Application(norm=a["norm"], filed_on=day(a["applied_on"])) for a in held("ResidencePermitApplied")]
    applications += [Application(norm=a["basis"], filed_on=day(a["applied_on"])) for a in held("NaturalisationApplied")]
    if applications:
        facts["applications"] = applications
    flags = {
        "employment_ban": answers(held("EmploymentBanAssessed"), "banned", "assessed_on"),
        "employment_agency_consent": answers(held("EmploymentAgencyConsentRecorded"), "consented", "answered_on"),
        "departure_impossible": answers(held("DepartureObstacleAssessed"), "departure_impossible", "assessed_on"),
        "departure_obstacle_lasting": answers(held("DepartureObstacleAssessed"), "obstacle_lasting", "assessed_on"),
    }
    facts |= {name: flag for name, found in flags.items() if (flag := latest(found)) is not None}
    facts |= _duties(held, facts.get("statuses", []))
    return facts


def _identity(held: Held) -> dict[str, Any]:
    assessed = held("IdentityAssessed")
    passports = [
        (day(x["submitted_on"]), True) for x in held("IdentityDocumentSubmitted") if x["document_type"] == "passport"
    ]
    found = {
        "identity_clarified": [(day(x["clarified_on"]), True) for x in held("IdentityClarified")]
        + answers(assessed, "identity_clarified", "assessed_on"),
        "nationality_clarified": answers(assessed, "nationality_clarified", "assessed_on"),
        "passport_present": passports + answers(assessed, "passport_present", "assessed_on"),
        "identity_steps_taken": answers(held("PassportCooperationRecorded"), "all_reasonable_steps", "assessed_on"),
    }
    return {name: flag for name, answered in found.items() if (flag := latest(answered)) is not None}


def _duties(held: Held, statuses: list[StatusInterval]) -> dict[str, Any]:
    """Duties to cooperate (fulfilled as the latest assessment of the cooperation says), obligations to
    leave (ended by a later title) and departures."""
    facts: dict[str, Any] = {}
    cooperation = held("PassportCooperationRecorded")
    if notices := held("CooperationDutyNotified"):
        facts["cooperation_duties"] = [_duty(n, cooperation) for n in notices]
    titles = sorted(s.valid_from for s in statuses if s.kind in TITLE_KINDS)
    if obligations := held("DepartureObligationEnforceable"):
        facts["departure_obligations"] = [
            DepartureObligation(
                enforceable_since=day(o["enforceable_on"]),
                departure_deadline=day(o["departure_deadline"]) if o.get("departure_deadline") else None,
                ended_on=next((t for t in titles if t > day(o["enforceable_on"])), None),
            )
            for o in obligations
        ]
    if departures := held("DepartureRecorded"):
        facts["departures"] = [Departure(departed_on=day(x["departed_on"]), kind=x["kind"]) for x in departures]
    return facts


def _duty(notice: Row, cooperation: list[Row]) -> CooperationDuty:
    """A notified duty, fulfilled if the latest assessment of the cooperation since the notice says the person
    cooperated (by then); not fulfilled if it says otherwise once the deadline passed; else not recorded."""
    notified_on, deadline = day(notice["notified_on"]), day(notice["deadline"])
    since = last_by([c for c in cooperation if day(c["assessed_on"]) >= notified_on], "assessed_on")
    fulfilled: bool | None = None
    fulfilled_on = None
    if since is not None and since["cooperated"]:
        fulfilled = True
        fulfilled_on = day(since["assessed_on"]) if day(since["assessed_on"]) <= deadline else None
    elif since is not None and day(since["assessed_on"]) >= deadline:
        fulfilled = False
    return CooperationDuty(notified_on=notified_on, deadline=deadline, fulfilled=fulfilled, fulfilled_on=fulfilled_on)


def _statuses(held: Held) -> list[StatusInterval]:
    statuses = [
        StatusInterval(
            kind=StatusKind(f"duldung_{x['subtype']}"),
            valid_from=day(x["valid_from"]),
            valid_until=day(x["valid_until"]),
        )
        for x in held("ToleratedStayIssued")
    ]
    statuses += [
        StatusInterval(
            kind=StatusKind.GESTATTUNG,
            valid_from=day(x["valid_from"]),
            valid_until=day(x["valid_until"]) if x.get("valid_until") else None,
        )
        for x in held("AsylumPermissionRecorded")
    ]
    statuses += [
        StatusInterval(
            kind=StatusKind.AUFENTHALTSERLAUBNIS,
            valid_from=day(x["valid_from"]),
            valid_until=day(x["valid_until"]),
            norm=x["norm"],
        )
        for x in held("ResidencePermitGranted")
    ]
    statuses += [
        StatusInterval(kind=StatusKind.FIKTION, valid_from=day(x["issued_on"]), valid_until=day(x["valid_until"]))
        for x in held("FictionCertificateIssued")
    ]
    statuses += [
        StatusInterval(kind=StatusKind.NIEDERLASSUNGSERLAUBNIS, valid_from=day(x["granted_on"]), norm=x["norm"])
        for x in held("SettlementPermitGranted")
    ]
    return sorted(statuses, key=lambda s: s.valid_from)
