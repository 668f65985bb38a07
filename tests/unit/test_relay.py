"""The outbox relay on eventsourcing's POPO persistence and a fake Kafka.

What is proven here: only shareable events leave a service and nothing but the
fields of the published model does; a department's file publishes nothing before
its link to a KIM case, and at the link its history, then the link (also after a
restart); the position moves only after the broker acknowledged every message of a
batch; a retried or restarted relay republishes the same CloudEvents ids (at least
once, never a new identity); every message is a valid binary-mode CloudEvent keyed
by its subject (intake's case, a department's file) with ``sequence`` = notification
id; and the ``run`` loop relays catch-up and live events through broker failures.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat

from services.bootstrap import Container, build_container, build_relay
from services.foreign_office.application import ForeignOfficeApplication
from services.foreign_office.commands import (
    ClarifyIdentity,
    GrantResidencePermit,
    IssueToleratedStay,
    LinkToKimCase,
    OpenResidenceFile,
)
from services.intake.application import IntakeApplication
from services.intake.commands import GrantConsent, OpenCase, RegisterPerson
from services.kobiz.application import KobizApplication
from services.kobiz.commands import HoldCounselling, OpenCounsellingFile
from shared.events import EVENTS_BY_WIRE_TYPE
from shared.events.base import event_id
from shared.outbox.position import InMemoryRelayPosition
from shared.outbox.relay import DeliveryError, Outgoing, Relay
from shared.policy import sharing as policy
from shared.projection.consumer import classify
from shared.projection.memory import InMemoryCaseHistoryStore
from shared.service import Service
from shared.settings import get_settings
from tests.stack import eventually
from tests.support.fakes import FakeKafka, Record
from tests.support.projection_suite import Feed
from tests.support.walk import know, walk

TOPIC = "unit.relay.events"


# --- set-up --------------------------------------------------------------------


@dataclass
class Rig:
    """One service on POPO, its relay position and a fake Kafka."""

    service: Service
    container: Container
    kafka: FakeKafka
    positions: InMemoryRelayPosition
    relay: Relay
    feed: Feed

    @property
    def app(self) -> Any:
        return self.container.app

    def new_relay(self) -> Relay:
        """A fresh relay process on the same outbox and position (a restart)."""
        return relay_of(self.container, self.kafka, self.positions)

    def pending(self, relay: Relay | None = None) -> list[Outgoing]:
        relay = relay or self.relay
        notifications = self.app.recorder.select_notifications(
            start=self.positions.load(), limit=relay.batch_size, inclusive_of_start=False
        )
        return [relay.to_outgoing(n) for n in notifications]

    def last_id(self) -> int:
        return int(self.app.recorder.max_notification_id() or 0)

    def records(self) -> list[Record]:
        return self.kafka.records(TOPIC)

    def know(self, case_id: UUID) -> None:
        """Make a case known to a department the way its projector would (consent, then the opening)."""
        know(self.container.store, self.feed, case_id)


def relay_of(container: Container, kafka: FakeKafka, positions: InMemoryRelayPosition) -> Relay:
    """The service's relay as the composition root builds it, on the fake broker and position."""
    return build_relay(container, topic=TOPIC, positions=positions, producer_factory=kafka.producer)


def rig(service: Service, batch_size: int = 500) -> Rig:
    settings = get_settings(service).model_copy(update={"relay_batch_size": batch_size})
    container = build_container(service, settings, in_memory=True)
    kafka, positions = FakeKafka(), InMemoryRelayPosition()
    return Rig(service, container, kafka, positions, relay_of(container, kafka, positions), Feed(service))


def parse(record: Record) -> BaseCloudEvent:
    """An independent parse with the CloudEvents SDK only."""
    message = ce_kafka.KafkaMessage(headers=record.header_dict, key=record.key, value=record.value or b"")
    return ce_kafka.from_binary(message, JSONFormat())


def ce_id(record: Record) -> str:
    return record.header_dict["ce_id"].decode()


def stored_names(r: Rig) -> list[str]:
    """The stored domain events' names in order (their topics: ``module:Class`` or ``module:Aggregate.Class``)."""
    return [
        n.topic.rsplit(":", 1)[-1].rsplit(".", 1)[-1] for n in r.app.recorder.select_notifications(start=1, limit=100)
    ]


