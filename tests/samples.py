"""A valid body for every command of every department, for tests that walk the catalogue."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

MEMBER_REF = str(uuid4())
"""A household member intake records and the foreign office records the permits of."""

SAMPLES: dict[str, dict[str, Any]] = {
    # intake
    "receive_referral": {"received_on": "2026-01-04", "source": "foreign_office", "reason_codes": ["perspective"]},
    "agree_integration_plan": {
        "agreed_on": "2026-01-10",
        "target_pathway": "AufenthG_25b",
        "milestones": [{"code": "a2_exam", "due_on": "2026-06-30"}],
    },
    "hold_case_conference": {
        "held_on": "2026-01-20",
        "participants": ["kobiz", "foreign_office"],
        "agreed_action_codes": ["book_exam"],
        "minutes": "INTERN Protokoll",
    },
    "refer_to_return_counselling": {"referred_on": "2026-01-21", "provider_code": "caritas-eu"},
    "record_household": {
        "recorded_on": "2026-01-07",
        "members": [
            {
                "member_ref": MEMBER_REF,
                "relation": "child",
                "birth_date": "2015-03-01",
                "living_together_since": "2015-03-01",
            }
        ],
    },
    "record_marital_status": {"recorded_on": "2026-01-07", "status": "married"},
    # foreign office (its own file; "open_file" and "link_to_kim_case" are in SERVICE_SAMPLES)
    "record_entry": {"entered_on": "2015-09-12"},
    "record_passport_cooperation": {"assessed_on": "2026-01-05", "cooperated": True, "all_reasonable_steps": True},
    "close_file": {"closed_on": "2026-12-31", "reason": "moved_away"},
    "issue_tolerated_stay": {
        "subtype": "60a",
        "ground_code": "no_travel_documents",
        "health_ground": False,
        "valid_from": "2019-03-01",
        "valid_until": "2026-08-31",
        "work_permitted": True,
        "residence_condition": False,
        "remarks": "INTERN Vermerk",
    },
    "notify_cooperation_duty": {
        "notified_on": "2026-01-05",
        "required_act_codes": ["attend_embassy"],
        "deadline": "2026-03-01",
        "instruction_text": "INTERN Belehrung",
    },
    "submit_identity_document": {
        "submitted_on": "2026-01-06",
        "document_type": "passport",
        "valid_until": "2031-01-01",
        "document_ref": "INTERN-DOC-1",
    },
    "clarify_identity": {"clarified_on": "2026-01-07", "method": "passport", "document_ref": "INTERN-DOC-1"},
    "establish_identity_deception": {
        "established_on": "2026-01-08",
        "finding": "INTERN Täuschung",
        "kind": "deception",
        "effect_code": "none_yet",
        "own_conduct": True,
        "prevented_removal": False,
    },
    "apply_for_residence_permit": {"applied_on": "2026-01-09", "norm": "AufenthG_25b"},
    "issue_fiction_certificate": {"issued_on": "2026-01-09", "subsection": "81_4", "valid_until": "2026-07-09"},
    "grant_residence_permit": {
        "norm": "AufenthG_25b",
        "granted_on": "2026-02-01",
        "valid_from": "2026-02-01",
        "valid_until": "2028-01-31",
        "employment_permitted": True,
        "conditions": "INTERN Auflage",
        "decided_by": "st-abhsb4",
        "rule_version_ids": ["aufenthg_25b@2022-12-31"],
    },
    "grant_settlement_permit": {"norm": "AufenthG_26_4", "granted_on": "2026-02-02", "decided_by": "st-abhsb4"},
    "refuse_residence_permit": {
        "norm": "AufenthG_25b",
        "refused_on": "2026-02-03",
        "ground_codes": ["conviction"],
        "conviction_ground": True,
        "decided_by": "st-abhsb4",
    },
    "grant_employment_permission": {
        "granted_on": "2026-02-04",
        "scope_code": "any_employment",
        "employer": "INTERN Arbeitgeber GmbH",
    },
    "notify_criminal_conviction": {
        "convicted_on": "2025-05-05",
        "court": "INTERN AG Euskirchen",
        "sanction_code": "fine",
        "day_fines": 30,
        "intentional": True,
        "suspended": None,
    },
    "make_departure_enforceable": {
        "enforceable_on": "2026-02-05",
        "basis_code": "departure_deadline_passed",
        "departure_deadline": "2026-03-05",
    },
    "schedule_removal": {"removal_on": "2026-04-01", "route": "INTERN GEHEIM Flug"},
    "record_departure": {"departed_on": "2026-02-06", "kind": "voluntary"},
    "apply_for_naturalisation": {"applied_on": "2026-02-07", "basis": "StAG_10"},
    "assess_naturalisation_requirement": {
        "requirement": "b1",
        "met": True,
        "rule_version_id": "stag_10@2025-10-30",
        "assessed_by": "st-ebb0002",
    },
    "hand_over_naturalisation_certificate": {"handed_over_on": "2026-02-08"},
    "record_asylum_permission": {"valid_from": "2015-09-20", "valid_until": "2018-03-01"},
    "record_asylum_decision": {"decided_on": "2018-02-01", "outcome": "rejected"},
    "assess_identity": {
        "assessed_on": "2026-01-05",
        "identity_clarified": False,
        "nationality_clarified": False,
        "passport_present": False,
    },
    "assess_employment_ban": {"assessed_on": "2026-01-05", "banned": True, "ground": "own_fault_removal_obstacle"},
    "record_employment_agency_consent": {"answered_on": "2026-02-04", "consented": True, "reference": "INTERN-BA-4711"},
    "assess_departure_obstacle": {"assessed_on": "2026-01-05", "departure_impossible": True, "obstacle_lasting": False},
    "record_declarations": {"declared_on": "2026-02-07", "fdgo": True, "historical_responsibility": True},
    "assess_renunciation": {"assessed_on": "2026-02-07", "ensured": True},
    "assess_security": {
        "assessed_on": "2026-02-07",
        "extremism_indications": False,
        "serious_expulsion_interest": False,
    },
    "assess_removal_measures": {"assessed_on": "2026-02-07", "concrete_measures": False},
    "assess_integration_prognosis": {"assessed_on": "2026-02-07", "positive": True},
    "record_family_member_status": {
        "recorded_on": "2026-01-07",
        "member_ref": MEMBER_REF,
        "permits": [{"norm": "AufenthG_25a", "state": "granted", "since": "2025-06-01", "valid_until": "2027-05-31"}],
    },
    # kobiz
    "hold_counselling": {
        "held_on": "2026-01-11",
        "counsellor_id": "st-kobiz03",
        "topic_codes": ["language_course"],
        "pathways_discussed": ["AufenthG_25b"],
        "next_step_codes": ["book_a2_exam"],
        "notes": "INTERN vertrauliche Notiz",
    },
    "enrol_in_language_course": {
        "course_type": "vocational_language_course",
        "provider_code": "course_provider:vhs-euskirchen",
        "starts_on": "2026-01-12",
    },
    "record_language_certificate": {
        "level": "A2",
        "exam_body": "telc",
        "obtained_on": "2026-01-13",
        "certificate_number": "INTERN-CERT-77",
    },
    "record_civic_test": {"test": "life_in_germany", "passed_on": "2026-01-14"},
    "complete_integration_course": {"completed_on": "2026-01-15"},
    "evidence_school_attendance": {
        "child_id": str(uuid4()),
        "school_year": "2025/26",
        "attending": True,
        "evidenced_on": "2026-01-16",
        "school_name": "INTERN Grundschule",
    },
    "conclude_training_contract": {
        "occupation_code": "kfz-mechatroniker",
        "qualified": True,
        "shortage_occupation": False,
        "helper_training": False,
        "started_under_gestattung": False,
        "starts_on": "2026-08-01",
        "ends_on": "2029-07-31",
        "chamber_registered": True,
        "employer": "INTERN Werkstatt",
    },
    "terminate_training": {"terminated_on": "2026-09-01", "reason_code": "moved"},
    "assess_livelihood": {
        "assessed_on": "2026-01-17",
        "coverage_percent": 60,
        "receives_sgb2": False,
        "receives_sgb12": False,
    },
    "take_employment": {
        "since": "2026-01-18",
        "hours_per_week": 30,
        "social_insurance": True,
        "qualified": False,
        "employer": "INTERN Bäckerei",
    },
    "claim_health_exemption": {"claimed_on": "2026-01-19", "norm": "AufenthG_25b", "attest_ref": "INTERN-ATTEST"},
    "record_pension_contributions": {"recorded_on": "2026-01-20", "months": 14},
    "assess_housing": {"assessed_on": "2026-01-20", "adequate": True},
    "record_special_integration_achievement": {"achieved_on": "2026-01-21", "kind": "volunteering"},
    "record_civic_knowledge_evidence": {"evidenced_on": "2026-01-21", "evidence": "orientation_course"},
    "assess_schooling": {
        "assessed_on": "2026-01-22",
        "successful_years": 2,
        "attending": False,
        "german_qualification": False,
    },
    "assess_qualifications": {
        "assessed_on": "2026-01-22",
        "german_vocational_qualification": False,
        "foreign_degree_recognised": True,
    },
    "assess_basic_knowledge": {
        "assessed_on": "2026-01-22",
        "integration_course_completed": True,
        "civic_test_passed": True,
    },
    "assess_special_integration": {"assessed_on": "2026-01-22", "achieved": False},
    "assess_employment_history": {"assessed_on": "2026-01-22", "employed_in_germany": True},
}
"""Internal text in every sample starts with INTERN, so a test can search for leaks."""

STAFFING_SAMPLES: dict[str, dict[str, Any]] = {
    "assign_staff": {"staff_id": "st-kollege1", "assigned_on": "2026-02-01"},
    "release_staff": {"staff_id": "st-kollege1", "released_on": "2026-03-01"},
}
"""Assignments (the same commands in the foreign office and Kobiz)."""


def staffing_samples(worker: str) -> dict[str, dict[str, Any]]:
    """Hand-over and deputy of the member of staff who works the case in the tests (tests/support/tokens.py)."""
    return {
        "hand_over": {"from_staff_id": worker, "to_staff_id": "st-kollege2", "handed_over_on": "2026-03-02"},
        "name_deputy": {
            "deputy_id": "st-vertret1",
            "for_staff_id": worker,
            "from_on": "2026-03-01",
            "until_on": "2026-03-31",
        },
    }


SERVICE_SAMPLES: dict[str, dict[str, dict[str, Any]]] = {
    "intake": staffing_samples("st-cm0001"),
    "foreign_office": {
        **STAFFING_SAMPLES,
        **staffing_samples("st-abhsb4"),
        "open_file": {
            "family_name": "INTERN-Name",
            "given_names": "INTERN-Vorname",
            "birth_date": "1999-05-01",
            "nationalities": ["SYR"],
            "file_reference": "INTERN-AZ-4711",
        },
        "link_to_kim_case": {"case_id": "<the KIM case>", "linked_on": "2026-01-06"},
    },
    "kobiz": {
        **STAFFING_SAMPLES,
        **staffing_samples("st-cm0001"),
        "open_file": {"opened_on": "2026-01-06"},
        "link_to_kim_case": {"case_id": "<the KIM case>", "linked_on": "2026-01-06"},
    },
}
"""Commands whose names two services share (each department opens and links its own files)."""
