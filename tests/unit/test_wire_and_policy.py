"""The published language: every event is translated, governed by policy, and valid on the wire."""

from __future__ import annotations

import functools
import inspect
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import Any
from uuid import UUID, uuid4

import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from eventsourcing.domain import Aggregate, DomainEvent
from pydantic import ValidationError

from services.bootstrap import build_container
from services.foreign_office import events as fo_events
from services.foreign_office.application import INTERNAL_EVENTS as FO_INTERNAL
from services.intake.application import INTERNAL_EVENTS as INTAKE_INTERNAL
from services.intake.commands import ChangeConsentScope, GrantConsent
from services.intake.domain import Case
from services.kobiz import events as kobiz_events
from services.kobiz.application import INTERNAL_EVENTS as KOBIZ_INTERNAL
from shared import staffing
from shared.application.base import CaseApplication
from shared.application.results import Saved
from shared.bus.wire import PoisonMessageError, decode, encode
from shared.events import ALL_EVENTS, EVENTS_BY_WIRE_TYPE
from shared.events import catalogue as ev
from shared.events.base import FileEvent, event_id
from shared.events.common import ConsentScope, DataCategory, Purpose, Recipient
from shared.events.vocabulary import ToleranceGround
from shared.policy import sharing as policy
from shared.policy.consent import ConsentState, PartyScope, apply_consent_event, covering_consent
from shared.service import Service
from tests.support.projection_suite import Feed, of_case
from tests.support.walk import COMMANDS, STAYS_HOME, WALKS, body, know, walk

EVENTS: dict[Service, tuple[ModuleType | type[Aggregate], tuple[type[Any], ...]]] = {
    Service.INTAKE: (Case, INTAKE_INTERNAL),
    Service.FOREIGN_OFFICE: (fo_events, FO_INTERNAL),
    Service.KOBIZ: (kobiz_events, KOBIZ_INTERNAL),
}
"""Where each service declares its domain events (intake: in its aggregate; the departments: in a module)."""
ROW_IMPORTED: dict[Service, type[Aggregate.Event]] = {
    Service.FOREIGN_OFFICE: fo_events.RowImported,
    Service.KOBIZ: kobiz_events.RowImported,
}
"""The departments' event of an imported row, as stores of earlier versions hold it."""


def domain_event_classes(service: Service) -> set[type]:
    declared, internal = EVENTS[service]
    shared_events = {c for c in internal if c.__module__ == staffing.__name__}  # staffing, declared once for all
    if isinstance(declared, ModuleType):
        return shared_events | {
            c
            for c in vars(declared).values()
            if inspect.isclass(c)
            and issubclass(c, DomainEvent)
            and c.__module__.startswith(declared.__name__)
            and c.__name__ != "FileEvent"  # the base of entries that change no state
        }
    return shared_events | {
        c
        for _, c in inspect.getmembers(declared, inspect.isclass)
        if issubclass(c, declared.Event)
        and c is not declared.Event
        and c.__qualname__.startswith(declared.__name__ + ".")
        and c.__name__ not in ("Created", "Event")
    }


@dataclass
class Walked:
    """One service after every command of its table ran (and an import of an earlier version).

    Intake's walk works on the case it registers; a department's on its own file
    (``subject_id``), which the walk opens and links to the KIM case ``case_id``.
    """

    service: Service
    app: CaseApplication
    case_id: UUID
    subject_id: UUID
    saved: dict[str, Saved]
    events: list[Any]

    def translate(self, domain_event: Any) -> ev.IntegrationEvent | None:
        return self.app.translate(domain_event, self.case_id)


