"""Facts derived from assessments and from what only the owner of a file holds.

A "no" is known only where an assessment recorded it (no test passed, no job, no
German qualification); a recorded test or job outweighs an earlier "no"; the latest
answer wins and a correction replaces the entry it names. The foreign office's own file
adds what only it holds (services/foreign_office/owner.py): its internal findings, the
complete knowledge of its own acts (another department's view knows nothing of them), a
duty to cooperate fulfilled as the assessment of the cooperation says, obligations to
leave ended by a later title, and the permits of household members, joined to intake's
household by the member's reference; intake's household tells whether a minor child
lives in it.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from services.bootstrap import build_container
from services.foreign_office.application import ForeignOfficeApplication
from services.foreign_office.owner import owner_facts
from shared.application.own_records import own_records
from shared.events import catalogue as ev
from shared.perspective import Flag, MemberPermit, PermitState, Relation, StatusKind
from shared.perspective.derive import derive_facts
from shared.perspective.facts import CaseFacts
from shared.service import Service
from tests.support.projection_suite import of_case
from tests.support.walk import command, open_file, run
from tests.unit.test_derive_facts import shared_view


def owner_view(names: list[str], **overrides: dict[str, Any]) -> CaseFacts:
    """The foreign office's Perspektive facts of its own file (not linked) after ``names`` ran on it."""
    app = build_container(Service.FOREIGN_OFFICE, in_memory=True).app
    assert isinstance(app, ForeignOfficeApplication)
    file_id = open_file(app, Service.FOREIGN_OFFICE, None)
    for name in names:
        run(
            app, Service.FOREIGN_OFFICE, name, file_id, command(Service.FOREIGN_OFFICE, name, **overrides.get(name, {}))
        )
    return derive_facts(own_records(app, file_id, None), **owner_facts(app.get_file(file_id)))


def test_an_assessment_records_a_no_and_a_recorded_test_or_job_outweighs_it() -> None:
    view = shared_view()
    case_id = view.case_id
    view.add(
        of_case(
            ev.BasicKnowledgeAssessed,
            case_id,
            assessed_on=date(2026, 1, 2),
            integration_course_completed=False,
            civic_test_passed=False,
        ),
        of_case(ev.EmploymentHistoryAssessed, case_id, assessed_on=date(2026, 1, 2), employed_in_germany=False),
        of_case(ev.QualificationsAssessed, case_id, assessed_on=date(2026, 1, 2), foreign_degree_recognised=False),
    )
    facts = derive_facts(view.timeline())
    assert (facts.civic_tests, facts.employment) == ([], [])
    assert facts.integration_course_completed == Flag(value=False)
    assert facts.foreign_degree_recognised == Flag(value=False)
    assert facts.german_vocational_qualification is None, "not assessed is unknown, not no"
    view.add(
        of_case(ev.CivicTestPassed, case_id, test="naturalisation_test", passed_on=date(2026, 3, 1)),
        of_case(ev.IntegrationCourseCompleted, case_id, completed_on=date(2026, 3, 2)),
        of_case(ev.EmploymentTaken, case_id, since=date(2026, 3, 3), hours_per_week=38, social_insurance=True),
    )
    facts = derive_facts(view.timeline())
    assert [t.kind for t in facts.civic_tests or []] == ["einbuergerungstest"]
    assert facts.integration_course_completed == Flag(value=True, since=date(2026, 3, 2))
    assert [j.hours_per_week for j in facts.employment or []] == [38]


def test_the_latest_identity_answer_wins_and_a_correction_replaces_an_assessment() -> None:
    view = shared_view()
    case_id = view.case_id
    view.add(
        of_case(ev.IdentityClarified, case_id, clarified_on=date(2025, 1, 1), method="passport"),
        of_case(ev.IdentityAssessed, case_id, assessed_on=date(2026, 1, 1), identity_clarified=False),
        of_case(ev.IdentityAssessed, case_id, assessed_on=date(2026, 1, 2), passport_present=False),
    )
    facts = derive_facts(view.timeline())
    assert (facts.identity_clarified, facts.passport_present) == (Flag(value=False), Flag(value=False))
    assert facts.nationality_clarified is None
    wrong = view.entry("IdentityAssessed", 0)
    view.add(
        of_case(
            ev.IdentityAssessed,
            case_id,
            assessed_on=date(2026, 1, 1),
            nationality_clarified=True,
            corrects=wrong.event_id,
        )
    )
    facts = derive_facts(view.timeline())
    assert facts.identity_clarified == Flag(value=True, since=date(2025, 1, 1))
    assert facts.nationality_clarified == Flag(value=True, since=date(2026, 1, 1))