# --- scenarios: one case through every command of a service, with secrets -------


@dataclass(frozen=True)
class Scenario:
    """What a scenario stored: the KIM case, the aggregate (intake's case or a department's file)
    whose events are keyed by its id, and text that must never leave the service."""

    case_id: UUID
    subject_id: UUID
    secrets: list[str]


def intake_case(r: Rig, tag: str = "") -> Scenario:
    app = r.app
    assert isinstance(app, IntakeApplication)
    secrets = [f"Geheimname{tag}{uuid4().hex[:6]}", f"Vorname{tag}{uuid4().hex[:6]}", f"Tel-{uuid4().hex[:8]}"]
    saved = app.register_person(
        RegisterPerson.model_validate(
            {
                "family_name": secrets[0],
                "given_names": secrets[1],
                "birth_date": "1999-05-01",
                "registered_on": "2026-01-05",
                "languages": ["ar"],
                "claimed_nationalities": ["SYR"],
                "contact": secrets[2],
            }
        )
    )
    app.grant_consent(
        saved.case_id,
        GrantConsent.model_validate(
            {
                "consent_id": str(uuid4()),
                "purpose": "prepare_application_25b",
                "scopes": [
                    {"recipient": recipient, "categories": ["identity", "case_management", "status"]}
                    for recipient in ("foreign_office", "kobiz")
                ],
                "valid_from": "2026-01-06",
                "valid_until": "2027-01-05",
                "form_version": "KIM-EW-2025-1",
                "language": "ar",
                "interpreter_used": True,
            }
        ),
    )
    app.open_case(saved.case_id, OpenCase.model_validate({"opened_on": "2026-01-06", "case_manager_id": "st-cm0001"}))
    return Scenario(saved.case_id, saved.case_id, secrets)


def foreign_office_case(r: Rig, tag: str = "") -> Scenario:
    """A file on a person: a Duldung before the person joined KIM, the link, then identity and a permit."""
    app = r.app
    assert isinstance(app, ForeignOfficeApplication)
    case_id = uuid4()
    r.know(case_id)
    secrets = [
        f"INTERN-Vermerk-{uuid4().hex[:8]}",
        f"ABH-AZ-{uuid4().hex[:8]}",
        f"INTERN-Auflage-{uuid4().hex[:8]}",
        f"Geheimname{tag}{uuid4().hex[:6]}",
        f"Vorname{tag}{uuid4().hex[:6]}",
        f"ABH-Akte-{uuid4().hex[:8]}",
    ]
    file_id = app.open_file(
        OpenResidenceFile.model_validate(
            {
                "family_name": secrets[3],
                "given_names": secrets[4],
                "birth_date": "1999-05-01",
                "nationalities": ["SYR"],
                "file_reference": secrets[5],
            }
        )
    ).case_id
    app.issue_tolerated_stay(
        file_id,
        IssueToleratedStay.model_validate(
            {
                "subtype": "60a",
                "ground_code": "no_travel_documents",
                "valid_from": "2026-01-01",
                "valid_until": "2026-06-30",
                "work_permitted": True,
                "residence_condition": False,
                "remarks": secrets[0],
            }
        ),
    )
    app.link_to_kim_case(file_id, LinkToKimCase.model_validate({"case_id": str(case_id), "linked_on": "2026-01-20"}))
    app.clarify_identity(
        file_id,
        ClarifyIdentity.model_validate(
            {"clarified_on": "2026-02-01", "method": "passport", "document_ref": secrets[1]}
        ),
    )
    app.grant_residence_permit(
        file_id,
        GrantResidencePermit.model_validate(
            {
                "norm": "AufenthG_25b",
                "granted_on": "2026-03-01",
                "valid_from": "2026-03-01",
                "valid_until": "2028-02-29",
                "employment_permitted": True,
                "conditions": secrets[2],
                "decided_by": "st-abhsb4",
                "rule_version_ids": ["AufenthG_25b@2026-01-01"],
            }
        ),
    )
    return Scenario(case_id, file_id, secrets)


