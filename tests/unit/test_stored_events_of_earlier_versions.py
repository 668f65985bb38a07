"""Event stores written by earlier versions still load, and their records still decode.

``tests/fixtures/stores-v0.1.json`` holds stored events (topic and stored state, as
the recorders keep them) written by version 0.1: HTTP registrations and imports
that recorded ``RowImported`` events and an ``import_ref`` in ``PersonRegistered``.
``tests/fixtures/intake-consents-v0.1.json`` holds consents 0.1 stored and published
(recipient kinds, version 1), which load and decode as version 2 (parties).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from services.bootstrap import build_container
from services.foreign_office.domain import ResidenceFile
from services.intake.application import IntakeApplication
from services.intake.commands import ChangeConsentScope, RevokeConsent
from services.intake.domain import Case, ConsentWideningError
from services.kobiz.domain import CounsellingFile
from shared.bus.wire import PoisonMessageError, decode
from shared.events import catalogue as ev
from shared.events import upcast_wire
from shared.events.common import DataCategory
from shared.policy.consent import ConsentState, covering_consent
from shared.projection.memory import InMemoryCaseHistoryStore
from shared.projection.records import ConsumedRecord, TimelineEntry
from shared.service import Service

STORES: dict[str, list[dict[str, Any]]] = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "stores-v0.1.json").read_text()
)


def load(service: Service) -> Any:
    """A fresh in-memory application holding the stored events of version 0.1."""
    app = build_container(service, in_memory=True).app
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=UUID(e["originator_id"]),
                originator_version=e["originator_version"],
                topic=e["topic"],
                state=base64.b64decode(e["state"]),
            )
            for e in STORES[service.value]
        ]
    )
    return app


def aggregate_ids(service: Service) -> list[UUID]:
    return sorted({UUID(e["originator_id"]) for e in STORES[service.value]})


def test_intake_cases_of_earlier_versions_load_with_their_imported_refs() -> None:
    app = load(Service.INTAKE)
    cases = [app.get_aggregate(case_id, Case) for case_id in aggregate_ids(Service.INTAKE)]
    assert sorted(c.status for c in cases) == ["open", "open"]
    by_name = {c.family_name: c for c in cases}
    assert by_name["Import"].imported_refs == {"ALT-1", "ALT-1/open"}
    assert by_name["Alt"].imported_refs == {"http:legacy-key", "http:legacy-open"}
    assert by_name["Import"].registered_on.isoformat() == "2016-03-01"


@pytest.mark.parametrize(
    ("service", "cls"), [(Service.FOREIGN_OFFICE, ResidenceFile), (Service.KOBIZ, CounsellingFile)]
)
def test_department_files_of_earlier_versions_load(service: Service, cls: type[Any]) -> None:
    app = load(service)
    (case_id,) = aggregate_ids(service)
    file = app.get_aggregate(case_id, cls)
    assert file.version == 3
    assert file.imported_refs == {"http:legacy-k2"}


# --- consents of version 0.1: recipient kinds, upcast to parties ------------------------------
#
# ``tests/fixtures/intake-consents-v0.1.json`` was written by the code at git 6984955 (in a
# temporary worktree, through IntakeApplication's use cases): a case with consent ...0001 naming
# foreign_office, jobcenter and course_provider — partner *kinds* — narrowed on 2026-03-01 and
# widened again on 2026-05-01 (0.1 allowed that), and consent ...0002 naming kobiz and
# welfare_organisation, revoked on 2026-04-01; and the v1 CloudEvents 0.1 published for them.

CONSENTS_V01: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "intake-consents-v0.1.json").read_text()
)
C1, C2 = "0c0f0000-0000-4000-8000-000000000001", "0c0f0000-0000-4000-8000-000000000002"


def consents_app() -> IntakeApplication:
    app = build_container(Service.INTAKE, in_memory=True).app
    assert isinstance(app, IntakeApplication)
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=UUID(e["originator_id"]),
                originator_version=e["originator_version"],
                topic=e["topic"],
                state=base64.b64decode(e["state"]),
            )
            for e in CONSENTS_V01["intake"]
        ]
    )
    return app


def test_consents_of_version_0_1_load_naming_departments_and_no_partner() -> None:
    app = consents_app()
    (case_id,) = {UUID(e["originator_id"]) for e in CONSENTS_V01["intake"]}
    case = app.get_case(case_id)
    assert case.status == "open" and case.version == 7
    first, second = case.consents[C1], case.consents[C2]
    # A department kind is its own party; a partner kind names no party of that kind (fail closed).
    # The change 0.1 stored on 2026-05-01 (foreign office: status and identity) released nothing
    # that was not in force before: what stays is what both name.
    assert first["scopes"] == [{"recipient": "foreign_office", "categories": ["status"], "secrecy_release": False}]
    assert first["named"] == ["course_provider:unbenannt", "foreign_office", "jobcenter:unbenannt"]
    assert (first["form_version"], first["language"], first["interpreter_used"]) == ("KIM-EW-2025-1", "ar", True)
    assert second["revoked_on"] == date(2026, 4, 1)
    events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start=1, limit=100)]
    revoked = next(e for e in events if isinstance(e, Case.ConsentRevoked))
    assert revoked.prior_recipients == ["kobiz", "welfare_organisation:unbenannt"]
    granted = next(e for e in events if isinstance(e, Case.ConsentGranted))
    assert [s["recipient"] for s in granted.scopes] == [
        "foreign_office",
        "jobcenter:unbenannt",
        "course_provider:unbenannt",
    ]

    # The case goes on under the current rules: no widening, and a revocation tells every party named.
    with pytest.raises(ConsentWideningError):
        app.change_consent_scope(
            case_id,
            ChangeConsentScope.model_validate(
                {
                    "consent_id": C1,
                    "effective_on": "2026-06-01",
                    "scopes": [{"recipient": "foreign_office", "categories": ["status", "identity"]}],
                }
            ),
        )
    app.revoke_consent(case_id, RevokeConsent.model_validate({"consent_id": C1, "effective_on": "2026-06-01"}))
    (stored,) = app.recorder.select_notifications(start=8, limit=1)
    assert b'"class_version":2' in stored.state
    last = app.mapper.to_domain_event(stored)
    assert isinstance(last, Case.ConsentRevoked)
    assert last.prior_recipients == ["course_provider:unbenannt", "foreign_office", "jobcenter:unbenannt"]


def wire_records_v01() -> list[tuple[list[tuple[str, bytes]], bytes, bytes]]:
    return [
        (
            [(k, base64.b64decode(v)) for k, v in w["headers"]],
            base64.b64decode(w["key"]),
            base64.b64decode(w["value"]),
        )
        for w in CONSENTS_V01["wire"]
    ]


def test_v1_records_on_the_topics_are_decoded_as_the_current_version() -> None:
    decoded = [decode(headers, key, value) for headers, key, value in wire_records_v01()]
    assert [dict(h)["ce_type"] for h, _, _ in wire_records_v01()][0] == b"de.nrw.kim.intake.ConsentGranted.v1"
    assert [e.type for e in decoded] == [
        "de.nrw.kim.intake.ConsentGranted.v2",
        "de.nrw.kim.intake.ConsentScopeChanged.v2",
        "de.nrw.kim.intake.ConsentGranted.v2",
        "de.nrw.kim.intake.ConsentRevoked.v2",
        "de.nrw.kim.intake.ConsentScopeChanged.v2",
    ]
    granted = decoded[0].event
    assert isinstance(granted, ev.ConsentGranted)
    assert [(s.recipient, s.secrecy_release) for s in granted.scopes] == [
        ("foreign_office", False),
        ("jobcenter:unbenannt", False),
        ("course_provider:unbenannt", False),
    ]
    assert (granted.form_version, granted.language, granted.interpreter_used) == ("KIM-EW-2025-1", "ar", True)
    revoked = decoded[3].event
    assert isinstance(revoked, ev.ConsentRevoked)
    assert revoked.prior_recipients == ["kobiz", "welfare_organisation:unbenannt"]
    # Applied by a projection: the foreign office holds the records naming it; no partner is covered.
    store = InMemoryCaseHistoryStore(Service.FOREIGN_OFFICE)
    records = [
        ConsumedRecord("t.intake", 0, offset, envelope=env, key=key, value=value, headers=headers)
        for offset, (env, (headers, key, value)) in enumerate(zip(decoded, wire_records_v01(), strict=True))
    ]
    store.apply_batch(records, {}, today=date(2026, 6, 1))
    case_id = decoded[0].case_id
    assert [e.type.split(".")[-2] for e in store.timeline(case_id)] == [
        "ConsentGranted",
        "ConsentScopeChanged",
        "ConsentScopeChanged",
    ]
    consents = store.consents_of(case_id)
    day = date(2026, 6, 1)
    assert covering_consent(consents, "foreign_office", DataCategory.STATUS, day) == C1
    assert covering_consent(consents, "foreign_office", DataCategory.IDENTITY, day) is None  # the 0.1 widening
    for party in ("jobcenter:jc-euskirchen", "jobcenter:unbenannt", "course_provider:vhs-euskirchen"):
        assert covering_consent(consents, party, DataCategory.STATUS, day) is None, party


def test_an_unknown_version_is_still_poison() -> None:
    headers, key, value = wire_records_v01()[0]
    newer = [(k, b"de.nrw.kim.intake.ConsentGranted.v3" if k == "ce_type" else v) for k, v in headers]
    with pytest.raises(PoisonMessageError, match="unknown event type or version"):
        decode(newer, key, value)
    assert upcast_wire("de.nrw.kim.intake.CaseOpened.v0", {}) is None
    # A v1 body that was invalid stays invalid after upcasting: the current model says why.
    body = json.loads(value) | {"scopes": [{"recipient": "police", "categories": ["status"]}]}
    with pytest.raises(
        PoisonMessageError, match=r"invalid de\.nrw\.kim\.intake\.ConsentGranted\.v1: scopes\.0\.recipient"
    ):
        decode(headers, key, json.dumps(body).encode())


def test_a_view_kept_by_an_earlier_version_reads_its_consent_entries_and_states() -> None:
    headers, key, value = wire_records_v01()[0]
    body = json.loads(value)
    kept = TimelineEntry(
        event_id=uuid4(),
        source=Service.INTAKE,
        sequence=2,
        type="de.nrw.kim.intake.ConsentGranted.v1",
        recorded_at=datetime(2026, 1, 5, tzinfo=UTC),
        valid_on=date(2026, 1, 5),
        data=body,
        basis="named_in_consent",
    )
    event = kept.envelope(UUID(body["case_id"])).event
    assert isinstance(event, ev.ConsentGranted) and event.scopes[1].recipient == "jobcenter:unbenannt"
    assert kept.parties("foreign_office") == {"foreign_office": "named_in_consent"}
    # case_consents.state as 0.1 stored it: recipient kinds with their categories.
    state = ConsentState.model_validate(
        {
            "consent_id": C1,
            "purpose": "prepare_application_25b",
            "valid_from": "2026-01-05",
            "valid_until": "2027-06-30",
            "scopes": {"foreign_office": ["status"], "jobcenter": ["status", "work_income"]},
            "changes": [{"effective_on": "2026-03-01", "scopes": {"jobcenter": ["status"]}}],
            "revoked_on": None,
        }
    )
    assert set(state.scopes) == {"foreign_office", "jobcenter:unbenannt"}
    assert state.covers("foreign_office", DataCategory.STATUS, date(2026, 2, 1))
    assert not state.covers("foreign_office", DataCategory.STATUS, date(2026, 3, 1))  # narrowed away
    assert not state.covers("jobcenter:jc-euskirchen", DataCategory.STATUS, date(2026, 2, 1))
