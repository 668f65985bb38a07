"""Facts derived from a department's own timeline (shared.perspective.derive).

The timelines are built the way the projector builds them: integration events as
CloudEvents records, applied to an in-memory case-history store under the sharing
policy. Proven: what the view does not hold is unknown (None), never "no"; a
correction replaces the entry it names; certificates, statuses, identity,
livelihood and applications become the engine's facts; and the § 25b Perspektive's
``german_a2`` prerequisite turns from unknown to met when a consent lets an A2
certificate into the foreign office's view. A department's own records of its file
(``own_records``, the published form of its own events) give the facts it recorded.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.bootstrap import build_container
from shared.application.own_records import own_records
from shared.events import catalogue as ev
from shared.events.base import IntegrationEvent
from shared.events.common import ConsentScope, DataCategory, Norm, Purpose, Recipient
from shared.events.kobiz import LanguageLevel
from shared.perspective import CefrLevel, Flag, LanguageCertificate, Status, StatusKind, evaluate
from shared.perspective.derive import derive_facts
from shared.perspective.facts import CaseFacts, PensionRecord
from shared.projection.memory import InMemoryCaseHistoryStore
from shared.projection.records import TimelineEntry
from shared.service import Service
from tests.support.projection_suite import Feed, of_case, opened
from tests.support.walk import apply, command, open_file, run, share_everything

ON = date(2026, 6, 1)


class View:
    """One department's projection of one case."""

    def __init__(self, service: Service = Service.FOREIGN_OFFICE) -> None:
        self.store = InMemoryCaseHistoryStore(service)
        self.feed = Feed(service)
        self.case_id = uuid4()
        self.seconds = 0

    def add(self, *events: IntegrationEvent) -> list[TimelineEntry]:
        records = []
        for event in events:
            self.seconds += 1
            records.append(self.feed.record(event, seconds=self.seconds))
        apply(self.store, self.feed, records)
        return self.timeline()

    def timeline(self) -> list[TimelineEntry]:
        return self.store.timeline(self.case_id)

    def entry(self, name: str, index: int = -1) -> TimelineEntry:
        return [e for e in self.timeline() if e.type.split(".")[-2] == name][index]


def shared_view() -> View:
    """The foreign office's view of a case whose person shared everything."""
    view = View()
    view.add(share_everything(view.case_id), opened(view.case_id))
    return view


def certificate(
    case_id: UUID, level: LanguageLevel = "A2", on: date = date(2026, 1, 13), **extra: Any
) -> ev.LanguageCertificateObtained:
    return of_case(ev.LanguageCertificateObtained, case_id, level=level, exam_body="telc", obtained_on=on, **extra)


def toleration(case_id: UUID, valid_from: date, **extra: Any) -> ev.ToleratedStayIssued:
    return of_case(
        ev.ToleratedStayIssued,
        case_id,
        subtype="60a",
        ground_code="no_travel_documents",
        valid_from=valid_from,
        valid_until=date(2026, 12, 31),
        work_permitted=True,
        residence_condition=False,
        **extra,
    )


def german_a2(entries: list[TimelineEntry], on: date = ON) -> Status:
    result = evaluate(derive_facts(entries), on).pathway("AufenthG_25b")
    return next(p.status for p in result.prerequisites if p.key == "german_a2")


# --- absence is unknown -----------------------------------------------------------------


def test_a_timeline_without_facts_derives_only_unknowns() -> None:
    facts = derive_facts(shared_view().timeline())
    assert facts.model_dump(exclude_none=True) == {}
    assert facts.language_certificates is None and facts.identity_clarified is None and facts.statuses is None
    assert derive_facts([]).model_dump(exclude_none=True) == {}


def test_a_registration_without_a_birth_date_leaves_it_unknown() -> None:
    view = shared_view()
    view.add(ev.PersonRegistered(case_id=view.case_id, person_id=uuid4(), registered_on=date(2026, 1, 5)))
    assert derive_facts(view.timeline()).birth_date is None
    view.add(
        ev.PersonRegistered(
            case_id=view.case_id, person_id=uuid4(), registered_on=date(2026, 1, 5), birth_date=date(1999, 5, 1)
        )
    )
    assert derive_facts(view.timeline()).birth_date == date(1999, 5, 1)


