"""Which topic a service owns, the source check, and what a department does with a record it cannot apply."""

from __future__ import annotations

from uuid import uuid4

import pytest

from shared.bus.wire import encode, topic_owner
from shared.events import catalogue as ev
from shared.policy.parties import service_parties
from shared.projection.consumer import classify
from shared.projection.poison import Parked, Skipped, never_held, triage
from shared.projection.records import ConsumedRecord, PoisonCause
from shared.service import Service
from shared.settings import InfraSettings
from tests.support.projection_suite import T0, FakeRecord, certificate, consent, opened


@pytest.mark.parametrize("prefix", ["kim", "kim-test-1a2b", "team.kim.v2", "x.intake"])
@pytest.mark.parametrize("service", list(Service))
def test_every_service_topic_names_its_owner(prefix: str, service: Service) -> None:
    assert topic_owner(InfraSettings(topic_prefix=prefix).topic(service)) is service


@pytest.mark.parametrize("topic", ["unit.relay.events", "kim.intake", "intake.events", "kim.intake.events.x", ""])
def test_any_other_topic_has_no_owner(topic: str) -> None:
    assert topic_owner(topic) is None


def record_on(topic: str, event: ev.IntegrationEvent) -> ConsumedRecord:
    msg = encode(event, aggregate_id=event.case_id, aggregate_version=1, recorded_at=T0, notification_id=1)
    return classify(FakeRecord(topic, 0, 0, msg.key, msg.value, msg.headers))


def test_a_record_whose_source_is_not_the_topics_owner_is_rejected_before_it_is_decoded() -> None:
    forged = record_on("kim.kobiz.events", consent(uuid4()))
    assert forged.envelope is None and forged.poison_cause is PoisonCause.FOREIGN_SOURCE
    assert forged.poison_reason == "source /kim/intake does not belong to topic kim.kobiz.events"
    genuine = record_on("kim.intake.events", consent(uuid4()))
    assert genuine.envelope is not None
    # A scratch topic outside the services' naming (a benchmark's) has no owner to check against.
    assert record_on("bench-1.seed.abc", opened(uuid4())).envelope is not None


def garbled(topic: str, wire_type: bytes, key: bytes | None) -> ConsumedRecord:
    return classify(FakeRecord(topic, 0, 7, key, b"{ garbled", [("ce_type", wire_type)]))


def test_only_a_type_no_party_of_the_department_may_ever_hold_is_skipped() -> None:
    fo, kobiz = service_parties(Service.FOREIGN_OFFICE), service_parties(Service.KOBIZ)
    referral = garbled("kim.intake.events", b"de.nrw.kim.intake.ReferralReceived.v3", str(uuid4()).encode())
    assert isinstance(triage(referral, fo), Skipped)
    assert isinstance(triage(referral, kobiz), Parked)
    # Unknown names, names of another service than the topic's owner, unknown topics: parked.
    for topic, wire_type in [
        ("kim.intake.events", b"de.nrw.kim.intake.NoSuchThing.v1"),
        ("kim.kobiz.events", b"de.nrw.kim.intake.ReferralReceived.v1"),
        ("scratch", b"de.nrw.kim.intake.ReferralReceived.v1"),
        ("kim.intake.events", b"ReferralReceived"),
    ]:
        assert isinstance(triage(garbled(topic, wire_type, b"k"), fo), Parked), (topic, wire_type)


@pytest.mark.parametrize("service", list(Service))
@pytest.mark.parametrize("event", [ev.ConsentGranted, ev.ConsentScopeChanged, ev.ConsentRevoked, ev.CaseClosed])
def test_no_department_skips_an_event_that_changes_consents(service: Service, event: type[ev.IntegrationEvent]) -> None:
    # So a skipped record never hides a lost revocation, narrowing or closure.
    assert not never_held(service_parties(service), event.wire_type(), "kim.intake.events")


def test_an_undecodable_intake_record_holds_the_case_its_key_names_or_every_case() -> None:
    case, parties = uuid4(), service_parties(Service.KOBIZ)
    keyed = triage(garbled("kim.intake.events", b"x", str(case).encode()), parties)
    assert isinstance(keyed, Parked) and keyed.consent_hold and keyed.case_id == case
    for key in (None, b"", b"not-a-case"):
        unnamed = triage(garbled("kim.intake.events", b"x", key), parties)
        assert isinstance(unnamed, Parked) and unnamed.consent_hold and unnamed.case_id is None
    department = triage(garbled("kim.kobiz.events", b"x", str(case).encode()), parties)
    assert isinstance(department, Parked) and not department.consent_hold
    forged = triage(record_on("kim.intake.events", certificate(case)), parties)
    assert isinstance(forged, Parked) and not forged.consent_hold and forged.cause is PoisonCause.FOREIGN_SOURCE


def test_nul_characters_never_reach_the_stored_type_or_reason() -> None:
    parked = triage(garbled("kim.kobiz.events", b"de.nrw.\x00kim", b"k"), service_parties(Service.KOBIZ))
    assert isinstance(parked, Parked) and parked.type is not None
    assert "\x00" not in parked.type and "\x00" not in parked.reason
