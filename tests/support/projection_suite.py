"""One behaviour suite for the case-history store, run on every backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4, uuid5

import pytest

from shared.bus.wire import Envelope, encode
from shared.events import catalogue as ev
from shared.events.base import IntegrationEvent
from shared.events.common import ConsentScope, DataCategory, Purpose, RecipientKind
from shared.policy import sharing as policy
from shared.policy.consent import covering_consent
from shared.projection.case_history_store import CaseHistoryStore
from shared.projection.consumer import classify
from shared.projection.entitlement import Keep, Withhold, decide
from shared.projection.memory import InMemoryCaseHistoryStore
from shared.projection.pg_store import PostgresCaseHistoryStore
from shared.projection.ports import OffsetFencingError
from shared.projection.records import ConsumedRecord, KafkaPosition, TimelineEntry
from shared.projection.summary import CaseSummary
from shared.service import Service

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


class FakeRecord:
    """A Kafka ConsumerRecord as kafka-python hands it over."""

    def __init__(
        self,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]],
    ) -> None:
        self.topic, self.partition, self.offset = topic, partition, offset
        self.key, self.value, self.headers = key, value, headers


def topic_of(service: Service) -> str:
    """The suite's topic of a service, named like the service topics (``<prefix>.<slug>.events``)."""
    return f"t.{service.slug}.events"


INTAKE_TOPIC, FO_TOPIC, KOBIZ_TOPIC = (topic_of(s) for s in (Service.INTAKE, Service.FOREIGN_OFFICE, Service.KOBIZ))


class Feed:
    """Builds records like the relays would publish them."""

    def __init__(self, viewer: Service) -> None:
        self.viewer = viewer
        self.offsets: dict[tuple[str, int], int] = {}
        self.sequence: dict[Service, int] = {}
        self.log: dict[tuple[str, int, int], ConsumedRecord] = {}
        self.raw: dict[tuple[str, int, int], FakeRecord] = {}

    def record(
        self,
        event: IntegrationEvent,
        *,
        seconds: int = 0,
        sequence: int | None = None,
        partition: int = 0,
        version: int = 1,
    ) -> ConsumedRecord:
        owner = event.owner
        if sequence is None:
            sequence = self.sequence.get(owner, 0) + 1
        self.sequence[owner] = max(self.sequence.get(owner, 0), sequence)
        msg = encode(
            event,
            aggregate_id=event.case_id,
            aggregate_version=version + sequence,
            recorded_at=T0 + timedelta(seconds=seconds),
            notification_id=sequence,
        )
        topic = topic_of(owner)
        offset = self.offsets.get((topic, partition), 0)
        self.offsets[(topic, partition)] = offset + 1
        raw = FakeRecord(topic, partition, offset, msg.key, msg.value, msg.headers)
        record = classify(raw)
        self.log[(topic, partition, offset)] = record
        self.raw[(topic, partition, offset)] = raw
        return record

    def fetch(self, pointers: Sequence[KafkaPosition]) -> list[ConsumedRecord]:
        """What the projector reads again from Kafka at these positions (those the log has)."""
        return [self.log[key] for p in pointers if (key := (p.topic, p.partition, p.offset)) in self.log]

    def poison(
        self,
        topic: str = KOBIZ_TOPIC,
        partition: int = 0,
        value: bytes = b"\xff not json",
        headers: list[tuple[str, bytes]] | None = None,
        key: bytes | None = b"k",
    ) -> ConsumedRecord:
        """A record that is not a valid event; by default on Kobiz's topic, so it holds no consents."""
        offset = self.offsets.get((topic, partition), 0)
        self.offsets[(topic, partition)] = offset + 1
        raw = FakeRecord(topic, partition, offset, key, value, [("ce_type", b"x")] if headers is None else headers)
        record = classify(raw)
        self.log[(topic, partition, offset)] = record
        self.raw[(topic, partition, offset)] = raw
        return record


def opened(case_id: UUID) -> ev.CaseOpened:
    return ev.CaseOpened(case_id=case_id, person_id=uuid4(), opened_on=date(2026, 1, 6), case_manager_id="st-cm0001")


E = TypeVar("E", bound=IntegrationEvent)