@functools.cache
def walked(service: Service) -> Walked:
    """Drive one case (or file) of ``service`` through every command's use case, as the API would."""
    container = build_container(service, in_memory=True)
    app = container.app
    case_id = None if service is Service.INTAKE else know(container.store, Feed(service))
    subject_id, saved = walk(app, service, case_id)
    # A row imported by an earlier version: its RowImported event is still in old stores
    # (imports now keep their refs as idempotency keys); it must load and stay internal.
    aggregate: Any = app.repository.get(subject_id)
    if service is Service.INTAKE:
        aggregate.record_import("row-1")
    else:
        aggregate.trigger_event(ROW_IMPORTED[service], ref="row-1")
    app.save(aggregate)
    events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start=1, limit=10_000)]
    return Walked(service, app, case_id or subject_id, subject_id, saved, events)


def test_every_walk_is_the_whole_command_table() -> None:
    for service, specs in COMMANDS.items():
        assert sorted(WALKS[service]) == sorted(s.name for s in specs), service


@pytest.mark.parametrize("service", list(Service), ids=lambda s: s.value)
def test_every_domain_event_is_translated_or_declared_internal(service: Service) -> None:
    _, internal = EVENTS[service]
    w = walked(service)
    assert {type(e) for e in w.events} == domain_event_classes(service), "the walk must produce every event"
    for event in w.events:
        assert event.originator_id == w.subject_id
        integration = w.translate(event)
        assert (integration is None) == (type(event) in internal), type(event).__qualname__
        if integration is None:
            continue
        assert type(integration) is w.app.published[type(event)]
        assert integration.case_id == w.case_id
        # A department's events name its file (their key on its topic) and the case it is linked to.
        assert integration.subject == w.subject_id
        assert isinstance(integration, FileEvent) is (service is not Service.INTAKE)
        rule = policy.rule_for(type(integration))
        assert rule is not None and rule.published
        # Field by field: every published field comes from the domain event (none silently defaulted).
        for name in type(integration).model_fields:
            if name in ("case_id", "file_id", "corrects") and not hasattr(event, name):
                continue
            assert hasattr(event, name), (type(event).__qualname__, name)
            published = integration.model_dump(mode="json")[name]
            assert published == json.loads(json.dumps(getattr(event, name), default=str)), (
                type(event).__qualname__,
                name,
            )
        text = integration.model_dump_json()
        assert "INTERN" not in text and "GEHEIM" not in text, (type(integration).__name__, text)


def test_the_walks_cover_the_whole_published_catalogue() -> None:
    produced = {type(i) for s in Service for e in walked(s).events if (i := walked(s).translate(e)) is not None}
    assert set(ALL_EVENTS) - produced == set(), "events of the catalogue that no service publishes"
    assert produced == set(ALL_EVENTS)
    assert {r.event for r in policy.RULES} == set(ALL_EVENTS)
    assert len(policy.RULES) == len(ALL_EVENTS), "one rule per event"


@pytest.mark.parametrize("service", list(Service), ids=lambda s: s.value)
def test_a_command_answers_published_false_exactly_when_its_events_stay_home(service: Service) -> None:
    w = walked(service)
    for name, saved in w.saved.items():
        assert saved.position.published == (name not in STAYS_HOME[service]), name
        # The answer names the aggregate the command changed: intake's case, a department's file.
        assert saved.position.service is service and saved.case_id == w.subject_id
        # The position is the command's last stored event, which is published unless internal.
        notification = w.app.recorder.select_notifications(start=saved.position.notification_id, limit=1)[0]
        assert notification.originator_version == saved.version
        integration = w.translate(w.app.mapper.to_domain_event(notification))
        assert (integration is not None) == saved.position.published, name