def kobiz_case(r: Rig, tag: str = "") -> Scenario:
    """A counselling file opened for a KIM case (linked from the start) and two sessions."""
    app = r.app
    assert isinstance(app, KobizApplication)
    case_id = uuid4()
    r.know(case_id)
    notes = f"Vertrauliche Beratungsnotiz {uuid4()}: Person berichtet von Traumatisierung"
    counsellor = f"st-{uuid4().hex[:8]}"
    opened = OpenCounsellingFile.model_validate({"opened_on": "2026-02-01", "case_id": str(case_id)})
    file_id = app.open_file(opened).case_id
    for held_on in ("2026-02-15", "2026-03-01"):
        app.hold_counselling(
            file_id,
            HoldCounselling.model_validate(
                {
                    "held_on": held_on,
                    "counsellor_id": counsellor,
                    "topic_codes": ["language_course"],
                    "pathways_discussed": ["AufenthG_25b"],
                    "next_step_codes": ["book_a2_exam"],
                    "notes": notes,
                }
            ),
        )
    return Scenario(case_id, file_id, [notes, "Beratungsnotiz", "Traumatisierung", counsellor])


SCENARIOS = {Service.INTAKE: intake_case, Service.FOREIGN_OFFICE: foreign_office_case, Service.KOBIZ: kobiz_case}
PUBLISHED = {
    Service.INTAKE: ["PersonRegistered", "ConsentGranted", "CaseOpened"],
    # The Duldung recorded before the link goes out at the link, before it.
    Service.FOREIGN_OFFICE: [
        "ToleratedStayIssued",
        "ResidenceFileLinked",
        "IdentityClarified",
        "ResidencePermitGranted",
    ],
    Service.KOBIZ: ["PerspectiveCounsellingHeld", "PerspectiveCounsellingHeld"],
}
INTERNAL = {Service.INTAKE: 0, Service.FOREIGN_OFFICE: 1, Service.KOBIZ: 1}  # FileOpened


# --- what is published ------------------------------------------------------------


def test_only_shareable_events_are_published_and_internal_ones_only_advance_the_position() -> None:
    r = rig(Service.FOREIGN_OFFICE)
    scenario = foreign_office_case(r)
    batch = r.pending()
    assert stored_names(r) == [
        "FileOpened",
        "ToleratedStayIssued",
        "KimCaseLinked",
        "IdentityClarified",
        "ResidencePermitGranted",
    ]
    # Before its link the file publishes nothing; the link publishes the Duldung, then itself.
    assert [len(o.messages) for o in batch] == [0, 0, 2, 1, 1]

    r.relay.publish(batch)

    assert [parse(rec).get_type().split(".")[-2] for rec in r.records()] == PUBLISHED[Service.FOREIGN_OFFICE]
    assert r.positions.load() == 5 == r.relay.stats.position
    assert (r.relay.stats.published, r.relay.stats.skipped_internal) == (4, 2)
    assert all(rec.key == str(scenario.subject_id).encode() for rec in r.records()), "keyed by the file"
    assert {json.loads(rec.value or b"{}")["case_id"] for rec in r.records()} == {str(scenario.case_id)}


def test_a_batch_of_internal_events_moves_the_position_and_publishes_nothing() -> None:
    r = rig(Service.KOBIZ)
    kobiz_case(r)
    file_opened = r.pending()[:1]
    assert file_opened[0].messages == ()

    r.relay.publish(file_opened)

    assert r.positions.load() == 1
    assert r.records() == []
    assert r.kafka.producers == [], "no Kafka connection is needed for internal events"
    r.relay.publish(r.pending())
    assert r.positions.load() == r.last_id() == 3
    assert len(r.records()) == 2


