"""The realm roles of docs/domain.md §4, as the access tokens name them.

deploy/keycloak/realm-kim.json defines exactly these (tests/unit/identity/test_realm_files.py
keeps both in step). A team lead is ``team_lead`` plus a department group.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A realm role of the KIM realm."""

    INTAKE_CLERK = "intake_clerk"
    FOREIGN_OFFICE_CASEWORKER = "foreign_office_caseworker"
    NATURALISATION_CASEWORKER = "naturalisation_caseworker"
    KIM_CASE_MANAGER = "kim_case_manager"
    KOBIZ_COUNSELLOR = "kobiz_counsellor"
    TEAM_LEAD = "team_lead"
    DATA_PROTECTION_OFFICER = "data_protection_officer"
    AUDITOR = "auditor"
    OPERATOR = "operator"


DEPARTMENTS = ("intake", "foreign_office", "kobiz")
"""The department groups: ``/departments/<name>`` (the services' names)."""
