"""The published language: every event is translated, governed by policy, and valid on the wire."""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat

from services.foreign_office.application import INTERNAL_EVENTS as FO_INTERNAL
from services.foreign_office.domain import ResidenceFile
from services.intake.application import INTERNAL_EVENTS as INTAKE_INTERNAL
from services.intake.domain import Case
from services.kobiz.application import INTERNAL_EVENTS as KOBIZ_INTERNAL
from services.kobiz.domain import CounsellingFile
from services.bootstrap import build_container
from shared import policy
from shared.events import ALL_EVENTS, EVENTS_BY_WIRE_TYPE
from shared.events import catalogue as ev
from shared.settings import Service
from shared.wire import PoisonMessageError, decode, encode, event_id

AGGREGATES = {Service.INTAKE: (Case, INTAKE_INTERNAL), Service.FOREIGN_OFFICE: (ResidenceFile, FO_INTERNAL),
              Service.KOBIZ: (CounsellingFile, KOBIZ_INTERNAL)}


def domain_event_classes(aggregate: type) -> list[type]:
    return [c for _, c in inspect.getmembers(aggregate, inspect.isclass)
            if issubclass(c, aggregate.Event) and c is not aggregate.Event and c.__qualname__.startswith(aggregate.__name__ + ".")
            and c.__name__ not in ("Created", "Event")]


def sample(cls: type[ev.IntegrationEvent]) -> ev.IntegrationEvent:
    examples: dict[str, Any] = {
        "case_id": uuid4(), "person_id": uuid4(), "consent_id": uuid4(), "registered_on": date(2026, 1, 1),
        "opened_on": date(2026, 1, 2), "case_manager_id": "cm-1", "purpose": "p", "valid_from": date(2026, 1, 1),
        "valid_until": date(2026, 12, 31), "form_version": "v1", "language": "ar", "interpreter_used": False,
        "scopes": [{"recipient": "kobiz", "categories": ["status"]}], "subtype": "60a", "ground_code": "g",
        "work_permitted": True, "residence_condition": False, "clarified_on": date(2026, 2, 1), "method": "passport",
        "norm": "AufenthG_25b", "granted_on": date(2026, 3, 1), "employment_permitted": True,
        "held_on": date(2026, 2, 15),
    }
    fields = {k: v for k, v in examples.items() if k in cls.model_fields}
    return cls(**fields)


def every_event(service: Service) -> list[Any]:
    """Drive one aggregate of the service through every command it has."""
    if service is Service.INTAKE:
        from tests.unit.test_domain import consent_terms, new_case

        case = new_case()
        case.grant_consent(uuid4(), **consent_terms())
        case.open(date(2026, 1, 6), "cm-1")
        return list(case.collect_events())
    if service is Service.FOREIGN_OFFICE:
        file = ResidenceFile(id=uuid4())
        file.issue_tolerated_stay(valid_from=date(2026, 1, 1), valid_until=date(2026, 6, 30), subtype="60a",
                                  ground_code="g", work_permitted=True, residence_condition=False, remarks="intern")
        file.clarify_identity(date(2026, 2, 1), "passport", "ref")
        file.grant_residence_permit(valid_from=date(2026, 3, 1), valid_until=date(2028, 2, 29), norm="AufenthG_25b",
                                    granted_on=date(2026, 3, 1), employment_permitted=True, conditions="intern")
        return list(file.collect_events())
    kobiz = CounsellingFile(id=uuid4())
    kobiz.hold_counselling(date(2026, 2, 15), ["t"], ["AufenthG_25b"], ["n"], "Notiz", "k-1")
    return list(kobiz.collect_events())


@pytest.mark.parametrize("service", list(Service))
def test_every_domain_event_is_translated_or_declared_internal(service: Service) -> None:
    aggregate, internal = AGGREGATES[service]
    app = build_container(service, in_memory=True).app
    events = every_event(service)
    assert {type(e) for e in events} == set(domain_event_classes(aggregate)), "scenario must cover every event"
    for event in events:
        integration = app.translate(event)
        assert (integration is None) == (type(event) in internal), type(event).__qualname__
        if integration is not None:
            assert integration.case_id == event.originator_id
            rule = policy.rule_for(type(integration))
            assert rule is not None and rule.published
            assert "intern" not in integration.model_dump_json() and "Notiz" not in integration.model_dump_json()


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=lambda c: c.name)
def test_every_integration_event_has_a_rule_and_round_trips_as_a_cloudevent(cls: type[ev.IntegrationEvent]) -> None:
    rule = policy.rule_for(cls)
    assert rule is not None and rule.published
    event = sample(cls)
    message = encode(event, aggregate_id=event.case_id, aggregate_version=3,
                     recorded_at=datetime(2026, 5, 1, 12, tzinfo=UTC), notification_id=17)
    headers = dict(message.headers)
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == f"de.nrw.kim.{cls.owner.slug}.{cls.name}.v1".encode()
    assert headers["ce_subject"] == str(event.case_id).encode() == message.key
    assert headers["ce_id"] == str(event_id(cls.owner, event.case_id, 3)).encode()
    # An independent parse with the SDK only:
    parsed = ce_kafka.from_binary(ce_kafka.KafkaMessage(headers=headers, key=message.key, value=message.value), JSONFormat())
    assert parsed.get_source() == f"/kim/{cls.owner.slug}"
    envelope = decode(message.headers, message.key, message.value)
    assert envelope.event == event and envelope.sequence == 17
    assert EVENTS_BY_WIRE_TYPE[envelope.type] is cls


def test_secret_and_unruled_events_are_never_published() -> None:
    assert policy.rule_for("de.nrw.kim.foreign-office.RemovalScheduled.v1") is None
    assert not policy.may_receive(Service.KOBIZ, "de.nrw.kim.foreign-office.RemovalScheduled.v1")
    secret = policy.SharingRule(ev.ToleratedStayIssued, policy.Sensitivity.SECRET, {ev.Recipient.KOBIZ: policy.C})
    assert not secret.published


def test_counselling_codes_cross_but_never_notes() -> None:
    assert "notes" not in ev.PerspectiveCounsellingHeld.model_fields
    assert "counsellor_id" not in ev.PerspectiveCounsellingHeld.model_fields
    assert "remarks" not in ev.ToleratedStayIssued.model_fields
    assert not {"family_name", "given_names", "birth_date", "contact"} & set(ev.PersonRegistered.model_fields)
    with pytest.raises(ValueError, match="notes"):
        ev.PerspectiveCounsellingHeld(case_id=uuid4(), held_on=date(2026, 1, 1), notes="x")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("headers", "key", "value", "reason"),
    [
        ([], b"k", b"not json", "not a CloudEvent"),
        ([("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"/kim/intake"), ("ce_type", b"de.nrw.kim.intake.Unknown.v1")],
         None, b"{}", "unknown event type"),
        ([("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"/kim/kobiz"), ("ce_type", b"de.nrw.kim.intake.CaseOpened.v1")],
         None, b"{}", "does not own"),
        ([("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"/kim/intake"), ("ce_type", b"de.nrw.kim.intake.CaseOpened.v2")],
         None, b"{}", "unknown event type or version"),
        ([("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"/kim/intake"), ("ce_type", b"de.nrw.kim.intake.CaseOpened.v1"),
          ("content-type", b"application/json"), ("ce_sequence", b"1")], None, b'{"case_id": "nope"}', "invalid"),
    ],
)
def test_malformed_records_are_poison(headers: list[tuple[str, bytes]], key: bytes | None, value: bytes, reason: str) -> None:
    with pytest.raises(PoisonMessageError, match=reason):
        decode(headers, key, value)