def test_an_unlinked_file_publishes_nothing_and_its_link_seen_after_a_restart_still_brings_its_history() -> None:
    r = rig(Service.FOREIGN_OFFICE)
    app = r.app
    assert isinstance(app, ForeignOfficeApplication)
    case_id = uuid4()
    r.know(case_id)
    person = OpenResidenceFile(family_name="INTERN", given_names="INTERN", birth_date=date(1990, 1, 1))
    file_id = app.open_file(person).case_id
    stay = IssueToleratedStay.model_validate(
        {
            "subtype": "60a",
            "ground_code": "no_travel_documents",
            "valid_from": "2026-01-01",
            "valid_until": "2026-06-30",
            "work_permitted": True,
            "residence_condition": False,
        }
    )
    app.issue_tolerated_stay(file_id, stay)
    r.relay.publish(r.pending())
    assert r.positions.load() == 2 and r.records() == [] and r.kafka.producers == []

    # Another relay process sees the link: it reads the file's history from the store.
    restarted = r.new_relay()
    app.link_to_kim_case(file_id, LinkToKimCase(case_id=case_id, linked_on=date(2026, 2, 1)))
    restarted.publish(r.pending(restarted))
    # And yet another one, after the link, publishes the file's later events (its link read once from the store).
    later = r.new_relay()
    app.clarify_identity(file_id, ClarifyIdentity(clarified_on=date(2026, 2, 2), method="passport"))
    later.publish(r.pending(later))

    sent = [parse(rec) for rec in r.records()]
    assert [e.get_type().split(".")[-2] for e in sent] == [
        "ToleratedStayIssued",
        "ResidenceFileLinked",
        "IdentityClarified",
    ]
    assert [int(e.get_extension("sequence")) for e in sent] == [2, 3, 4], "each with its own notification id"
    assert [e.get_id() for e in sent] == [str(event_id(Service.FOREIGN_OFFICE, file_id, v)) for v in (2, 3, 4)]
    assert r.positions.load() == 4


@pytest.mark.parametrize("service", list(Service))
def test_nothing_but_the_published_model_leaves_the_service(service: Service) -> None:
    """Names, contact, remarks, file references, counselling notes and counsellor stay home."""
    r = rig(service)
    scenarios = [SCENARIOS[service](r), SCENARIOS[service](r, "b")]
    secrets = [secret for scenario in scenarios for secret in scenario.secrets]
    r.relay.publish(r.pending())

    records = r.records()
    assert len(records) == 2 * len(PUBLISHED[service])
    for record in records:
        raw = b"".join([record.key or b"", record.value or b"", *(k.encode() + v for k, v in record.headers)])
        for secret in secrets:
            assert secret.encode() not in raw, (secret, record.header_dict["ce_type"])
        event = parse(record)
        model = EVENTS_BY_WIRE_TYPE[event.get_type()]
        data = event.get_data()
        assert isinstance(data, dict)
        assert set(data) <= set(model.model_fields), set(data) - set(model.model_fields)
        event_of_record = model.model_validate(data)
        assert event_of_record.subject == UUID((record.key or b"").decode())
        assert (event_of_record.case_id, event_of_record.subject) in {(s.case_id, s.subject_id) for s in scenarios}
    if service is Service.KOBIZ:
        assert not any(b"notes" in (rec.value or b"") or b"counsellor" in (rec.value or b"") for rec in records)


# --- acknowledgement, position, at-least-once --------------------------------------


def test_the_position_moves_only_after_every_message_of_the_batch_was_acknowledged() -> None:
    r = rig(Service.INTAKE)
    intake_case(r)
    intake_case(r)
    batch = r.pending()
    assert len(batch) == 6

    r.kafka.fail_next(1, after=5)  # the broker rejects only the last message
    with pytest.raises(DeliveryError, match="NotEnoughReplicasError"):
        r.relay.publish(batch)
    assert r.positions.load() == 0 and r.relay.stats.published == 0

    r.kafka.time_out_next(1, after=2)  # one acknowledgement never arrives
    with pytest.raises(DeliveryError, match="timed out"):
        r.relay.publish(batch)
    assert r.positions.load() == 0 and r.relay.stats.published == 0

    assert r.relay.publish_with_retry(batch, threading.Event())
    assert r.positions.load() == 6 == r.relay.stats.position
    assert r.relay.stats.published == 6


def test_a_retry_after_a_failed_delivery_republishes_the_same_ids() -> None:
    r = rig(Service.INTAKE)
    case_id = intake_case(r).case_id
    batch = r.pending()
    r.kafka.fail_next(1, after=2)

    assert r.relay.publish_with_retry(batch, threading.Event())

    records = r.records()
    counts = Counter(ce_id(rec) for rec in records)
    expected = {str(event_id(Service.INTAKE, case_id, v)) for v in (1, 2, 3)}
    assert set(counts) == expected
    assert sorted(counts.values()) == [1, 2, 2], "the two acknowledged messages went out again, same ids"
    by_id: dict[str, set[tuple[bytes | None, tuple[tuple[str, bytes], ...]]]] = {}
    for rec in records:
        by_id.setdefault(ce_id(rec), set()).add((rec.value, tuple(rec.headers)))
    assert all(len(v) == 1 for v in by_id.values()), "a republished message is byte-identical"
    assert r.relay.stats.failures == 1 and r.positions.load() == 3
    assert len(r.kafka.producers) == 2 and r.kafka.producers[0].closed, "the retry ran on a fresh producer"