def of_case(cls: type[E], case_id: UUID, **fields: Any) -> E:
    """A department's event on the case (naming the department's file of the case, where its events name one)."""
    if "file_id" in cls.model_fields:
        fields["file_id"] = uuid5(case_id, cls.owner.value)
    return cls.model_validate({"case_id": case_id, **fields})


def toleration(case_id: UUID, valid_from: date) -> ev.ToleratedStayIssued:
    return of_case(
        ev.ToleratedStayIssued,
        case_id,
        subtype="60a",
        ground_code="no_travel_documents",
        valid_from=valid_from,
        valid_until=valid_from + timedelta(days=180),
        work_permitted=True,
        residence_condition=False,
    )


def consent(
    case_id: UUID,
    recipient: str = "kobiz",
    categories: tuple[str, ...] = ("status", "identity"),
    purpose: Purpose = Purpose.PREPARE_APPLICATION_25B,
    valid_until: date = date(2027, 12, 31),
    consent_id: UUID | None = None,
    secrecy_release: bool = False,
    more: tuple[ConsentScope, ...] = (),
) -> ev.ConsentGranted:
    """A consent naming ``recipient`` (a party id) for ``categories`` (and ``more`` scopes)."""
    scope = ConsentScope(
        recipient=recipient, categories=[DataCategory(c) for c in categories], secrecy_release=secrecy_release
    )
    return ev.ConsentGranted(
        case_id=case_id,
        consent_id=consent_id or uuid4(),
        scopes=[scope, *more],
        purpose=purpose,
        valid_from=date(2026, 1, 1),
        valid_until=valid_until,
        form_version="KIM-EW-2025-1",
        language="ar",
        interpreter_used=True,
    )


TODAY = date(2026, 6, 1)
StoreFactory = Callable[[], CaseHistoryStore]


def envelope(record: ConsumedRecord) -> Envelope:
    """The decoded event of a record the test built valid."""
    assert record.envelope is not None, record.poison_reason
    return record.envelope


def person_of(record: ConsumedRecord) -> UUID:
    """The person of a CaseOpened record."""
    event = envelope(record).event
    assert isinstance(event, ev.CaseOpened)
    return event.person_id


def summary_of(store: CaseHistoryStore, case_id: UUID) -> CaseSummary:
    """The case's summary, which the test expects to exist."""
    summary = store.summary(case_id)
    assert summary is not None
    return summary


def types_of(store: CaseHistoryStore, case_id: UUID) -> list[str]:
    """The event names of the case's timeline, in case order."""
    return [e.type.split(".")[-2] for e in store.timeline(case_id)]


def entry(store: CaseHistoryStore, case_id: UUID, name: str) -> TimelineEntry:
    """The one entry of event ``name`` the case's timeline holds."""
    (found,) = [e for e in store.timeline(case_id) if e.type.split(".")[-2] == name]
    return found


def closed_on(case_id: UUID, day: date) -> ev.CaseClosed:
    return ev.CaseClosed(case_id=case_id, closed_on=day, reason="goal_reached")


def counselled(case_id: UUID) -> ev.PerspectiveCounsellingHeld:
    return of_case(ev.PerspectiveCounsellingHeld, case_id, held_on=date(2026, 2, 15), topic_codes=["language_course"])


def certificate(case_id: UUID) -> ev.LanguageCertificateObtained:
    return of_case(ev.LanguageCertificateObtained, case_id, level="A2", exam_body="telc", obtained_on=date(2026, 3, 10))


