"""The access table (docs/domain.md §4) and the decisions drawn from it."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.foreign_office.application import COMMANDS as FOREIGN_OFFICE_COMMANDS
from services.intake.application import COMMANDS as INTAKE_COMMANDS
from services.kobiz.application import COMMANDS as KOBIZ_COMMANDS
from shared.access import (
    COMMAND_GROUPS,
    TABLE,
    FieldGroup,
    Operation,
    Reach,
    Relation,
    Rights,
    Scope,
    group_of_event,
    relation,
)
from shared.access.fields import CATEGORY_GROUPS
from shared.events import EVENTS_BY_WIRE_TYPE
from shared.events.common import DataCategory
from shared.identity.roles import Role
from shared.policy.sharing import rule_for
from shared.service import Service

F, R, W = FieldGroup, Operation.READ, Operation.WRITE
OWN, DEPT, NONE = Relation.OWN, Relation.DEPARTMENT, Relation.NONE
COMMANDS = {
    Service.INTAKE: INTAKE_COMMANDS,
    Service.FOREIGN_OFFICE: FOREIGN_OFFICE_COMMANDS,
    Service.KOBIZ: KOBIZ_COMMANDS,
}


def rights(role: Role, service: Service, *departments: str) -> Rights:
    return Rights.of([role.value], departments, service)


@pytest.mark.parametrize("service", list(Service))
def test_every_command_writes_a_listed_field_group(service: Service) -> None:
    assert {c.name for c in COMMANDS[service]} == set(COMMAND_GROUPS[service])


def test_every_role_of_the_realm_has_a_row_and_every_category_a_group() -> None:
    assert set(TABLE) == set(Role)
    assert set(CATEGORY_GROUPS) == set(DataCategory)


@pytest.mark.parametrize("wire_type", sorted(EVENTS_BY_WIRE_TYPE))
def test_every_published_event_belongs_to_a_field_group(wire_type: str) -> None:
    rule = rule_for(wire_type)
    assert rule is not None
    group = group_of_event(wire_type, rule.category.value if rule.category else None)
    assert isinstance(group, FieldGroup)


def test_a_kobiz_counsellor_reads_and_writes_counselling_notes_on_own_cases_only() -> None:
    counsellor = rights(Role.KOBIZ_COUNSELLOR, Service.KOBIZ)
    assert counsellor.may(F.COUNSELLING, W, OWN) and counsellor.may(F.COUNSELLING, R, OWN)
    assert not counsellor.may(F.COUNSELLING, R, DEPT) and not counsellor.may(F.COUNSELLING, W, DEPT)
    assert not counsellor.reaches(NONE)


def test_the_foreign_office_never_holds_notes_and_reads_counselling_codes_only_under_consent() -> None:
    for role in (Role.FOREIGN_OFFICE_CASEWORKER, Role.NATURALISATION_CASEWORKER):
        grant = TABLE[role][Service.FOREIGN_OFFICE].get(F.COUNSELLING)
        assert grant is None or (grant.write is None and grant.consent_only)
        assert Service.KOBIZ not in TABLE[role], "no foreign-office role works in Kobiz's service"


def test_removal_data_is_for_the_foreign_office_only() -> None:
    for role, services in TABLE.items():
        for service, rows in services.items():
            if F.REMOVAL in rows:
                assert service is Service.FOREIGN_OFFICE, (role, service)
                assert role in (Role.FOREIGN_OFFICE_CASEWORKER, Role.TEAM_LEAD), role


def test_a_team_lead_reads_the_teams_cases_only_in_the_own_department() -> None:
    lead = rights(Role.TEAM_LEAD, Service.KOBIZ, "kobiz")
    assert lead.may(F.COUNSELLING, R, DEPT) and lead.may(F.CASE_MANAGEMENT, W, DEPT)
    assert not lead.may(F.COUNSELLING, W, DEPT)
    elsewhere = rights(Role.TEAM_LEAD, Service.FOREIGN_OFFICE, "kobiz")
    assert not elsewhere.any, "a team lead of Kobiz has no rights in the foreign office"
    assert not rights(Role.TEAM_LEAD, Service.KOBIZ).any, "the role without a department group grants nothing"


def test_the_kim_case_manager_works_across_services_on_own_cases() -> None:
    at_kobiz = rights(Role.KIM_CASE_MANAGER, Service.KOBIZ)
    assert at_kobiz.may(F.COUNSELLING, W, OWN) and not at_kobiz.may(F.COUNSELLING, R, DEPT)
    at_intake = rights(Role.KIM_CASE_MANAGER, Service.INTAKE)
    assert at_intake.may(F.CONSENT, W, OWN) and not at_intake.may(F.CONSENT, R, DEPT)
    assert not rights(Role.KIM_CASE_MANAGER, Service.FOREIGN_OFFICE).any


def test_an_operator_holds_no_person_data_and_roles_merge_to_the_widest_scope() -> None:
    assert all(not rights(Role.OPERATOR, s).any for s in Service)
    both = Rights.of([Role.KOBIZ_COUNSELLOR.value, Role.TEAM_LEAD.value], ["kobiz"], Service.KOBIZ)
    assert both.scope(F.COUNSELLING, R) is Scope.DEPARTMENT and both.scope(F.COUNSELLING, W) is Scope.OWN
    assert Rights.of(["offline_access", "uma_authorization"], [], Service.INTAKE).any is False


def test_relation_is_own_for_assignees_deputies_the_kim_case_manager_and_break_glass() -> None:
    assert relation("st-a1b2", Reach(known=False, assignees=frozenset({"st-a1b2"}))) is NONE
    assert relation("st-a1b2", Reach(known=True)) is DEPT
    assert relation(None, Reach(known=True, assignees=frozenset({"st-a1b2"}))) is DEPT
    assert relation("st-a1b2", Reach(known=True, assignees=frozenset({"st-a1b2"}))) is OWN
    assert relation("st-a1b2", Reach(known=True, kim_case_manager="st-a1b2")) is OWN
    assert relation("st-a1b2", Reach(known=True, break_glass={"st-a1b2": uuid4()})) is OWN