def test_a_restarted_relay_republishes_unacknowledged_events_with_the_same_ids_and_views_keep_them_once() -> None:
    r = rig(Service.INTAKE)
    case_id = intake_case(r).case_id
    r.kafka.time_out_next(3)  # written by the broker, acknowledgement lost, then the relay dies
    with pytest.raises(DeliveryError):
        r.relay.publish(r.pending())
    assert r.positions.load() == 0
    first = [ce_id(rec) for rec in r.records()]

    restarted = r.new_relay()
    restarted.publish(r.pending(restarted))

    assert r.positions.load() == 3
    records = r.records()
    assert len(records) == 6
    assert Counter(ce_id(rec) for rec in records) == Counter({i: 2 for i in first})
    # The projections take the duplicates as what they are.
    store = InMemoryCaseHistoryStore(Service.KOBIZ)
    consumed = [classify(rec) for rec in records]
    assert store.apply_batch(consumed, {}).applied == 3
    assert [e.type.split(".")[-2] for e in store.timeline(case_id)] == PUBLISHED[Service.INTAKE]


def test_a_relay_restarted_from_its_saved_position_does_not_republish() -> None:
    r = rig(Service.KOBIZ)
    kobiz_case(r)
    r.relay.publish(r.pending())
    before = [ce_id(rec) for rec in r.records()]
    kobiz_case(r)

    restarted = r.new_relay()
    restarted.publish(r.pending(restarted))

    ids = [ce_id(rec) for rec in r.records()]
    assert len(ids) == len(set(ids)) == 4
    assert ids != before and set(before) < set(ids)


def test_publish_with_retry_keeps_trying_until_stopped_and_never_moves_the_position() -> None:
    r = rig(Service.INTAKE)
    intake_case(r)
    r.kafka.fail_next(10**9)
    stop, result = threading.Event(), []
    worker = threading.Thread(target=lambda: result.append(r.relay.publish_with_retry(r.pending(), stop)))
    worker.start()
    try:
        eventually(lambda: r.relay.stats.failures >= 2, 10, what="two failed attempts")
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()
    assert result == [False]
    assert r.positions.load() == 0 and r.records() == []
    assert len(r.kafka.producers) >= 2 and all(p.closed for p in r.kafka.producers), "a fresh producer per attempt"


# --- the wire format -------------------------------------------------------------------


@pytest.mark.parametrize("service", list(Service))
def test_every_message_is_a_cloudevent_keyed_by_its_subject_with_sequence_as_notification_id(service: Service) -> None:
    r = rig(service)
    scenario = SCENARIOS[service](r)
    before = datetime.now(UTC)
    batch = r.pending()
    r.relay.publish(batch)

    notifications = {n.id: n for n in r.app.recorder.select_notifications(start=1, limit=100)}
    records = r.records()
    assert len(records) == len(PUBLISHED[service]) == len(notifications) - INTERNAL[service]
    rule_types = []
    for record in records:
        event = parse(record)
        headers = record.header_dict
        assert headers["ce_specversion"] == b"1.0" and event.get_specversion() == "1.0"
        # The subject is intake's case or a department's file; the body names the case.
        assert record.key == str(scenario.subject_id).encode() == str(event.get_subject()).encode()
        data = event.get_data()
        assert isinstance(data, dict) and data["case_id"] == str(scenario.case_id)
        sequence = int(event.get_extension("sequence"))
        notification = notifications[sequence]
        assert notification.originator_id == scenario.subject_id
        assert event.get_id() == str(event_id(service, scenario.subject_id, notification.originator_version))
        assert event.get_source() == f"/kim/{service.slug}"
        integration = r.app.translate(r.app.mapper.to_domain_event(notification), scenario.case_id)
        assert integration is not None
        name = integration.name  # a department's link publishes as ResidenceFileLinked
        model = EVENTS_BY_WIRE_TYPE[event.get_type()]  # the current version of each event
        assert event.get_type() == f"de.nrw.kim.{service.slug}.{name}.v{model.version}"
        assert event.get_datacontenttype() == "application/json" and headers["content-type"] == b"application/json"
        time = event.get_time()
        assert time is not None and time.utcoffset() == timedelta(0)
        assert before - timedelta(minutes=5) < time <= datetime.now(UTC)
        rule = policy.rule_for(event.get_type())
        assert rule is not None
        assert event.get_extension("sensitivity") == rule.sensitivity.value
        assert event.get_extension("legalbasis") == ",".join(f"{k}={v}" for k, v in sorted(rule.recipients.items()))
        rule_types.append(name)
    assert rule_types == PUBLISHED[service]
    sequences = [int(parse(rec).get_extension("sequence")) for rec in records]
    assert len(set(sequences)) == len(sequences)