@functools.cache
def samples() -> dict[type[ev.IntegrationEvent], ev.IntegrationEvent]:
    """One valid integration event per class, built from the walks (i.e. from tests/samples.py).

    An event of the catalogue that no walk publishes (test_the_walks_cover_the_whole_published_catalogue
    names it) is built from the walk's domain event of the same name, so that its wire format is proven too.
    """
    found: dict[type[ev.IntegrationEvent], ev.IntegrationEvent] = {}
    catalogue = {(c.owner, c.name): c for c in ALL_EVENTS}
    for service in Service:
        w = walked(service)
        for event in w.events:
            integration = w.translate(event)
            unpublished = catalogue.get((service, type(event).__name__))
            if integration is None and unpublished is not None:
                fields = {name: getattr(event, name) for name in unpublished.model_fields if hasattr(event, name)}
                integration = unpublished.model_validate(fields | {"case_id": w.case_id, "file_id": w.subject_id})
            if integration is not None:
                found.setdefault(type(integration), integration)
    return found


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=lambda c: c.name)
def test_every_integration_event_has_a_rule_and_round_trips_as_a_cloudevent(cls: type[ev.IntegrationEvent]) -> None:
    rule = policy.rule_for(cls)
    assert rule is not None and rule.published
    event = samples()[cls]
    # The subject is the aggregate that stored the event: intake's case, a department's file.
    subject = event.file_id if isinstance(event, FileEvent) else event.case_id
    message = encode(
        event,
        aggregate_id=subject,
        aggregate_version=3,
        recorded_at=datetime(2026, 5, 1, 12, tzinfo=UTC),
        notification_id=17,
    )
    headers = dict(message.headers)
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == f"de.nrw.kim.{cls.owner.slug}.{cls.name}.v{cls.version}".encode()
    assert headers["ce_subject"] == str(subject).encode() == message.key
    assert headers["ce_id"] == str(event_id(cls.owner, subject, 3)).encode()
    assert headers["ce_sensitivity"].decode() == rule.for_event(event)[0].value
    # An independent parse with the SDK only:
    parsed = ce_kafka.from_binary(
        ce_kafka.KafkaMessage(headers=headers, key=message.key, value=message.value), JSONFormat()
    )
    assert parsed.get_source() == f"/kim/{cls.owner.slug}"
    envelope = decode(message.headers, message.key, message.value)
    assert envelope.event == event and envelope.sequence == 17 and envelope.case_id == event.case_id
    assert EVENTS_BY_WIRE_TYPE[envelope.type] is cls
    assert envelope.event.valid_on() is None or isinstance(envelope.event.valid_on(), date)


def test_a_health_toleration_is_labelled_art9_on_the_wire_and_reaches_only_consent_holders() -> None:
    # The health ground is an explicit flag now (version 0.1 read it from a "health_" prefix of a free code).
    stay = of_case(
        ev.ToleratedStayIssued,
        uuid4(),
        subtype="60a",
        ground_code=ToleranceGround.ILLNESS,
        health_ground=True,
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 6, 30),
        work_permitted=False,
        residence_condition=False,
    )
    message = encode(
        stay, aggregate_id=stay.file_id, aggregate_version=2, recorded_at=datetime.now(UTC), notification_id=1
    )
    headers = dict(message.headers)
    assert headers["ce_sensitivity"] == b"art9"
    assert headers["ce_legalbasis"] == (
        b"foreign_office=own_task,intake=consent,kobiz=consent,naturalisation_authority=own_task"
    )
    entitlement = policy.entitlement(Recipient.KOBIZ, stay)
    assert entitlement is not None and entitlement.category is DataCategory.HEALTH
    assert entitlement.basis is policy.LegalBasis.CONSENT


def basis(recipient: Recipient, event: ev.IntegrationEvent) -> policy.LegalBasis:
    """The legal basis on which ``recipient`` may receive ``event`` (it must be entitled)."""
    entitlement = policy.entitlement(recipient, event)
    assert entitlement is not None, (recipient, type(event).__name__)
    return entitlement.basis


