"""Invariants of the three departments' aggregates."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from services.foreign_office.domain import IdentityAlreadyClarifiedError, InvalidPeriodError, ResidenceFile
from services.intake.domain import Case, CaseAlreadyOpenError, DuplicateConsentError
from services.kobiz.domain import CounsellingFile


def new_case() -> Case:
    return Case(
        person_id=uuid4(), registered_on=date(2026, 1, 5), family_name="X", given_names="Y",
        birth_date=date(2000, 1, 1), languages=["ar"], claimed_nationalities=["SYR"], contact=None,
    )


def consent_terms() -> dict[str, object]:
    return {
        "scopes": [{"recipient": "foreign_office", "categories": ["status"]}], "purpose": "prepare_25b",
        "valid_from": date(2026, 1, 6), "valid_until": date(2027, 1, 6), "form_version": "v1",
        "language": "ar", "interpreter_used": False,
    }


def test_a_case_opens_once() -> None:
    case = new_case()
    assert case.status == "registered"
    case.open(date(2026, 1, 6), "cm-1")
    assert case.status == "open"
    with pytest.raises(CaseAlreadyOpenError):
        case.open(date(2026, 1, 7), "cm-2")
    assert [type(e).__name__ for e in case.collect_events()] == ["PersonRegistered", "CaseOpened"]


def test_a_consent_id_is_recorded_once() -> None:
    case = new_case()
    consent_id = uuid4()
    case.grant_consent(consent_id, **consent_terms())
    with pytest.raises(DuplicateConsentError):
        case.grant_consent(consent_id, **consent_terms())
    assert len(case.consents) == 1


def test_validity_periods_must_not_end_before_they_start() -> None:
    file = ResidenceFile(id=uuid4())
    with pytest.raises(InvalidPeriodError):
        file.issue_tolerated_stay(
            valid_from=date(2026, 5, 1), valid_until=date(2026, 4, 30), subtype="60a", ground_code="x",
            work_permitted=False, residence_condition=False, remarks=None,
        )
    with pytest.raises(InvalidPeriodError):
        file.grant_residence_permit(
            valid_from=date(2026, 5, 1), valid_until=date(2026, 4, 30), norm="AufenthG_25b",
            granted_on=date(2026, 5, 1), employment_permitted=True, conditions=None,
        )
    assert file.version == 1


def test_identity_is_clarified_once() -> None:
    file = ResidenceFile(id=uuid4())
    file.clarify_identity(date(2026, 2, 1), "passport", None)
    with pytest.raises(IdentityAlreadyClarifiedError):
        file.clarify_identity(date(2026, 3, 1), "id_card", None)
    assert file.identity_clarified_on == date(2026, 2, 1)


def test_department_files_are_keyed_by_the_case_id() -> None:
    case_id = uuid4()
    file = CounsellingFile(id=case_id)
    file.hold_counselling(date(2026, 2, 15), ["t"], ["AufenthG_25b"], ["n"], "Notiz", "k-1")
    assert file.id == case_id
    assert file.sessions[0]["notes"] == "Notiz"
