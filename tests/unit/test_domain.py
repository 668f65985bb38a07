"""Invariants of the three departments' aggregates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.foreign_office import commands as fo
from services.foreign_office.domain import AlreadyLinkedError as FileAlreadyLinkedError
from services.foreign_office.domain import (
    FileClosedError,
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
    ConsentWideningError,
    DuplicateConsentError,
    UnknownConsentError,
)
from services.kobiz import commands as kb
from services.kobiz.domain import AlreadyLinkedError as CounsellingFileAlreadyLinkedError
from services.kobiz.domain import CounsellingFile
from shared.persistence.memory import MEMORY_FACTORY
from shared.service import Service
from tests.support.walk import command


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


def grant(case: Case, consent_id: UUID, scopes: list[dict[str, Any]] | None = None) -> None:
    """Record a consent (by default naming the foreign office for status data)."""
    case.grant_consent(
        consent_id,
        scopes=scopes or [{"recipient": "foreign_office", "categories": ["status"], "secrecy_release": False}],
        purpose="prepare_application_25b",
        valid_from=date(2026, 1, 6),
        valid_until=date(2027, 1, 6),
        form_version="KIM-EW-2025-1",
        language="ar",
        interpreter_used=False,
    )


def test_a_case_opens_once() -> None:
    case = new_case()
    assert case.status == "registered"
    case.open(date(2026, 1, 6), "st-cm0001")
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


def residence_file() -> ResidenceFile:
    """A new foreign-office file on a person (not linked to any KIM case)."""
    return ResidenceFile.open(command(Service.FOREIGN_OFFICE, "open_file"))


def backwards(name: str) -> Any:
    """A command whose period ends before it starts, built without validation (the boundary refuses it as 422;
    the domain keeps its own invariant for any other way in)."""
    valid = command(Service.FOREIGN_OFFICE, name)
    return valid.model_copy(update={"valid_from": date(2026, 5, 1), "valid_until": date(2026, 4, 30)})


def test_validity_periods_must_not_end_before_they_start() -> None:
    file = residence_file()
    with pytest.raises(InvalidPeriodError):
        file.issue_tolerated_stay(backwards("issue_tolerated_stay"))
    with pytest.raises(InvalidPeriodError):
        file.grant_residence_permit(backwards("grant_residence_permit"))
    assert file.version == 1


def clarify(file: ResidenceFile, on: date, method: str = "passport", corrects: UUID | None = None) -> None:
    file.clarify_identity(
        fo.ClarifyIdentity.model_validate({"clarified_on": on, "method": method, "corrects": corrects})
    )


def test_identity_is_clarified_once() -> None:
    file = residence_file()
    clarify(file, date(2026, 2, 1))
    with pytest.raises(IdentityAlreadyClarifiedError):
        clarify(file, date(2026, 3, 1), "id_card")
    assert file.identity_clarified_on == date(2026, 2, 1)


def test_department_files_have_their_own_ids_and_are_linked_to_a_kim_case_once() -> None:
    # Changed on purpose: a department's file is no longer keyed by the KIM case.
    case_id = uuid4()
    counselling = CounsellingFile.open(kb.OpenCounsellingFile(opened_on=date(2026, 2, 1), case_id=case_id))
    counselling.hold_counselling(command(Service.KOBIZ, "hold_counselling", notes="Notiz"))
    assert counselling.id != case_id and counselling.id.version == 4
    assert (counselling.kim_case_id, counselling.linked_in_version) == (case_id, 1), "linked from the start"
    assert counselling.sessions[0]["notes"] == "Notiz"
    with pytest.raises(CounsellingFileAlreadyLinkedError):
        counselling.link_to_kim_case(uuid4(), date(2026, 2, 2))

    outside = CounsellingFile.open(kb.OpenCounsellingFile(opened_on=date(2026, 2, 1)))
    assert (outside.kim_case_id, outside.linked_in_version) == (None, None)
    outside.link_to_kim_case(case_id, date(2026, 3, 1))
    assert (outside.kim_case_id, outside.linked_in_version) == (case_id, 2)

    file = residence_file()
    assert file.id != residence_file().id and (file.kim_case_id, file.linked_in_version) == (None, None)
    file.record_entry(command(Service.FOREIGN_OFFICE, "record_entry"))
    file.link_to_kim_case(case_id, date(2026, 3, 1))
    assert (file.kim_case_id, file.linked_in_version) == (case_id, 3)
    with pytest.raises(FileAlreadyLinkedError):
        file.link_to_kim_case(uuid4(), date(2026, 3, 2))
    assert [type(e).__name__ for e in file.collect_events()] == ["FileOpened", "EntryRecorded", "KimCaseLinked"]


def test_a_closed_file_takes_only_corrections() -> None:
    file = residence_file()
    file.close(command(Service.FOREIGN_OFFICE, "close_file"))
    assert file.closed_on == date(2026, 12, 31)
    with pytest.raises(FileClosedError):
        file.check_open(None)
    file.check_open(uuid4())  # a correction of an earlier entry


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
    grant(
        case,
        consent_id,
        [
            {"recipient": "foreign_office", "categories": ["status"], "secrecy_release": False},
            {"recipient": "jobcenter:jc-euskirchen", "categories": ["status", "work_income"], "secrecy_release": False},
        ],
    )
    scopes = [{"recipient": "jobcenter:jc-euskirchen", "categories": ["status"], "secrecy_release": False}]
    case.change_consent_scope(consent_id, scopes, date(2026, 3, 1))
    assert case.consents[str(consent_id)]["scopes"] == scopes
    case.revoke_consent(consent_id, date(2026, 4, 1))
    # Every party the consent ever named is notified of the revocation (Art. 19 DSGVO).
    revoked = list(case.collect_events())[-1]
    assert revoked.prior_recipients == ["foreign_office", "jobcenter:jc-euskirchen"]  # type: ignore[attr-defined]  # fields of an @event class are not typed


def test_a_scope_change_only_narrows_and_widening_needs_a_new_consent() -> None:
    case = new_case()
    consent_id = uuid4()
    counselling = {"recipient": "foreign_office", "categories": ["status", "counselling"], "secrecy_release": True}
    grant(
        case,
        consent_id,
        [counselling, {"recipient": "course_provider:vhs-euskirchen", "categories": ["language_education"]}],
    )
    widenings: dict[str, list[dict[str, Any]]] = {
        "another party of the same kind": [
            {"recipient": "course_provider:vhs-rureifel", "categories": ["language_education"]}
        ],
        "another party": [{"recipient": "kobiz", "categories": ["status"]}],
        "another category": [
            {"recipient": "foreign_office", "categories": ["status", "identity"], "secrecy_release": True}
        ],
        "a secrecy release": [
            {
                "recipient": "course_provider:vhs-euskirchen",
                "categories": ["language_education"],
                "secrecy_release": True,
            }
        ],
    }
    for what, scopes in widenings.items():
        with pytest.raises(ConsentWideningError, match="neue Einwilligung mit eigenem Formular"):
            case.change_consent_scope(consent_id, scopes, date(2026, 3, 1))
        assert case.version == 2, what
    # Narrowing: a party dropped, the secrecy release (and with it the counselling codes) withdrawn.
    narrower = [{"recipient": "foreign_office", "categories": ["status"], "secrecy_release": False}]
    case.change_consent_scope(consent_id, narrower, date(2026, 3, 1))
    assert case.consents[str(consent_id)]["scopes"] == narrower
    # What was withdrawn cannot come back by a later change either.
    with pytest.raises(ConsentWideningError, match="foreign_office/Schweigepflichtentbindung"):
        case.change_consent_scope(consent_id, [counselling], date(2026, 4, 1))
    assert [type(e).__name__ for e in case.collect_events()][-1] == "ConsentScopeChanged"


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
    case.open(date(2026, 1, 6), "st-cm0001")
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
    row_imported = app.mapper.to_domain_event(app.recorder.select_notifications(start=2, limit=1)[0])
    assert app.translate(row_imported, case.id) is None


# --- the foreign office --------------------------------------------------------------------------


def refuse(file: ResidenceFile, corrects: UUID | None = None) -> None:
    """Refuse a permit under § 25b (a decision by a person)."""
    file.refuse_residence_permit(
        command(
            Service.FOREIGN_OFFICE,
            "refuse_residence_permit",
            refused_on="2026-04-01",
            ground_codes=["livelihood_not_secured"],
            decided_by="st-abhsb4",
            rule_version_ids=["AufenthG_25b@2026-01-01"],
            corrects=corrects,
        )
    )


def apply_for(file: ResidenceFile, on: date, norm: str) -> None:
    file.apply_for_residence_permit(
        command(Service.FOREIGN_OFFICE, "apply_for_residence_permit", applied_on=on, norm=norm)
    )


def test_a_refusal_needs_a_pending_application_under_the_same_norm() -> None:
    file = residence_file()
    with pytest.raises(NoPendingApplicationError):
        refuse(file)
    apply_for(file, date(2026, 2, 1), "AufenthG_25a")
    with pytest.raises(NoPendingApplicationError):
        refuse(file)
    apply_for(file, date(2026, 2, 2), "AufenthG_25b")
    refuse(file)
    assert file.pending_applications == {"AufenthG_25a": date(2026, 2, 1)}
    assert file.decisions[-1] == {
        "norm": "AufenthG_25b",
        "outcome": "refused",
        "decided_by": "st-abhsb4",
        "rule_version_ids": ["AufenthG_25b@2026-01-01"],
    }
    with pytest.raises(NoPendingApplicationError):
        refuse(file)  # decided already
    refuse(file, corrects=uuid4())  # a correction of the refusal
    assert [d["outcome"] for d in file.decisions] == ["refused", "refused"]


def test_a_grant_closes_the_pending_application_and_records_who_decided() -> None:
    file = residence_file()
    apply_for(file, date(2026, 2, 1), "AufenthG_25b")
    file.grant_residence_permit(
        command(
            Service.FOREIGN_OFFICE,
            "grant_residence_permit",
            valid_from="2026-03-01",
            valid_until="2028-02-29",
            granted_on="2026-03-01",
            decided_by="st-abhsb4",
            rule_version_ids=["AufenthG_25b@2026-01-01"],
        )
    )
    assert file.pending_applications == {}
    assert file.decisions == [
        {
            "norm": "AufenthG_25b",
            "outcome": "granted",
            "decided_by": "st-abhsb4",
            "rule_version_ids": ["AufenthG_25b@2026-01-01"],
        }
    ]
    with pytest.raises(NoPendingApplicationError):
        refuse(file)


def test_identity_is_clarified_twice_only_as_a_correction() -> None:
    file = residence_file()
    clarify(file, date(2026, 2, 1))
    with pytest.raises(IdentityAlreadyClarifiedError):
        clarify(file, date(2026, 3, 1), "id_card")
    clarify(file, date(2026, 1, 20), "id_card", corrects=uuid4())
    assert file.identity_clarified_on == date(2026, 1, 20)
    assert [type(e).__name__ for e in file.collect_events()] == ["FileOpened", "IdentityClarified", "IdentityClarified"]
