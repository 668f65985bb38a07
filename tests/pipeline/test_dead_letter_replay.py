"""Dead letters on real Kafka and PostgreSQL: pointers that replay and release read again from Kafka.

Topics, users and ACLs are provisioned as ``kim create-topics`` does, under a prefix of
this module's own (its records never reach the session's projections). Each relay
principal writes its own topic; the view reads with the Kobiz projector's credentials,
the way ``kim dead-letters replay`` does. A record of a version the projector did not
know yet (an older decoder, here: its parked copy) is parked as a pointer; an intake
record no decoder reads holds its case's consents. Replay reads the first again from
Kafka and applies it; the operator resolves the second, and what the consent covers is
read again from Kafka and released.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from uuid import uuid4

import pytest
from kafka import KafkaConsumer, TopicPartition

from shared.bus.kafka import deprovision, make_consumer, make_producer, provision
from shared.bus.wire import encode
from shared.events import catalogue as ev
from shared.events.base import IntegrationEvent
from shared.events.common import Norm
from shared.persistence.pool import make_pool
from shared.projection.consumer import classify
from shared.projection.pg_store import PostgresCaseHistoryStore
from shared.projection.records import ConsumedRecord, ReplayOutcome
from shared.projection.replay import replay_dead_letters, resolve_dead_letters
from shared.service import Service
from shared.settings import InfraSettings, get_settings, kafka_credentials, kafka_principal
from tests.support.dead_letter_suite import stored_text
from tests.support.projection_suite import T0, consent, of_case, opened, toleration, types_of

pytestmark = pytest.mark.pipeline

TODAY = date(2026, 6, 1)


@pytest.fixture(scope="module")
def infra(infra_env: dict[str, str]) -> Iterator[InfraSettings]:
    settings = InfraSettings(topic_prefix=f"{InfraSettings().topic_prefix}-replay")
    provision(settings)
    yield settings
    deprovision(settings)


@pytest.fixture
def view(infra_env: dict[str, str]) -> Iterator[PostgresCaseHistoryStore]:
    pool = make_pool(get_settings(Service.KOBIZ).as_owner().pg_conninfo(), max_size=2)
    pool.open(wait=True)
    store = PostgresCaseHistoryStore(pool, "kobiz", prefix=f"t{uuid4().hex[:8]}_", service=Service.KOBIZ)
    store.setup()
    yield store
    store.drop()
    pool.close()


def publish(infra: InfraSettings, event: IntegrationEvent, sequence: int, seconds: int = 0) -> tuple[str, int, int]:
    """Write ``event`` as its owner's relay does (its own principal, its own topic); return its position."""
    owner = event.owner
    msg = encode(
        event,
        aggregate_id=event.case_id,
        aggregate_version=sequence,
        recorded_at=T0.replace(second=seconds),
        notification_id=sequence,
    )
    return write(infra, owner, msg.key, msg.value, msg.headers)


def write(
    infra: InfraSettings, owner: Service, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]
) -> tuple[str, int, int]:
    producer = make_producer(
        infra.kafka_bootstrap,
        client_id="kim-replay-test",
        credentials=kafka_credentials(kafka_principal(owner, "relay"), infra.environment),
    )
    try:
        meta = producer.send(infra.topic(owner), key=key, value=value, headers=headers).get(30)
    finally:
        producer.close()
    return (meta.topic, meta.partition, meta.offset)


def reader(infra: InfraSettings) -> KafkaConsumer:
    """A consumer without a group, as the Kobiz projector's principal (what replay and release use)."""
    return make_consumer(
        infra.kafka_bootstrap,
        group_id=None,
        client_id="kim-replay-test",
        credentials=kafka_credentials(kafka_principal(Service.KOBIZ, "projector"), infra.environment),
    )


