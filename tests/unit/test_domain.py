"""Invariants of the three departments' aggregates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID, uuid4

import pytest

from services.foreign_office.domain import (
    IdentityAlreadyClarifiedError,
    InvalidPeriodError,
    NoPendingApplicationError,
    ResidenceFile,
)
from services.intake.application import IntakeApplication
from services.intake.domain import (
    Case,
    CaseAlreadyOpenError,
    CaseClosedError,
    CaseNotOpenError,
    ConsentAlreadyRevokedError,
    DuplicateConsentError,
    UnknownConsentError,
)
from services.kobiz.domain import CounsellingFile
from shared.persistence.memory import MEMORY_FACTORY


def new_case() -> Case:
    return Case(
        person_id=uuid4(),
        registered_on=date(2026, 1, 5),
        family_name="X",
        given_names="Y",
        birth_date=date(2000, 1, 1),
        languages=["ar"],
        claimed_nationalities=["SYR"],
        contact=None,
    )


def grant(case: Case, consent_id: UUID) -> None:
    """Record a consent naming the foreign office for status data."""
    case.grant_consent(
        consent_id,
        scopes=[{"recipient": "foreign_office", "categories": ["status"]}],
        purpose="prepare_application_25b",
        valid_from=date(2026, 1, 6),
        valid_until=date(2027, 1, 6),
        form_version="v1",
        language="ar",
        interpreter_used=False,
    )


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
    grant(case, consent_id)
    with pytest.raises(DuplicateConsentError):
        grant(case, consent_id)
    assert len(case.consents) == 1


def test_validity_periods_must_not_end_before_they_start() -> None:
    file = ResidenceFile(id=uuid4())
    with pytest.raises(InvalidPeriodError):
        file.issue_tolerated_stay(
            valid_from=date(2026, 5, 1),
            valid_until=date(2026, 4, 30),
            subtype="60a",
            ground_code="x",
            work_permitted=False,
            residence_condition=False,
            remarks=None,
            corrects=None,
        )
    with pytest.raises(InvalidPeriodError):
        file.grant_residence_permit(
            valid_from=date(2026, 5, 1),
            valid_until=date(2026, 4, 30),
            norm="AufenthG_25b",
            granted_on=date(2026, 5, 1),
            employment_permitted=True,
            conditions=None,
            decided_by="abh-sb-4",
            rule_version_ids=["AufenthG_25b@2026-01-01"],
            corrects=None,
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


# --- consent --------------------------------------------------------------------------------


def test_a_consent_is_revoked_once_and_its_record_stays() -> None:
    case = new_case()
    consent_id = uuid4()
    grant(case, consent_id)
    case.revoke_consent(consent_id, date(2026, 3, 1))
    with pytest.raises(ConsentAlreadyRevokedError):
        case.revoke_consent(consent_id, date(2026, 4, 1))
    with pytest.raises(ConsentAlreadyRevokedError):
        case.change_consent_scope(consent_id, [{"recipient": "kobiz", "categories": ["status"]}], date(2026, 4, 1))
    assert case.consents[str(consent_id)]["revoked_on"] == date(2026, 3, 1)
    events = list(case.collect_events())
    assert [type(e).__name__ for e in events] == ["PersonRegistered", "ConsentGranted", "ConsentRevoked"]
    assert events[-1].prior_recipients == ["foreign_office"]  # type: ignore[attr-defined]  # fields of an @event class are not typed


def test_only_a_recorded_consent_can_be_changed_or_revoked() -> None:
    case = new_case()
    with pytest.raises(UnknownConsentError):
        case.revoke_consent(uuid4(), date(2026, 3, 1))
    with pytest.raises(UnknownConsentError):
        case.change_consent_scope(uuid4(), [{"recipient": "kobiz", "categories": ["status"]}], date(2026, 3, 1))
    consent_id = uuid4()
    grant(case, consent_id)
    scopes = [{"recipient": "kobiz", "categories": ["status", "identity"]}]
    case.change_consent_scope(consent_id, scopes, date(2026, 3, 1))
    assert case.consents[str(consent_id)]["scopes"] == scopes
    case.revoke_consent(consent_id, date(2026, 4, 1))
    # Every recipient the consent ever named is notified of the revocation (Art. 19 DSGVO).
    revoked = list(case.collect_events())[-1]
    assert revoked.prior_recipients == ["foreign_office", "kobiz"]  # type: ignore[attr-defined]  # fields of an @event class are not typed


# --- the case's life cycle at intake ----------------------------------------------------------


def test_case_management_needs_an_open_case() -> None:
    case = new_case()
    with pytest.raises(CaseNotOpenError):
        case.agree_integration_plan(date(2026, 1, 10), "AufenthG_25b", [], None)
    with pytest.raises(CaseNotOpenError):
        case.close(date(2026, 1, 10), "other")
    case.receive_referral(date(2026, 1, 4), "self", [], None)  # a referral comes before the opening
    assert case.version == 2


def test_a_closed_case_takes_no_new_events_except_corrections() -> None:
    case = new_case()
    consent_id = uuid4()
    grant(case, consent_id)
    case.open(date(2026, 1, 6), "cm-1")
    case.receive_referral(date(2026, 1, 7), "school", ["perspective"], None)
    case.close(date(2026, 6, 30), "goal_reached")
    assert case.status == "closed"
    version = case.version

    def plan(corrects: UUID | None) -> None:
        case.agree_integration_plan(date(2026, 7, 1), "AufenthG_25b", [], corrects)

    def conference(corrects: UUID | None) -> None:
        case.hold_case_conference(date(2026, 7, 1), ["kobiz"], [], None, corrects)

    refused: list[Callable[[], None]] = [
        lambda: case.receive_referral(date(2026, 7, 1), "self", [], None),
        lambda: grant(case, uuid4()),
        lambda: plan(None),
        lambda: conference(None),
        lambda: case.refer_to_return_counselling(date(2026, 7, 1), "caritas", None),
        lambda: case.close(date(2026, 7, 1), "other"),
    ]
    for attempt in refused:
        with pytest.raises(CaseClosedError):
            attempt()
    with pytest.raises(CaseAlreadyOpenError):
        case.open(date(2026, 7, 1), "cm-2")
    assert case.version == version
    # Corrections of earlier entries are still recorded.
    earlier = uuid4()
    case.receive_referral(date(2026, 1, 8), "school", ["perspective"], earlier)
    plan(earlier)
    conference(earlier)
    case.refer_to_return_counselling(date(2026, 7, 1), "caritas", earlier)
    assert case.version == version + 4 and case.status == "closed"
    corrections = list(case.collect_events())[-4:]
    assert all(e.corrects == earlier for e in corrections)  # type: ignore[attr-defined]  # fields of an @event class are not typed
    # The person may revoke a consent at any time (Art. 7(3) DSGVO), also after the case closed.
    case.revoke_consent(consent_id, date(2026, 8, 1))
    assert case.consents[str(consent_id)]["revoked_on"] == date(2026, 8, 1)


def test_a_registration_gets_a_new_random_case_id() -> None:
    # Imports no longer derive case ids from their rows (their refs are idempotency keys now).
    ids = {new_case().id for _ in range(3)}
    assert len(ids) == 3 and {i.version for i in ids} == {4}


def test_row_imported_events_of_earlier_imports_still_load() -> None:
    """Stores written by earlier imports hold ``import_ref`` and RowImported events; they must load."""
    app = IntakeApplication({"PERSISTENCE_MODULE": MEMORY_FACTORY})
    case = Case(
        person_id=uuid4(),
        registered_on=date(2019, 3, 4),
        family_name="X",
        given_names="Y",
        birth_date=date(1990, 2, 1),
        languages=[],
        claimed_nationalities=[],
        contact=None,
        import_ref="alt-17",
    )
    case.record_import("alt-17-o")
    app.save(case)
    loaded = app.get_case(case.id)
    assert loaded.imported_refs == {"alt-17", "alt-17-o"} and loaded.version == 2
    assert app.translate(app.mapper.to_domain_event(app.recorder.select_notifications(start=2, limit=1)[0])) is None


# --- the foreign office --------------------------------------------------------------------------


def refuse(file: ResidenceFile, corrects: UUID | None = None) -> None:
    """Refuse a permit under § 25b (a decision by a person)."""
    file.refuse_residence_permit(
        "AufenthG_25b",
        refused_on=date(2026, 4, 1),
        ground_codes=["livelihood"],
        conviction_ground=False,
        decided_by="abh-sb-4",
        rule_version_ids=["AufenthG_25b@2026-01-01"],
        corrects=corrects,
    )


def test_a_refusal_needs_a_pending_application_under_the_same_norm() -> None:
    file = ResidenceFile(id=uuid4())
    with pytest.raises(NoPendingApplicationError):
        refuse(file)
    file.apply_for_residence_permit(date(2026, 2, 1), "AufenthG_25a", None)
    with pytest.raises(NoPendingApplicationError):
        refuse(file)
    file.apply_for_residence_permit(date(2026, 2, 2), "AufenthG_25b", None)
    refuse(file)
    assert file.pending_applications == {"AufenthG_25a": date(2026, 2, 1)}
    assert file.decisions[-1] == {
        "norm": "AufenthG_25b",
        "outcome": "refused",
        "decided_by": "abh-sb-4",
        "rule_version_ids": ["AufenthG_25b@2026-01-01"],
    }
    with pytest.raises(NoPendingApplicationError):
        refuse(file)  # decided already
    refuse(file, corrects=uuid4())  # a correction of the refusal
    assert [d["outcome"] for d in file.decisions] == ["refused", "refused"]


def test_a_grant_closes_the_pending_application_and_records_who_decided() -> None:
    file = ResidenceFile(id=uuid4())
    file.apply_for_residence_permit(date(2026, 2, 1), "AufenthG_25b", None)
    file.grant_residence_permit(
        valid_from=date(2026, 3, 1),
        valid_until=date(2028, 2, 29),
        norm="AufenthG_25b",
        granted_on=date(2026, 3, 1),
        employment_permitted=True,
        conditions="INTERN Auflage",
        decided_by="abh-sb-4",
        rule_version_ids=["AufenthG_25b@2026-01-01"],
        corrects=None,
    )
    assert file.pending_applications == {}
    assert file.decisions == [
        {
            "norm": "AufenthG_25b",
            "outcome": "granted",
            "decided_by": "abh-sb-4",
            "rule_version_ids": ["AufenthG_25b@2026-01-01"],
        }
    ]
    with pytest.raises(NoPendingApplicationError):
        refuse(file)


def test_identity_is_clarified_twice_only_as_a_correction() -> None:
    file = ResidenceFile(id=uuid4())
    file.clarify_identity(date(2026, 2, 1), "passport", None)
    with pytest.raises(IdentityAlreadyClarifiedError):
        file.clarify_identity(date(2026, 3, 1), "id_card", None, corrects=None)
    file.clarify_identity(date(2026, 1, 20), "id_card", None, corrects=uuid4())
    assert file.identity_clarified_on == date(2026, 1, 20)
    assert [type(e).__name__ for e in file.collect_events()] == ["FileOpened", "IdentityClarified", "IdentityClarified"]