def test_the_integration_course_is_shared_on_88a_and_a_vocational_course_only_with_consent() -> None:
    course = {"provider_code": "course_provider:vhs-euskirchen", "starts_on": date(2026, 1, 1)}
    integration = of_case(ev.LanguageCourseEnrolled, uuid4(), **course, course_type="integration_course")
    vocational = of_case(ev.LanguageCourseEnrolled, uuid4(), **course, course_type="vocational_language_course")
    assert basis(Recipient.FOREIGN_OFFICE, integration) is policy.LegalBasis.AUFENTHG_88A
    assert basis(Recipient.FOREIGN_OFFICE, vocational) is policy.LegalBasis.CONSENT
    assert policy.entitlement(Recipient.WELFARE_ORGANISATION, vocational) is None


def test_the_foreign_office_sees_kim_data_only_with_consent_and_kobiz_sees_the_case_on_its_own_task() -> None:
    case_id = uuid4()
    registered = ev.PersonRegistered(case_id=case_id, person_id=uuid4(), registered_on=date(2026, 1, 5))
    assert basis(Recipient.FOREIGN_OFFICE, registered) is policy.LegalBasis.CONSENT
    assert basis(Recipient.KOBIZ, registered) is policy.LegalBasis.OWN_TASK
    stay = samples()[ev.ToleratedStayIssued]
    assert basis(Recipient.INTAKE, stay) is policy.LegalBasis.CONSENT
    assert basis(Recipient.FOREIGN_OFFICE, stay) is policy.LegalBasis.OWN_TASK
    for rule in policy.RULES:
        assert rule.basis_for(rule.event.owner) is policy.LegalBasis.OWN_TASK, rule.event.name
        assert rule.category is not None or rule.event in (ev.ConsentGranted, ev.ConsentScopeChanged, ev.ConsentRevoked)


def test_secret_and_unruled_events_are_never_published() -> None:
    assert policy.rule_for("de.nrw.kim.foreign-office.RemovalScheduled.v1") is None
    assert not policy.may_receive(Service.KOBIZ, "de.nrw.kim.foreign-office.RemovalScheduled.v1")
    secret = policy.SharingRule(
        ev.ToleratedStayIssued, policy.Sensitivity.SECRET, DataCategory.STATUS, {Recipient.KOBIZ: policy.C}
    )
    assert not secret.published
    own_only = policy.SharingRule(ev.ToleratedStayIssued, policy.Sensitivity.NORMAL, DataCategory.STATUS, {})
    assert not own_only.published
    names = {e.__name__ for e in ALL_EVENTS}
    for service, owned in policy.OWNER_ONLY.items():
        assert not set(owned) & names, service


def test_counselling_codes_cross_but_never_notes() -> None:
    assert "notes" not in ev.PerspectiveCounsellingHeld.model_fields
    assert "counsellor_id" not in ev.PerspectiveCounsellingHeld.model_fields
    assert "remarks" not in ev.ToleratedStayIssued.model_fields
    assert "minutes" not in ev.CaseConferenceHeld.model_fields
    assert not {"ground_codes", "conviction_ground"} & set(ev.ResidencePermitRefused.model_fields)  # outcome only
    # Names and contact stay with intake; the date of birth is shared (§ 25a age limit, DOMAIN.md §3 row 1).
    assert not {"family_name", "given_names", "contact"} & set(ev.PersonRegistered.model_fields)
    assert "birth_date" in ev.PersonRegistered.model_fields
    with pytest.raises(ValueError, match="notes"):
        ev.PerspectiveCounsellingHeld(case_id=uuid4(), file_id=uuid4(), held_on=date(2026, 1, 1), notes="x")  # type: ignore[call-arg]  # the unknown field is the point


# --- codes, purposes, consent terms -------------------------------------------------------


