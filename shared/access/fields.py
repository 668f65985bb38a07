"""Which field group each command writes and each held event belongs to.

Commands are listed one by one per service (a new command without a row fails
tests/unit/access/test_table.py). A held event's group follows from its type and the
data category the sharing policy gave it (a Duldung on health grounds is health data).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from shared.access.model import FieldGroup
from shared.events.common import DataCategory
from shared.service import Service

F = FieldGroup

STAFFING = {
    "assign_staff": F.CASE_MANAGEMENT,
    "release_staff": F.CASE_MANAGEMENT,
    "hand_over": F.CASE_MANAGEMENT,
    "name_deputy": F.CASE_MANAGEMENT,
}
"""Who works on a case or file (shared/application/staffing.py): case management in every department."""

COMMAND_GROUPS: Mapping[Service, Mapping[str, FieldGroup]] = {
    Service.INTAKE: MappingProxyType(
        {
            "hand_over": F.CASE_MANAGEMENT,
            "name_deputy": F.CASE_MANAGEMENT,
            "register_person": F.IDENTITY_CORE,
            "receive_referral": F.CASE_MANAGEMENT,
            "grant_consent": F.CONSENT,
            "change_consent_scope": F.CONSENT,
            "revoke_consent": F.CONSENT,
            "open_case": F.CASE_MANAGEMENT,
            "close_case": F.CASE_MANAGEMENT,
            "agree_integration_plan": F.CASE_MANAGEMENT,
            "hold_case_conference": F.CASE_MANAGEMENT,
            "refer_to_return_counselling": F.CASE_MANAGEMENT,
            "record_household": F.IDENTITY_CORE,
            "record_marital_status": F.IDENTITY_CORE,
        }
    ),
    Service.FOREIGN_OFFICE: MappingProxyType(
        {
            **STAFFING,
            "open_file": F.IDENTITY_CORE,
            "link_to_kim_case": F.CASE_MANAGEMENT,
            "close_file": F.CASE_MANAGEMENT,
            "record_entry": F.STATUS,
            "record_passport_cooperation": F.IDENTITY_DETAIL,
            "issue_tolerated_stay": F.STATUS,
            "notify_cooperation_duty": F.IDENTITY_DETAIL,
            "submit_identity_document": F.IDENTITY_DETAIL,
            "clarify_identity": F.IDENTITY_DETAIL,
            "establish_identity_deception": F.IDENTITY_DETAIL,
            "apply_for_residence_permit": F.STATUS,
            "issue_fiction_certificate": F.STATUS,
            "grant_residence_permit": F.STATUS,
            "grant_settlement_permit": F.STATUS,
            "refuse_residence_permit": F.STATUS,
            "grant_employment_permission": F.STATUS,
            "notify_criminal_conviction": F.CRIMINAL,
            "make_departure_enforceable": F.STATUS,
            "schedule_removal": F.REMOVAL,
            "record_departure": F.STATUS,
            "apply_for_naturalisation": F.NATURALISATION,
            "assess_naturalisation_requirement": F.NATURALISATION,
            "hand_over_naturalisation_certificate": F.NATURALISATION,
            "record_asylum_permission": F.STATUS,
            "record_asylum_decision": F.STATUS,
            "assess_identity": F.IDENTITY_DETAIL,
            "assess_employment_ban": F.STATUS,
            "record_employment_agency_consent": F.STATUS,
            "assess_departure_obstacle": F.STATUS,
            "record_declarations": F.STATUS,
            "assess_renunciation": F.NATURALISATION,
            "assess_security": F.CRIMINAL,
            "assess_removal_measures": F.REMOVAL,
            "assess_integration_prognosis": F.STATUS,
            "record_family_member_status": F.STATUS,
        }
    ),
    Service.KOBIZ: MappingProxyType(
        {
            **STAFFING,
            "open_file": F.CASE_MANAGEMENT,
            "link_to_kim_case": F.CASE_MANAGEMENT,
            "hold_counselling": F.COUNSELLING,
            "enrol_in_language_course": F.INTEGRATION,
            "record_language_certificate": F.INTEGRATION,
            "record_civic_test": F.INTEGRATION,
            "complete_integration_course": F.INTEGRATION,
            "evidence_school_attendance": F.INTEGRATION,
            "conclude_training_contract": F.INTEGRATION,
            "terminate_training": F.INTEGRATION,
            "assess_livelihood": F.INTEGRATION,
            "take_employment": F.INTEGRATION,
            "claim_health_exemption": F.HEALTH,
            "record_pension_contributions": F.INTEGRATION,
            "assess_housing": F.INTEGRATION,
            "record_special_integration_achievement": F.INTEGRATION,
            "record_civic_knowledge_evidence": F.INTEGRATION,
            "assess_schooling": F.INTEGRATION,
            "assess_qualifications": F.INTEGRATION,
            "assess_basic_knowledge": F.INTEGRATION,
            "assess_special_integration": F.INTEGRATION,
            "assess_employment_history": F.INTEGRATION,
        }
    ),
}
"""Service → command name (as in the service's COMMANDS table) → the field group it writes."""

CATEGORY_GROUPS: Mapping[DataCategory, FieldGroup] = {
    DataCategory.IDENTITY: F.IDENTITY_DETAIL,
    DataCategory.STATUS: F.STATUS,
    DataCategory.CASE_MANAGEMENT: F.CASE_MANAGEMENT,
    DataCategory.LANGUAGE_EDUCATION: F.INTEGRATION,
    DataCategory.WORK_INCOME: F.INTEGRATION,
    DataCategory.SCHOOL_ATTENDANCE: F.INTEGRATION,
    DataCategory.HEALTH: F.HEALTH,
    DataCategory.COUNSELLING: F.COUNSELLING,
}

TYPE_GROUPS: Mapping[str, FieldGroup] = {
    "PersonRegistered": F.IDENTITY_CORE,
    "HouseholdRecorded": F.IDENTITY_CORE,
    "MaritalStatusRecorded": F.IDENTITY_CORE,
    "ConsentGranted": F.CONSENT,
    "ConsentScopeChanged": F.CONSENT,
    "ConsentRevoked": F.CONSENT,
}
"""Event names whose group is not their data category: the person's identity core, the consent records."""


def group_of_event(type_: str, category: str | None) -> FieldGroup:
    """The field group of a held event (wire type ``de.nrw.kim.<service>.<Name>.v<n>`` or a bare name)."""
    name = type_.split(".")[-2] if type_.count(".") >= 2 else type_
    if name in TYPE_GROUPS:
        return TYPE_GROUPS[name]
    if category is None:
        return F.CASE_MANAGEMENT
    return CATEGORY_GROUPS[DataCategory(category)]


def command_group(service: Service, command: str) -> FieldGroup:
    """The field group a command writes; KeyError for a command the table does not list."""
    return COMMAND_GROUPS[service][command]