class StoreSuiteBase:
    """Subclass and provide a ``store`` fixture (Kobiz's view); ``fo_store`` is the foreign
    office's view (held for the Ausländerbehörde and the Einbürgerungsbehörde) and
    ``intake_store`` intake's, on the same backend."""

    @staticmethod
    def sibling(store: CaseHistoryStore, service: Service) -> Iterator[CaseHistoryStore]:
        """Another service's view on the same backend (PostgreSQL: tables under a prefix of their own)."""
        if isinstance(store, PostgresCaseHistoryStore):
            other = PostgresCaseHistoryStore(
                store.pool, store.schema, prefix=f"{store.prefix}{service.slug[:2]}_", service=service
            )
            other.setup()
            yield other
            other.drop()
        else:
            assert isinstance(store, InMemoryCaseHistoryStore)
            yield InMemoryCaseHistoryStore(service)

    @pytest.fixture
    def fo_store(self, store: CaseHistoryStore) -> Iterator[CaseHistoryStore]:
        yield from self.sibling(store, Service.FOREIGN_OFFICE)

    @pytest.fixture
    def intake_store(self, store: CaseHistoryStore) -> Iterator[CaseHistoryStore]:
        yield from self.sibling(store, Service.INTAKE)

    def apply(
        self, store: CaseHistoryStore, records: list[ConsumedRecord], feed: Feed | None = None, today: date = TODAY
    ) -> int:
        """Apply a batch as the projector does, including releasing what a consent now covers."""
        stored = store.load_offsets()
        outcome = store.apply_batch(records, {r.tp: stored.get(r.tp) for r in records}, today=today)
        if feed is not None and outcome.releasable:
            store.release(feed.fetch(outcome.releasable), today=today)
        return outcome.applied