def test_codes_allow_rule_version_ids_but_no_free_text() -> None:
    decision = {
        "case_id": uuid4(),
        "file_id": uuid4(),
        "norm": "AufenthG_25b",
        "granted_on": date(2026, 3, 1),
        "valid_from": date(2026, 3, 1),
        "valid_until": date(2028, 2, 29),
        "employment_permitted": True,
    }
    granted = ev.ResidencePermitGranted.model_validate(
        decision | {"decided_by": "st-abhsb4", "rule_version_ids": ["AufenthG_25b@2026-01-01"]}
    )
    assert granted.rule_version_ids == ["AufenthG_25b@2026-01-01"]
    # The deciding person is a pseudonymous staff id (st-…), no longer any code.
    for bad in ("Frau Müller", "", "x" * 65, "-leading-dash", "abh-sb-4", "st-ab", "st-Abhsb4", "sb4@abh.de"):
        with pytest.raises(ValidationError):
            ev.ResidencePermitGranted.model_validate(decision | {"decided_by": bad})
    with pytest.raises(ValidationError, match="decided_by"):
        ev.ResidencePermitGranted.model_validate(decision)


def test_purpose_is_an_enum_and_a_consent_lasts_at_most_24_months() -> None:
    terms = body("grant_consent")
    assert GrantConsent.model_validate(terms).purpose is Purpose.PREPARE_APPLICATION_25B
    with pytest.raises(ValidationError, match="purpose"):
        GrantConsent.model_validate(terms | {"purpose": "Beratung und Aufgabenerledigung"})
    with pytest.raises(ValidationError, match="24 months"):
        GrantConsent.model_validate(terms | {"valid_from": "2026-01-01", "valid_until": "2028-01-01"})
    assert GrantConsent.model_validate(terms | {"valid_from": "2026-01-01", "valid_until": "2027-12-31"})
    with pytest.raises(ValidationError, match="24 months"):
        GrantConsent.model_validate(terms | {"valid_from": "2028-02-29", "valid_until": "2030-02-28"})
    assert GrantConsent.model_validate(terms | {"valid_from": "2028-02-29", "valid_until": "2030-02-27"})
    with pytest.raises(ValidationError, match="valid_until"):
        GrantConsent.model_validate(terms | {"valid_from": "2026-02-01", "valid_until": "2026-01-31"})
    twice = [{"recipient": "kobiz", "categories": ["status"]}, {"recipient": "kobiz", "categories": ["identity"]}]
    with pytest.raises(ValidationError, match="once"):
        GrantConsent.model_validate(terms | {"scopes": twice})


JC = "jobcenter:jc-euskirchen"


def test_a_consent_covers_party_category_purpose_and_term_and_revocation_acts_from_its_day() -> None:
    case_id, consent_id = uuid4(), uuid4()
    granted = ev.ConsentGranted(
        case_id=case_id,
        consent_id=consent_id,
        purpose=Purpose.LABOUR_MARKET_INTEGRATION,
        scopes=[
            ConsentScope(recipient="foreign_office", categories=[DataCategory.STATUS]),
            ConsentScope(recipient=JC, categories=[DataCategory.STATUS, DataCategory.WORK_INCOME]),
        ],
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 12, 31),
        form_version="KIM-EW-2025-1",
        language="ar",
        interpreter_used=False,
    )
    consents: dict[str, ConsentState] = {}
    assert apply_consent_event(consents, granted)
    state = consents[str(consent_id)]
    day = date(2026, 6, 1)
    # Labour-market integration is no purpose for which the foreign office may receive data.
    assert not state.covers("foreign_office", DataCategory.STATUS, day)
    assert state.covers(JC, DataCategory.WORK_INCOME, day)
    # The consent names one Jobcenter: another of the same kind receives nothing.
    assert not state.covers("jobcenter:jc-mechernich", DataCategory.WORK_INCOME, day)
    assert not state.covers(JC, DataCategory.HEALTH, day)
    assert not state.covers(JC, DataCategory.STATUS, date(2027, 1, 1))  # expired
    assert state.names("foreign_office") and not state.names("kobiz")

    narrowed = ev.ConsentScopeChanged(
        case_id=case_id,
        consent_id=consent_id,
        effective_on=date(2026, 7, 1),
        scopes=[ConsentScope(recipient=JC, categories=[DataCategory.STATUS])],
    )
    assert apply_consent_event(consents, narrowed)
    assert state.covers(JC, DataCategory.WORK_INCOME, date(2026, 6, 30))
    assert not state.covers(JC, DataCategory.WORK_INCOME, date(2026, 7, 1))

    revoked = ev.ConsentRevoked(case_id=case_id, consent_id=consent_id, effective_on=date(2026, 8, 1))
    assert apply_consent_event(consents, revoked)
    assert covering_consent(consents, JC, DataCategory.STATUS, date(2026, 7, 31)) == str(consent_id)
    assert covering_consent(consents, JC, DataCategory.STATUS, date(2026, 8, 1)) is None
    assert state.boundaries() == {date(2026, 1, 1), date(2027, 1, 1), date(2026, 7, 1), date(2026, 8, 1)}
    unknown = ev.ConsentRevoked(case_id=case_id, consent_id=uuid4(), effective_on=date(2026, 8, 1))
    assert not apply_consent_event(consents, unknown)