def test_only_a_passport_makes_a_passport_present() -> None:
    view = shared_view()
    view.add(
        of_case(ev.IdentityDocumentSubmitted, view.case_id, submitted_on=date(2026, 1, 6), document_type="id_card")
    )
    assert derive_facts(view.timeline()).passport_present is None
    view.add(
        of_case(
            ev.IdentityDocumentSubmitted,
            view.case_id,
            submitted_on=date(2026, 2, 6),
            document_type="passport",
            valid_until=date(2031, 1, 1),
        )
    )
    assert derive_facts(view.timeline()).passport_present == Flag(value=True, since=date(2026, 2, 6))


# --- corrections ----------------------------------------------------------------------------


def test_a_correction_replaces_the_entry_it_names() -> None:
    view = shared_view()
    view.add(toleration(view.case_id, date(2026, 1, 1)), toleration(view.case_id, date(2019, 3, 1)))
    wrong = view.entry("ToleratedStayIssued", 0)
    assert [s.valid_from for s in derive_facts(view.timeline()).statuses or []] == [date(2019, 3, 1), date(2026, 1, 1)]

    view.add(toleration(view.case_id, date(2025, 1, 1), corrects=wrong.event_id))

    statuses = derive_facts(view.timeline()).statuses
    assert [(s.kind, s.valid_from) for s in statuses or []] == [
        (StatusKind.DULDUNG_60A, date(2019, 3, 1)),
        (StatusKind.DULDUNG_60A, date(2025, 1, 1)),
    ]
    assert len(view.timeline()) == 5, "the corrected entry stays in the history; only the facts drop it"


def test_a_corrected_certificate_counts_with_its_corrected_level() -> None:
    view = shared_view()
    view.add(certificate(view.case_id, "B1"))
    view.add(certificate(view.case_id, "A1", corrects=view.entry("LanguageCertificateObtained").event_id))
    assert derive_facts(view.timeline()).language_certificates == [
        LanguageCertificate(level=CefrLevel.A1, obtained_on=date(2026, 1, 13))
    ]
    assert german_a2(view.timeline()) is Status.NOT_MET


def test_identity_clarified_once_and_corrected_uses_the_correction() -> None:
    view = shared_view()
    view.add(of_case(ev.IdentityClarified, view.case_id, clarified_on=date(2026, 2, 1), method="passport"))
    first = view.entry("IdentityClarified")
    view.add(
        of_case(
            ev.IdentityClarified,
            view.case_id,
            clarified_on=date(2026, 1, 20),
            method="passport",
            corrects=first.event_id,
        )
    )
    assert derive_facts(view.timeline()).identity_clarified == Flag(value=True, since=date(2026, 1, 20))


# --- the facts the engine uses ------------------------------------------------------------------


def test_certificates_tests_work_and_applications_become_facts() -> None:
    view = shared_view()
    case_id = view.case_id
    view.add(
        certificate(case_id, "A2", date(2026, 1, 13), oral_only=True),
        of_case(ev.CivicTestPassed, case_id, test="life_in_germany", passed_on=date(2026, 1, 14)),
        of_case(ev.IntegrationCourseCompleted, case_id, completed_on=date(2026, 1, 15)),
        of_case(
            ev.LivelihoodAssessed,
            case_id,
            assessed_on=date(2026, 1, 17),
            coverage_percent=40,
            receives_sgb2=True,
            receives_sgb12=False,
        ),
        of_case(
            ev.LivelihoodAssessed,
            case_id,
            assessed_on=date(2026, 3, 1),
            coverage_percent=60,
            receives_sgb2=False,
            receives_sgb12=False,
        ),
        of_case(ev.EmploymentTaken, case_id, since=date(2026, 1, 18), hours_per_week=30, social_insurance=True),
        of_case(ev.ResidencePermitApplied, case_id, applied_on=date(2026, 1, 9), norm=Norm.AUFENTHG_25B),
        of_case(ev.NaturalisationApplied, case_id, applied_on=date(2026, 2, 7), basis=Norm.STAG_10),
        of_case(
            ev.FictionCertificateIssued,
            case_id,
            issued_on=date(2026, 1, 9),
            subsection="81_4",
            valid_until=date(2026, 7, 9),
        ),
    )
    facts = derive_facts(view.timeline())
    assert facts.language_certificates == [LanguageCertificate(level=CefrLevel.A2, obtained_on=date(2026, 1, 13))]
    assert [(t.kind, t.passed_on) for t in facts.civic_tests or []] == [("leben_in_deutschland", date(2026, 1, 14))]
    assert facts.integration_course_completed == Flag(value=True, since=date(2026, 1, 15))
    assert facts.livelihood is not None
    assert facts.livelihood.assessed_on == date(2026, 3, 1)
    assert facts.livelihood.coverage_ratio == pytest.approx(0.6)
    assert facts.livelihood.receives_sgb2_or_12 is False
    assert [(j.since, j.hours_per_week) for j in facts.employment or []] == [(date(2026, 1, 18), 30)]
    assert facts.application_for("AufenthG_25b", ON) == date(2026, 1, 9)
    assert facts.application_for("StAG_10", ON) == date(2026, 2, 7)
    assert [(s.kind, s.valid_until) for s in facts.statuses or []] == [(StatusKind.FIKTION, date(2026, 7, 9))]