# --- the run loop on POPO's subscription ------------------------------------------------


def test_run_relays_catch_up_and_live_events_and_stops_when_told() -> None:
    r = rig(Service.INTAKE)
    intake_case(r)  # stored before the relay starts: catch-up
    stop = threading.Event()
    worker = threading.Thread(target=r.relay.run, args=(stop,), daemon=True)
    worker.start()
    try:
        eventually(lambda: r.positions.load() == 3, 10, what="catch-up published")
        second = intake_case(r).case_id  # stored while the relay runs: live
        eventually(lambda: r.positions.load() == 6, 10, what="live events published")
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()
    ids = [ce_id(rec) for rec in r.records()]
    assert len(ids) == len(set(ids)) == 6
    assert {str(event_id(Service.INTAKE, second, v)) for v in (1, 2, 3)} <= set(ids)
    assert all(p.closed for p in r.kafka.producers), "the producer is closed on stop"


def test_run_delivers_everything_through_broker_failures() -> None:
    r = rig(Service.FOREIGN_OFFICE, batch_size=2)
    foreign_office_case(r)
    foreign_office_case(r)
    r.kafka.fail_next(2)  # the first two sends are rejected, whatever batches they fall in
    stop = threading.Event()
    worker = threading.Thread(target=r.relay.run, args=(stop,), daemon=True)
    worker.start()
    try:
        eventually(lambda: r.positions.load() == r.last_id() == 10, 20, what="all published despite failures")
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()
    assert r.relay.stats.failures >= 1
    assert len({ce_id(rec) for rec in r.records()}) == 8


STAFFING_NAMES = {"StaffAssigned", "StaffReleased", "StaffHandedOver", "DeputyNamed"}
INTERNAL_NAMES: dict[Service, set[str]] = {
    Service.INTAKE: {"DeputyNamed"},
    Service.FOREIGN_OFFICE: {
        "FileOpened",
        "FileClosed",
        "IdentityDeceptionEstablished",
        "CriminalConvictionNotified",
        "RemovalScheduled",
        "NaturalisationRequirementAssessed",
        "DeclarationsRecorded",
        "RenunciationAssessed",
        "SecurityAssessed",
        "RemovalMeasuresAssessed",
        "IntegrationPrognosisAssessed",
        "FamilyMemberStatusRecorded",
        *STAFFING_NAMES,
    },
    Service.KOBIZ: {"FileOpened", "KimCaseLinked", *STAFFING_NAMES},
}
PUBLISHED_AS = {(Service.FOREIGN_OFFICE, "KimCaseLinked"): "ResidenceFileLinked"}


@pytest.mark.parametrize("service", list(Service), ids=lambda s: s.value)
def test_the_whole_command_catalogue_relays_exactly_the_published_events_and_no_internal_text(service: Service) -> None:
    r = rig(service)
    case_id: UUID | None = None
    if service is not Service.INTAKE:
        case_id = uuid4()
        r.know(case_id)
    walk(r.app, service, case_id)
    r.relay.publish(r.pending())

    stored = stored_names(r)
    sent = [parse(rec).get_type().split(".")[-2] for rec in r.records()]
    expected = [PUBLISHED_AS.get((service, name), name) for name in stored if name not in INTERNAL_NAMES[service]]
    assert sent == expected
    assert r.relay.stats.skipped_internal == len(stored) - len(sent)
    assert r.positions.load() == r.last_id()
    for record in r.records():
        assert b"INTERN" not in (record.value or b"") and b"GEHEIM" not in (record.value or b""), record.header_dict