def test_the_closure_of_the_case_ends_the_consent_and_a_recorded_widening_releases_nothing_new() -> None:
    case_id, consent_id = uuid4(), uuid4()
    granted = ev.ConsentGranted(
        case_id=case_id,
        consent_id=consent_id,
        purpose=Purpose.PREPARE_APPLICATION_25B,
        scopes=[ConsentScope(recipient="kobiz", categories=[DataCategory.STATUS])],
        valid_from=date(2026, 1, 1),
        valid_until=date(2027, 12, 31),
        form_version="KIM-EW-2025-1",
        language="ar",
        interpreter_used=False,
    )
    consents: dict[str, ConsentState] = {}
    apply_consent_event(consents, granted)
    # A widening as version 0.1 could store it: the scope in force is still only what both release.
    widened = ev.ConsentScopeChanged(
        case_id=case_id,
        consent_id=consent_id,
        effective_on=date(2026, 2, 1),
        scopes=[ConsentScope(recipient="kobiz", categories=[DataCategory.STATUS, DataCategory.IDENTITY])],
    )
    apply_consent_event(consents, widened)
    state = consents[str(consent_id)]
    assert state.covers("kobiz", DataCategory.STATUS, date(2026, 3, 1))
    assert not state.covers("kobiz", DataCategory.IDENTITY, date(2026, 3, 1))
    assert apply_consent_event(consents, ev.CaseClosed(case_id=case_id, closed_on=date(2026, 6, 30), reason="moved"))
    assert state.covers("kobiz", DataCategory.STATUS, date(2026, 6, 29))
    assert not state.covers("kobiz", DataCategory.STATUS, date(2026, 6, 30))  # the term ends with the case
    assert date(2026, 6, 30) in state.boundaries()


def test_counselling_codes_need_the_secrecy_release_towards_the_abh_and_the_ebb() -> None:
    held = samples()[ev.PerspectiveCounsellingHeld]
    for kind in (Recipient.FOREIGN_OFFICE, Recipient.NATURALISATION_AUTHORITY):
        entitlement = policy.entitlement(kind, held)
        assert entitlement is not None and entitlement.basis is policy.LegalBasis.CONSENT
        assert entitlement.category is DataCategory.COUNSELLING
    assert DataCategory.COUNSELLING in policy.SECRECY_RELEASE_REQUIRED
    scope = {"recipient": "foreign_office", "categories": ["status", "counselling"]}
    terms = body("grant_consent")
    with pytest.raises(ValidationError, match=r"scopes\[1\]\.secrecy_release"):
        GrantConsent.model_validate(terms | {"scopes": [{"recipient": "kobiz", "categories": ["status"]}, scope]})
    with pytest.raises(ValidationError, match="Schweigepflichtentbindung"):
        ChangeConsentScope.model_validate({"consent_id": str(uuid4()), "effective_on": "2026-03-01", "scopes": [scope]})
    assert GrantConsent.model_validate(terms | {"scopes": [scope | {"secrecy_release": True}]})
    state = ConsentState(
        consent_id="c",
        purpose=Purpose.PREPARE_APPLICATION_25B,
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 12, 31),
        scopes={"foreign_office": PartyScope(categories=[DataCategory.STATUS, DataCategory.COUNSELLING])},
    )
    assert state.covers("foreign_office", DataCategory.STATUS, date(2026, 6, 1))
    assert not state.covers("foreign_office", DataCategory.COUNSELLING, date(2026, 6, 1))