class CaseHistoryStoreSuite(StoreSuiteBase):
    """The view's behaviour: policy, consents, order, offsets (dead letters: ``dead_letter_suite``)."""

    def test_applies_events_and_offsets_in_one_batch(self, store: CaseHistoryStore) -> None:
        feed, case = Feed(Service.KOBIZ), uuid4()
        records = [
            feed.record(opened(case)),
            feed.record(consent(case), seconds=1),
            feed.record(toleration(case, date(2026, 1, 1)), seconds=2),
        ]
        assert self.apply(store, records) == 3
        assert [e.type.split(".")[-2] for e in store.timeline(case)] == [
            "CaseOpened",
            "ConsentGranted",
            "ToleratedStayIssued",
        ]
        assert [e.basis.split(":")[0] for e in store.timeline(case)] == ["own_task", "named_in_consent", "consent"]
        summary = store.summary(case)
        assert summary is not None and summary.event_count == 3
        assert store.load_offsets() == {(INTAKE_TOPIC, 0): 2, (FO_TOPIC, 0): 1}

    def test_held_bases_are_the_timelines_without_content_for_many_cases_at_once(self, store: CaseHistoryStore) -> None:
        feed, first, second, unknown = Feed(Service.KOBIZ), uuid4(), uuid4(), uuid4()
        records = [feed.record(opened(first)), feed.record(consent(first), seconds=1), feed.record(opened(second))]
        self.apply(store, [*records, feed.record(toleration(first, date(2026, 1, 1)), seconds=2)])
        bases = store.held_bases([first, second, unknown])
        for case in (first, second):
            expected = sorted((e.type, e.category, e.basis) for e in store.timeline(case))
            assert sorted((b.type, b.category, b.basis) for b in bases[case]) == expected
        assert bases[unknown] == []
        assert store.held_bases([]) == {}

    def test_a_republished_event_changes_nothing(self, store: CaseHistoryStore) -> None:
        feed, case = Feed(Service.KOBIZ), uuid4()
        first = feed.record(opened(case), sequence=5)
        self.apply(store, [first])
        again = feed.record(opened(case).model_copy(update={"person_id": person_of(first)}), sequence=5)
        assert again.offset == first.offset + 1
        assert self.apply(store, [again, feed.record(consent(case), seconds=2)]) == 1
        assert len(store.timeline(case)) == 2
        assert summary_of(store, case).event_count == 2
        assert store.has_processed(Service.INTAKE, 5)

    def test_stale_offsets_are_fenced_and_nothing_is_written(self, store: CaseHistoryStore) -> None:
        feed, case = Feed(Service.KOBIZ), uuid4()
        self.apply(store, [feed.record(opened(case))])
        late = feed.record(toleration(case, date(2026, 1, 1)), seconds=1)
        with pytest.raises(OffsetFencingError):
            store.apply_batch([late], {late.tp: 7})
        assert len(store.timeline(case)) == 1
        with pytest.raises(OffsetFencingError):
            store.apply_batch([feed.record(opened(uuid4()))], {(INTAKE_TOPIC, 0): None})

    def test_events_the_service_may_not_see_are_consumed_but_not_kept(self, store: CaseHistoryStore) -> None:
        # Kobiz may hold a health exemption claim only via... nobody: it is Kobiz's own.
        # A referral reaches Kobiz only with consent; without one it is withheld.
        feed, case = Feed(Service.KOBIZ), uuid4()
        record = feed.record(ev.ReferralReceived(case_id=case, received_on=date(2026, 1, 2), source="self"))
        self.apply(store, [record])
        assert store.summary(case) is None and store.timeline(case) == []
        assert store.has_processed(Service.INTAKE, envelope(record).sequence)
        assert store.load_offsets()[record.tp] == record.offset + 1
        assert store.counts()["withheld"] == 1

    def test_poison_is_parked_and_the_partition_moves_on(self, store: CaseHistoryStore) -> None:
        feed, case = Feed(Service.KOBIZ), uuid4()
        records = [feed.poison(INTAKE_TOPIC), feed.record(opened(case))]
        assert self.apply(store, records) == 1
        dead = store.dead_letters()
        assert len(dead) == 1 and dead[0].offset == 0 and "not a CloudEvent" in dead[0].reason
        assert store.load_offsets()[(INTAKE_TOPIC, 0)] == 2

    def test_poison_with_nul_characters_is_parked_too(self, store: CaseHistoryStore) -> None:
        # PostgreSQL refuses NUL in text and jsonb; a record carrying one must not fail the batch.
        feed, case = Feed(Service.KOBIZ), uuid4()
        template = encode(opened(case), aggregate_id=case, aggregate_version=1, recorded_at=T0, notification_id=1)
        nul_type = [(k, b"de.nrw.kim.intake.No\x00Such.v1" if k == "ce_type" else v) for k, v in template.headers]
        records = [
            feed.poison(INTAKE_TOPIC, value=b"\x00{", headers=[("ce_type", b"\x00"), ("junk", b"a\x00b")]),
            feed.poison(INTAKE_TOPIC, value=template.value, headers=nul_type),
            feed.record(opened(case)),
        ]
        assert self.apply(store, records) == 1
        reasons = sorted(d.reason for d in store.dead_letters())
        assert len(reasons) == 2 and "unknown event type or version" in reasons[1], reasons
        assert store.load_offsets()[(INTAKE_TOPIC, 0)] == 3

    def test_summary_is_the_same_whatever_the_arrival_order(self, store: CaseHistoryStore) -> None:
        feed, case = Feed(Service.KOBIZ), uuid4()
        self.apply(store, [feed.record(consent(case))])
        early = feed.record(toleration(case, date(2026, 1, 1)), seconds=10, partition=1)
        late = feed.record(toleration(case, date(2026, 7, 1)), seconds=20, partition=2)
        self.apply(store, [late])
        self.apply(store, [early])
        stay = summary_of(store, case).get("tolerated_stay")
        assert stay is not None and stay["valid_from"] == "2026-07-01"
        assert [e.valid_on for e in store.timeline(case)][1:] == [date(2026, 1, 1), date(2026, 7, 1)]

    def test_cases_lists_most_recent_first(self, store: CaseHistoryStore) -> None:
        feed = Feed(Service.KOBIZ)
        older, newer = uuid4(), uuid4()
        self.apply(store, [feed.record(opened(older), seconds=1), feed.record(opened(newer), seconds=100)])
        ids = [s.case_id for s in store.cases(limit=10, offset=0)]
        assert ids.index(str(newer)) < ids.index(str(older))

    # --- consent --------------------------------------------------------------------

    def test_a_late_consent_releases_what_was_withheld(self, store: CaseHistoryStore) -> None:
        feed, case = Feed(Service.KOBIZ), uuid4()
        stay = feed.record(toleration(case, date(2026, 1, 1)), seconds=5)
        self.apply(store, [stay], feed)
        assert store.timeline(case) == [] and store.counts()["withheld"] == 1
        self.apply(store, [feed.record(consent(case), seconds=1)], feed)
        assert [e.type.split(".")[-2] for e in store.timeline(case)] == ["ConsentGranted", "ToleratedStayIssued"]
        assert store.counts()["withheld"] == 0
        assert summary_of(store, case).get("tolerated_stay") is not None

    def test_revocation_removes_what_was_held_only_by_that_consent(self, store: CaseHistoryStore) -> None:
        feed, case, consent_id = Feed(Service.KOBIZ), uuid4(), uuid4()
        self.apply(
            store,
            [
                feed.record(opened(case)),
                feed.record(consent(case, consent_id=consent_id), seconds=1),
                feed.record(toleration(case, date(2026, 1, 1)), seconds=2),
            ],
            feed,
        )
        revoked = ev.ConsentRevoked(case_id=case, consent_id=consent_id, effective_on=TODAY, prior_recipients=["kobiz"])
        self.apply(store, [feed.record(revoked, seconds=3)], feed)
        kept = [e.type.split(".")[-2] for e in store.timeline(case)]
        # The statutory event and the proof of the consent stay; the status data goes.
        assert kept == ["CaseOpened", "ConsentGranted", "ConsentRevoked"]
        assert summary_of(store, case).get("tolerated_stay") is None
        assert store.counts()["withheld"] == 1
        # A new consent brings it back.
        self.apply(store, [feed.record(consent(case), seconds=4)], feed)
        assert "ToleratedStayIssued" in [e.type.split(".")[-2] for e in store.timeline(case)]

    def test_expiry_acts_like_revocation_when_it_happens(self, store: CaseHistoryStore) -> None:
        feed, case = Feed(Service.KOBIZ), uuid4()
        self.apply(
            store,
            [
                feed.record(consent(case, valid_until=date(2026, 6, 30)), seconds=1),
                feed.record(toleration(case, date(2026, 1, 1)), seconds=2),
            ],
            feed,
        )
        assert len(store.timeline(case)) == 2
        store.sweep(today=date(2026, 6, 30))
        assert len(store.timeline(case)) == 2
        outcome = store.sweep(today=date(2026, 7, 1))
        assert outcome.removed == 1
        assert [e.type.split(".")[-2] for e in store.timeline(case)] == ["ConsentGranted"]

    def test_a_consent_must_cover_recipient_category_and_purpose(self, store: CaseHistoryStore) -> None:
        feed = Feed(Service.KOBIZ)
        other_recipient, other_category = uuid4(), uuid4()
        self.apply(
            store,
            [
                feed.record(consent(other_recipient, recipient="foreign_office"), seconds=1),
                feed.record(toleration(other_recipient, date(2026, 1, 1)), seconds=2),
                feed.record(consent(other_category, categories=("language_education",)), seconds=1),
                feed.record(toleration(other_category, date(2026, 1, 1)), seconds=2),
            ],
            feed,
        )
        assert store.timeline(other_recipient) == []  # Kobiz is not named: not even the consent record
        assert [e.type.split(".")[-2] for e in store.timeline(other_category)] == ["ConsentGranted"]

    def test_narrowing_a_consent_withholds_the_category_from_then_on(self, store: CaseHistoryStore) -> None:
        feed, case, consent_id = Feed(Service.KOBIZ), uuid4(), uuid4()
        self.apply(
            store,
            [
                feed.record(consent(case, consent_id=consent_id), seconds=1),
                feed.record(toleration(case, date(2026, 1, 1)), seconds=2),
            ],
            feed,
        )
        narrowed = ev.ConsentScopeChanged(
            case_id=case,
            consent_id=consent_id,
            effective_on=date(2026, 7, 1),
            scopes=[ConsentScope(recipient="kobiz", categories=[DataCategory.IDENTITY])],
        )
        self.apply(store, [feed.record(narrowed, seconds=3)], feed)
        assert "ToleratedStayIssued" in [e.type.split(".")[-2] for e in store.timeline(case)]
        store.sweep(today=date(2026, 7, 1))
        assert "ToleratedStayIssued" not in [e.type.split(".")[-2] for e in store.timeline(case)]

    def test_a_widening_scope_change_releases_nothing_new(self, store: CaseHistoryStore) -> None:
        # Intake refuses a widening (409); one recorded by version 0.1 is still on the topics.
        feed, case, consent_id = Feed(Service.KOBIZ), uuid4(), uuid4()
        self.apply(
            store,
            [
                feed.record(consent(case, categories=("identity",), consent_id=consent_id), seconds=1),
                feed.record(toleration(case, date(2026, 1, 1)), seconds=2),
            ],
            feed,
        )
        widened = ev.ConsentScopeChanged(
            case_id=case,
            consent_id=consent_id,
            effective_on=date(2026, 2, 1),
            scopes=[ConsentScope(recipient="kobiz", categories=[DataCategory.IDENTITY, DataCategory.STATUS])],
        )
        self.apply(store, [feed.record(widened, seconds=3)], feed)
        store.sweep(today=TODAY)
        assert types_of(store, case) == ["ConsentGranted", "ConsentScopeChanged"]
        assert store.counts()["withheld"] == 1

    # --- parties, closure, secrecy release ----------------------------------------------

    def test_a_consent_naming_one_course_provider_releases_to_no_other_party_of_that_kind(
        self, store: CaseHistoryStore
    ) -> None:
        # Partners have no projection yet: the decision is checked where the policy meets the
        # consents the view keeps, for the party the consent names and another of its kind.
        feed, case, consent_id = Feed(Service.KOBIZ), uuid4(), uuid4()
        vhs = ConsentScope(recipient="course_provider:vhs-euskirchen", categories=[DataCategory.LANGUAGE_EDUCATION])
        granted = consent(case, purpose=Purpose.LANGUAGE_COURSE_PLACEMENT, consent_id=consent_id, more=(vhs,))
        self.apply(store, [feed.record(granted, seconds=1)], feed)
        consents = store.consents_of(case)
        course = envelope(
            feed.record(
                of_case(
                    ev.LanguageCourseEnrolled,
                    case,
                    course_type="vocational_language_course",
                    provider_code="vhs-eu",
                    starts_on=date(2026, 2, 1),
                ),
                seconds=2,
            )
        )
        entitled = policy.entitlement(RecipientKind.COURSE_PROVIDER, course.event)
        assert entitled is not None and entitled.basis is policy.LegalBasis.CONSENT
        named = decide(("course_provider:vhs-euskirchen",), course, consents, TODAY)
        assert isinstance(named, Keep) and named.held_for == {"course_provider:vhs-euskirchen": f"consent:{consent_id}"}
        for other in ("course_provider:vhs-rureifel", "course_provider:unbenannt"):
            assert isinstance(decide((other,), course, consents, TODAY), Withhold), other
            assert covering_consent(consents, other, DataCategory.LANGUAGE_EDUCATION, TODAY) is None
        # Kobiz itself holds the consent record it is named in, not the course provider's data release.
        assert entry(store, case, "ConsentGranted").held_for == {"kobiz": "named_in_consent"}

    def test_the_closure_ends_consent_data_and_keeps_the_notice_for_prior_holders(
        self, store: CaseHistoryStore, fo_store: CaseHistoryStore
    ) -> None:
        case, closure = uuid4(), date(2026, 6, 30)
        for view in (store, fo_store):
            feed = Feed(view.service)
            self.apply(
                view,
                [
                    feed.record(consent(case, "kobiz", ("status", "case_management")), seconds=0),
                    feed.record(consent(case, "foreign_office", ("case_management",)), seconds=1),
                    feed.record(opened(case), seconds=2),
                    feed.record(toleration(case, date(2026, 1, 1)), seconds=3),
                    feed.record(closed_on(case, closure), seconds=4),
                ],
                feed,
            )
            # The case closes on its day: until then the consents run.
            assert "CaseOpened" in types_of(view, case), view.service
        assert types_of(store, case) == ["ConsentGranted", "CaseOpened", "ToleratedStayIssued", "CaseClosed"]
        outcome = store.sweep(today=closure)
        assert outcome.removed == 1
        # Kobiz: its own task stays, the Duldung it held by consent goes; the proof of the consent stays.
        assert types_of(store, case) == ["ConsentGranted", "CaseOpened", "CaseClosed"]
        assert summary_of(store, case).case_status() == "closed"
        assert fo_store.sweep(today=closure).removed == 1
        # The foreign office held the opening by consent only: it goes. The closure notice stays with
        # both of its parties, which held data of the case (Art. 19 DSGVO); the record stays as proof.
        assert types_of(fo_store, case) == ["ConsentGranted", "ToleratedStayIssued", "CaseClosed"]
        assert entry(fo_store, case, "CaseClosed").held_for == {
            "foreign_office": "prior_recipient",
            "naturalisation_authority": "prior_recipient",
        }
        assert entry(fo_store, case, "CaseClosed").basis == "prior_recipient"
        assert summary_of(fo_store, case).case_status() == "closed"
        # A late consent of a closed case releases nothing: its term has ended with the case.
        late = Feed(Service.FOREIGN_OFFICE)
        self.apply(
            fo_store,
            [late.record(consent(case, "foreign_office", ("case_management",)), seconds=5)],
            late,
            today=closure,
        )
        assert "CaseOpened" not in types_of(fo_store, case)

    def test_a_department_that_held_nothing_of_a_case_does_not_keep_its_closure(
        self, fo_store: CaseHistoryStore
    ) -> None:
        feed, case = Feed(Service.FOREIGN_OFFICE), uuid4()
        self.apply(fo_store, [feed.record(opened(case)), feed.record(closed_on(case, TODAY), seconds=1)], feed)
        assert fo_store.timeline(case) == [] and fo_store.counts()["withheld"] == 2

    def test_counselling_codes_reach_the_foreign_office_only_with_the_secrecy_release(
        self, fo_store: CaseHistoryStore
    ) -> None:
        feed, case = Feed(Service.FOREIGN_OFFICE), uuid4()
        self.apply(
            fo_store,
            [
                feed.record(consent(case, "foreign_office", ("case_management",)), seconds=0),
                # A scope naming counselling without the release (intake refuses it; a foreign producer might not).
                feed.record(consent(case, "foreign_office", ("counselling",)), seconds=1),
                feed.record(counselled(case), seconds=2),
            ],
            feed,
        )
        assert "PerspectiveCounsellingHeld" not in types_of(fo_store, case)
        assert fo_store.counts()["withheld"] == 1
        released = consent(case, "foreign_office", ("counselling",), secrecy_release=True)
        self.apply(fo_store, [feed.record(released, seconds=3)], feed)
        held = entry(fo_store, case, "PerspectiveCounsellingHeld")
        assert held.held_for == {"foreign_office": f"consent:{released.consent_id}"}
        assert held.basis == f"consent:{released.consent_id}" and held.category == "counselling"
        assert fo_store.counts()["withheld"] == 0

    def test_the_ebb_receives_what_its_consent_names_and_the_abh_what_its_own_names(
        self, fo_store: CaseHistoryStore
    ) -> None:
        feed = Feed(Service.FOREIGN_OFFICE)
        for party, other in (
            ("naturalisation_authority", "foreign_office"),
            ("foreign_office", "naturalisation_authority"),
        ):
            case = uuid4()
            granted = consent(case, party, ("language_education", "identity"), purpose=Purpose.PREPARE_NATURALISATION)
            self.apply(
                fo_store,
                [
                    feed.record(granted, seconds=0),
                    feed.record(certificate(case), seconds=1),
                    feed.record(toleration(case, date(2026, 1, 1)), seconds=2),
                ],
                feed,
            )
            # Held for the party the consent names, never for the other one.
            assert entry(fo_store, case, "ConsentGranted").held_for == {party: "named_in_consent"}
            held = entry(fo_store, case, "LanguageCertificateObtained")
            assert held.held_for == {party: f"consent:{granted.consent_id}"} and other not in held.held_for
            # The foreign office's own events are the task of both (one department in Kreis Euskirchen).
            assert entry(fo_store, case, "ToleratedStayIssued").held_for == {
                "foreign_office": "own_task",
                "naturalisation_authority": "own_task",
            }
        # A registration reaches the ABH on consent; the EBB has no basis for it (docs/domain.md §3 row 1).
        case = uuid4()
        registered = ev.PersonRegistered(case_id=case, person_id=uuid4(), registered_on=date(2026, 1, 5))
        self.apply(
            fo_store,
            [
                feed.record(
                    consent(case, "naturalisation_authority", ("identity",), purpose=Purpose.PREPARE_NATURALISATION)
                ),
                feed.record(registered, seconds=1),
            ],
            feed,
        )
        assert types_of(fo_store, case) == ["ConsentGranted"]