# --- the Perspektive changes with what the view holds -------------------------------------------------


def test_the_25b_language_prerequisite_turns_from_unknown_to_met_with_an_a2_certificate() -> None:
    view = shared_view()
    assert derive_facts(view.timeline()).language_certificates is None
    assert german_a2(view.timeline()) is Status.UNKNOWN
    view.add(certificate(view.case_id, "A2", date(2026, 1, 13)))
    assert german_a2(view.timeline()) is Status.MET
    # Judged on a day before the certificate, the known certificates do not suffice yet.
    assert german_a2(view.timeline(), on=date(2026, 1, 12)) is Status.NOT_MET


def test_a_certificate_the_view_may_not_hold_stays_unknown_until_a_consent_releases_it() -> None:
    view = View(Service.FOREIGN_OFFICE)
    case_id = view.case_id
    status_only = ev.ConsentGranted(
        case_id=case_id,
        consent_id=uuid4(),
        purpose=Purpose.PREPARE_APPLICATION_25B,
        scopes=[
            ConsentScope(
                recipient=Recipient.FOREIGN_OFFICE, categories=[DataCategory.CASE_MANAGEMENT, DataCategory.STATUS]
            )
        ],
        valid_from=date.today() - timedelta(days=1),
        valid_until=date.today() + timedelta(days=30),
        form_version="KIM-EW-2025-1",
        language="ar",
        interpreter_used=False,
    )
    view.add(status_only, opened(case_id), certificate(case_id))
    assert "LanguageCertificateObtained" not in [e.type.split(".")[-2] for e in view.timeline()]
    assert view.store.counts()["withheld"] == 1
    assert german_a2(view.timeline()) is Status.UNKNOWN, "withheld is unknown, not 'no certificate'"

    view.add(share_everything(case_id))  # the person releases language and education data too

    assert german_a2(view.timeline()) is Status.MET
    assert view.store.counts()["withheld"] == 0


def test_a_terminated_training_is_no_longer_the_cases_training() -> None:
    view = shared_view()
    view.add(
        of_case(
            ev.TrainingContractConcluded,
            view.case_id,
            occupation_code="kfz",
            qualified=True,
            starts_on=date(2026, 8, 1),
            ends_on=date(2029, 7, 31),
            chamber_registered=True,
        )
    )
    assert derive_facts(view.timeline()).training is not None
    view.add(of_case(ev.TrainingTerminated, view.case_id, terminated_on=date(2026, 9, 1), reason_code="moved"))
    assert derive_facts(view.timeline()).training is None


# --- a department's own records -----------------------------------------------------------------


def own_facts(service: Service, names: list[str]) -> CaseFacts:
    """The facts of a department's own file (not linked to any KIM case) after ``names`` ran on it."""
    app = build_container(service, in_memory=True).app
    file_id = open_file(app, service, None)
    for name in names:
        run(app, service, name, file_id, command(service, name))
    return derive_facts(own_records(app, file_id, None))


def test_kobizs_own_records_give_the_settlement_facts_it_recorded() -> None:
    facts = own_facts(
        Service.KOBIZ,
        ["record_pension_contributions", "assess_housing", "record_special_integration_achievement"],
    )
    assert facts.pension_contributions == PensionRecord(months=14, as_of=date(2026, 1, 20))
    assert facts.housing_sufficient == Flag(value=True, since=date(2026, 1, 20))
    assert facts.special_integration_achievements == Flag(value=True, since=date(2026, 1, 21))


def test_the_foreign_offices_own_records_give_the_entry_and_passport_cooperation_it_recorded() -> None:
    facts = own_facts(Service.FOREIGN_OFFICE, ["issue_tolerated_stay", "record_entry", "record_passport_cooperation"])
    assert facts.statuses is not None and [s.valid_from for s in facts.statuses] == [date(2019, 3, 1)]
    # The file's Perspektive (GET /foreign-office/files/{file_id}/perspective) judges on these.
    assert facts.entry_on == date(2015, 9, 12)
    assert facts.identity_steps_taken == Flag(value=True, since=date(2026, 1, 5))