@pytest.mark.parametrize(
    ("party", "reason"),
    [
        ("jobcenter", "a kind, not a party"),
        ("jobcenter:jc-nirgendwo", "unknown"),
        ("jobcenter:jc-schleiden", "inactive"),
        ("course_provider:unbenannt", "reserved"),
        ("police", "no kind"),
    ],
)
def test_a_consent_naming_an_unknown_or_inactive_party_is_refused_at_its_field(party: str, reason: str) -> None:
    scopes = [{"recipient": "kobiz", "categories": ["status"]}, {"recipient": party, "categories": ["status"]}]
    with pytest.raises(ValidationError) as refused:
        GrantConsent.model_validate(body("grant_consent") | {"scopes": scopes})
    assert [e["loc"] for e in refused.value.errors()] == [("scopes", 1, "recipient")], reason
    assert "Unbekannte oder nicht aktive Stelle" in refused.value.errors()[0]["msg"]


@pytest.mark.parametrize(
    ("headers", "key", "value", "reason"),
    [
        ([], b"k", b"not json", "not a CloudEvent"),
        (
            [
                ("ce_specversion", b"1.0"),
                ("ce_id", b"1"),
                ("ce_source", b"/kim/intake"),
                ("ce_type", b"de.nrw.kim.intake.Unknown.v1"),
            ],
            None,
            b"{}",
            "unknown event type",
        ),
        (
            [
                ("ce_specversion", b"1.0"),
                ("ce_id", b"1"),
                ("ce_source", b"/kim/kobiz"),
                ("ce_type", b"de.nrw.kim.intake.CaseOpened.v1"),
            ],
            None,
            b"{}",
            "does not own",
        ),
        (
            [
                ("ce_specversion", b"1.0"),
                ("ce_id", b"1"),
                ("ce_source", b"/kim/intake"),
                ("ce_type", b"de.nrw.kim.intake.CaseOpened.v3"),  # version 2 is the current one
            ],
            None,
            b"{}",
            "unknown event type or version",
        ),
        (
            [
                ("ce_specversion", b"1.0"),
                ("ce_id", b"1"),
                ("ce_source", b"/kim/intake"),
                ("ce_type", b"de.nrw.kim.intake.CaseOpened.v1"),
                ("content-type", b"application/json"),
                ("ce_sequence", b"1"),
            ],
            None,
            b'{"case_id": "nope"}',
            "invalid",
        ),
    ],
)
def test_malformed_records_are_poison(
    headers: list[tuple[str, bytes]], key: bytes | None, value: bytes, reason: str
) -> None:
    with pytest.raises(PoisonMessageError, match=reason):
        decode(headers, key, value)


def test_valid_time_is_the_fact_date_not_the_recording_time() -> None:
    w = walked(Service.FOREIGN_OFFICE)
    stays = [i for e in w.events if isinstance(i := w.translate(e), ev.ToleratedStayIssued)]
    assert [s.valid_on() for s in stays] == [date(2019, 3, 1)]
    recorded = [e.timestamp for e in w.events if type(e).__name__ == "ToleratedStayIssued"]
    assert recorded[0] > datetime.now(UTC) - timedelta(minutes=5)


# --- version 1 of the department file events ------------------------------------------------