def test_the_foreign_office_knows_it_recorded_none_of_its_own_acts_where_another_view_knows_nothing() -> None:
    facts = owner_view([])
    assert (facts.statuses, facts.convictions, facts.deceptions) == ([], [], [])
    assert (facts.cooperation_duties, facts.departure_obligations, facts.departures) == ([], [], [])
    assert facts.birth_date == date(1999, 5, 1), "its own file's date of birth"
    kobiz = derive_facts(shared_view().timeline())
    assert (kobiz.statuses, kobiz.convictions, kobiz.cooperation_duties, kobiz.departures) == (None, None, None, None)


def test_the_foreign_offices_own_findings_feed_its_evaluation_with_the_latest_answer() -> None:
    facts = owner_view(
        ["assess_security", "record_declarations", "assess_removal_measures", "assess_integration_prognosis"],
        assess_security={"extremism_indications": True, "serious_expulsion_interest": None},
    )
    assert facts.extremism_indications == Flag(value=True, since=date(2026, 2, 7))
    assert facts.serious_expulsion_interest is None
    assert facts.fdgo_declaration == Flag(value=True, since=date(2026, 2, 7))
    assert facts.historical_responsibility_commitment == Flag(value=True, since=date(2026, 2, 7))
    assert facts.concrete_removal_measures == Flag(value=False)
    assert facts.integration_prognosis_positive == Flag(value=True, since=date(2026, 2, 7))


def test_a_duty_to_cooperate_is_fulfilled_as_the_latest_assessment_of_the_cooperation_says() -> None:
    notified = {"notified_on": "2026-01-05", "deadline": "2026-03-01"}
    late = {"assessed_on": "2026-03-02", "cooperated": False, "all_reasonable_steps": False}
    facts = owner_view(
        ["notify_cooperation_duty", "record_passport_cooperation"],
        notify_cooperation_duty=notified,
        record_passport_cooperation=late,
    )
    (duty,) = facts.cooperation_duties or []
    assert (duty.fulfilled, duty.failed_by(date(2026, 6, 1))) == (False, True)
    in_time = {"assessed_on": "2026-02-01", "cooperated": True, "all_reasonable_steps": True}
    facts = owner_view(
        ["notify_cooperation_duty", "record_passport_cooperation"],
        notify_cooperation_duty=notified,
        record_passport_cooperation=in_time,
    )
    (duty,) = facts.cooperation_duties or []
    assert (duty.fulfilled, duty.fulfilled_on, duty.failed_by(date(2026, 6, 1))) == (True, date(2026, 2, 1), False)


def test_an_obligation_to_leave_ends_with_a_title_granted_later_and_a_gestattung_is_a_status() -> None:
    facts = owner_view(["record_asylum_permission", "make_departure_enforceable", "grant_residence_permit"])
    (obligation,) = facts.departure_obligations or []
    assert (obligation.enforceable_since, obligation.ended_on) == (date(2026, 2, 5), None)
    assert [s.kind for s in facts.statuses or []] == [StatusKind.GESTATTUNG, StatusKind.AUFENTHALTSERLAUBNIS]
    ended = owner_view(
        ["make_departure_enforceable", "grant_residence_permit"],
        grant_residence_permit={"granted_on": "2026-04-01", "valid_from": "2026-04-01"},
    )
    assert [o.ended_on for o in ended.departure_obligations or []] == [date(2026, 4, 1)]


def test_the_household_gives_minor_children_and_carries_the_permits_the_foreign_office_recorded() -> None:
    view = shared_view()
    child, spouse = uuid4(), uuid4()
    members = [
        {
            "member_ref": child,
            "relation": "child",
            "birth_date": date(2015, 3, 1),
            "living_together_since": date(2016, 1, 1),
        },
        {"member_ref": spouse, "relation": "spouse"},
    ]
    view.add(
        of_case(ev.HouseholdRecorded, view.case_id, recorded_on=date(2026, 1, 7), members=members),
        of_case(ev.MaritalStatusRecorded, view.case_id, recorded_on=date(2026, 1, 7), status="married"),
    )
    permit = MemberPermit(norm="AufenthG_104c", state=PermitState.GRANTED, since=date(2023, 3, 1))
    facts = derive_facts(view.timeline(), member_permits={str(spouse): [permit]})
    assert facts.minor_child_in_household == Flag(value=True, since=date(2016, 1, 1))
    assert facts.unmarried == Flag(value=False)
    assert [(m.relation, m.permits) for m in facts.household_members or []] == [
        (Relation.CHILD, None),  # the foreign office recorded nothing of the child: unknown
        (Relation.SPOUSE, [permit]),
    ]
    view.add(of_case(ev.HouseholdRecorded, view.case_id, recorded_on=date(2026, 5, 1), members=[]))
    assert derive_facts(view.timeline()).minor_child_in_household == Flag(value=False)