def consume(infra: InfraSettings, positions: list[tuple[str, int, int]], timeout: float = 60) -> list[ConsumedRecord]:
    """The records at these positions, read from Kafka and decoded as the projector does."""
    consumer = reader(infra)
    wanted = set(positions)
    found: dict[tuple[str, int, int], ConsumedRecord] = {}
    try:
        partitions = sorted({TopicPartition(t, p) for t, p, _ in wanted})
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        deadline = time.monotonic() + timeout
        while wanted - set(found) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                for record in batch:
                    if (record.topic, record.partition, record.offset) in wanted:
                        found[(record.topic, record.partition, record.offset)] = classify(record)
    finally:
        consumer.close()
    assert set(found) == wanted, f"not read from Kafka: {wanted - set(found)}"
    return [found[p] for p in positions]


def apply(view: PostgresCaseHistoryStore, records: list[ConsumedRecord]) -> None:
    stored = view.load_offsets()
    # One batch per partition, in offset order, as the projector polls them.
    for tp in sorted({r.tp for r in records}):
        batch = sorted((r for r in records if r.tp == tp), key=lambda r: r.offset)
        outcome = view.apply_batch(batch, {tp: stored.get(tp)}, today=TODAY)
        assert outcome.releasable == []
        stored = view.load_offsets()


def test_replay_and_release_read_the_records_again_from_kafka(
    infra: InfraSettings, view: PostgresCaseHistoryStore
) -> None:
    case, marker = uuid4(), f"marker-{uuid4().hex}"
    claim = of_case(ev.HealthExemptionClaimed, case, claimed_on=date(2026, 2, 1), norm=Norm.AUFENTHG_25B)
    positions = [
        publish(infra, opened(case), 1),
        publish(infra, consent(case), 2, seconds=1),
        publish(infra, toleration(case, T0.date()), 3, seconds=2),
        publish(infra, claim, 4, seconds=3),
    ]
    garbled = write(
        infra,
        Service.INTAKE,
        str(case).encode(),
        b"{ garbled " + marker.encode(),
        [("ce_type", b"de.nrw.kim.intake.ConsentRevoked.v7"), ("ce_source", b"/kim/intake")],
    )
    first, granted, stay, claimed, unreadable = consume(infra, [*positions, garbled])
    assert unreadable.envelope is None and claimed.envelope is not None
    # The claim's version was new to the projector that consumed it: parked, a pointer only.
    headers = [("ce_type", claim.wire_type().encode())]
    older = replace(
        claimed, envelope=None, poison_reason="unknown event type or version: (older decoder)", headers=headers
    )
    apply(view, [first, granted, stay, older, unreadable])
    assert types_of(view, case) == ["CaseOpened", "ConsentGranted"], "the consents are held"
    assert view.consent_holds().on(case) and view.counts()["withheld"] == 1
    assert marker not in stored_text(view) and "garbled" not in stored_text(view)
    letters = {(d.topic, d.partition, d.offset): d for d in view.dead_letters()}
    claim_letter, garbled_letter = letters[positions[3]], letters[garbled]

    results = replay_dead_letters(view, fetcher_factory=lambda: reader(infra), today=TODAY)
    outcomes = {r.id: r.outcome for r in results}
    assert outcomes == {claim_letter.id: ReplayOutcome.APPLIED, garbled_letter.id: ReplayOutcome.STILL_INVALID}
    assert types_of(view, case) == ["CaseOpened", "ConsentGranted", "HealthExemptionClaimed"]
    assert view.consent_holds().on(case), "still unresolved"

    results = resolve_dead_letters(
        view, [garbled_letter.id], "im Ereignisspeicher geprüft", fetcher_factory=lambda: reader(infra), today=TODAY
    )
    assert [r.outcome for r in results] == [ReplayOutcome.DISMISSED]
    assert not view.consent_holds().on(case) and view.counts()["withheld"] == 0
    assert types_of(view, case) == ["CaseOpened", "ConsentGranted", "ToleratedStayIssued", "HealthExemptionClaimed"]
    summary = view.summary(case)
    assert summary is not None and summary.event_count == 4
    assert marker not in stored_text(view)