def wire_v1(owner: Service, name: str, case_id: UUID, **data: Any) -> tuple[list[tuple[str, bytes]], bytes, bytes]:
    """A record as version 0.1 published it: keyed by the KIM case, the body without a file."""
    attributes: dict[str, Any] = {
        "id": str(uuid4()),
        "source": f"/kim/{owner.slug}",
        "type": f"de.nrw.kim.{owner.slug}.{name}.v1",
        "subject": str(case_id),
        "time": datetime(2025, 11, 3, 10, tzinfo=UTC),
        "datacontenttype": "application/json",
        "sequence": "7",
    }
    message = ce_kafka.to_binary(
        CloudEvent(attributes, {"case_id": str(case_id), **data}), JSONFormat(), key_mapper=lambda e: e.get_subject()
    )
    key = message.key.encode() if isinstance(message.key, str) else message.key
    assert key is not None
    return list(message.headers.items()), key, message.value


def test_v1_file_events_are_read_as_version_2_of_the_file_that_was_the_case() -> None:
    case_id = uuid4()

    def decoded(owner: Service, name: str, **data: Any) -> Any:
        envelope = decode(*wire_v1(owner, name, case_id, **data))
        assert envelope.type == f"de.nrw.kim.{owner.slug}.{name}.v2" and envelope.case_id == case_id
        assert isinstance(envelope.event, FileEvent)
        assert envelope.event.file_id == case_id, "version 0.1 kept one file per case, under the case's id"
        return envelope.event

    stay: dict[str, Any] = {"subtype": "60a", "valid_from": "2025-01-01", "valid_until": "2025-06-30"}
    stay |= {"work_permitted": True, "residence_condition": False}
    health = decoded(Service.FOREIGN_OFFICE, "ToleratedStayIssued", ground_code="health_ptsd", **stay)
    assert (health.ground_code, health.health_ground) == (ToleranceGround.ILLNESS, True)
    entitlement = policy.entitlement(Recipient.KOBIZ, health)
    assert entitlement is not None and entitlement.category is DataCategory.HEALTH, "still Art. 9 data"
    free = decoded(Service.FOREIGN_OFFICE, "ToleratedStayIssued", ground_code="keine_reisepapiere", **stay)
    assert (free.ground_code, free.health_ground) == (ToleranceGround.OTHER_FACTUAL_OBSTACLE, False)
    known = decoded(Service.FOREIGN_OFFICE, "ToleratedStayIssued", ground_code="no_travel_documents", **stay)
    assert known.ground_code == ToleranceGround.NO_TRAVEL_DOCUMENTS

    permit: dict[str, Any] = {"norm": "AufenthG_25b", "granted_on": "2025-03-01", "valid_from": "2025-03-01"}
    permit |= {"valid_until": "2027-02-28", "employment_permitted": True}
    granted = decoded(Service.FOREIGN_OFFICE, "ResidencePermitGranted", decided_by="frau.mueller@abh.example", **permit)
    assert granted.decided_by == "st-unbekannt", "nothing personal survives"
    duty = decoded(
        Service.FOREIGN_OFFICE,
        "CooperationDutyNotified",
        notified_on="2025-01-05",
        deadline="2025-03-01",
        required_act_codes=["attend_embassy", "botschaft_vorsprechen"],
    )
    assert duty.required_act_codes == ["attend_embassy", "other"]
    held = decoded(Service.KOBIZ, "PerspectiveCounsellingHeld", held_on="2025-02-01", topic_codes=["sprachkurs"])
    assert held.topic_codes == ["other"]
    certificate = decoded(
        Service.KOBIZ, "LanguageCertificateObtained", level="A2", exam_body="goethe_institut", obtained_on="2025-01-13"
    )
    assert certificate.exam_body == "other"
    # Events new in version 2 have no version 1.
    with pytest.raises(PoisonMessageError, match="unknown event type or version"):
        decode(*wire_v1(Service.FOREIGN_OFFICE, "ResidenceFileLinked", case_id, linked_on="2025-01-01"))
