"""A valid body for every command of every department, for tests that walk the catalogue."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

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
        "employer": "INTERN Bäckerei",
    },
    "claim_health_exemption": {"claimed_on": "2026-01-19", "norm": "AufenthG_25b", "attest_ref": "INTERN-ATTEST"},
    "record_pension_contributions": {"recorded_on": "2026-01-20", "months": 14},
    "assess_housing": {"assessed_on": "2026-01-20", "adequate": True},
    "record_special_integration_achievement": {"achieved_on": "2026-01-21", "kind": "volunteering"},
    "record_civic_knowledge_evidence": {"evidenced_on": "2026-01-21", "evidence": "orientation_course"},
}
"""Internal text in every sample starts with INTERN, so a test can search for leaks."""

SERVICE_SAMPLES: dict[str, dict[str, dict[str, Any]]] = {
    "foreign_office": {
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
        "open_file": {"opened_on": "2026-01-06"},
        "link_to_kim_case": {"case_id": "<the KIM case>", "linked_on": "2026-01-06"},
    },
}
"""Commands whose names two services share (each department opens and links its own files)."""
