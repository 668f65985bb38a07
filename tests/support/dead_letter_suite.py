"""Dead letters, skipped records and consent holds: one behaviour suite, run on every backend.

A dead letter is a pointer (topic, partition, offset, type, reason, time); replay reads
the record again (here: from the feed's log, as the projector reads Kafka). A record of
a type a department may never hold is skipped; an undecodable record on intake's topic
holds the consents of the case its key names (of every case without one) until it is
settled.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from uuid import UUID, uuid4

from psycopg import sql

from shared.bus.wire import encode
from shared.events import catalogue as ev
from shared.events.common import Norm
from shared.projection.case_history_store import CaseHistoryStore
from shared.projection.memory import InMemoryCaseHistoryStore
from shared.projection.pg_schema import TABLES
from shared.projection.pg_store import PostgresCaseHistoryStore
from shared.projection.poison import ConsentHolds
from shared.projection.records import ConsumedRecord, PoisonCause, ReplayOutcome
from shared.service import Service
from tests.support.projection_suite import (
    INTAKE_TOPIC,
    KOBIZ_TOPIC,
    T0,
    TODAY,
    Feed,
    StoreSuiteBase,
    consent,
    envelope,
    of_case,
    opened,
    person_of,
    summary_of,
    toleration,
    types_of,
)

OLDER_DECODER = "unknown event type or version: (older decoder)"


def stored_text(store: CaseHistoryStore) -> str:
    """Everything the view stores, as text: every column of every row of every table."""
    if isinstance(store, PostgresCaseHistoryStore):
        rows: list[str] = []
        with store.pool.connection() as conn:
            for table in TABLES:
                query = sql.SQL("SELECT t::text FROM {} AS t").format(store.t(table))
                rows += [str(r[0]) for r in conn.execute(query).fetchall()]
        return "\n".join(rows)
    assert isinstance(store, InMemoryCaseHistoryStore)
    return repr(vars(store._state))  # noqa: SLF001 - the in-memory twin's tables are its state


def parked_copy(feed: Feed, record: ConsumedRecord, reason: str = OLDER_DECODER) -> ConsumedRecord:
    """A valid record as an older decoder rejected it: parked, though it decodes today."""
    raw = feed.raw[(record.topic, record.partition, record.offset)]
    return replace(record, envelope=None, poison_reason=reason, key=raw.key, value=raw.value, headers=raw.headers)


def headers_of(event: ev.IntegrationEvent, wire_type: str | None = None) -> list[tuple[str, bytes]]:
    """The CloudEvents headers the relay would write for ``event`` (another ``ce_type`` if given)."""
    msg = encode(event, aggregate_id=event.case_id, aggregate_version=1, recorded_at=T0, notification_id=99)
    return [(k, wire_type.encode() if wire_type and k == "ce_type" else v) for k, v in msg.headers]


def health_claim_v9(feed: Feed, case: UUID, marker: str) -> ConsumedRecord:
    """A health exemption claim of a version no decoder knows yet, its body carrying ``marker``."""
    claim = of_case(ev.HealthExemptionClaimed, case, claimed_on=date(2026, 2, 1), norm=Norm.AUFENTHG_25B)
    body = {**claim.model_dump(mode="json"), "attest_summary": marker}
    newer = claim.wire_type().rpartition(".v")[0] + ".v9"
    headers = [*headers_of(claim, newer), ("x-note", marker.encode())]
    return feed.poison(KOBIZ_TOPIC, value=json.dumps(body).encode(), headers=headers, key=str(claim.file_id).encode())


def garbled_intake(feed: Feed, case: UUID | None, marker: str = "") -> ConsumedRecord:
    """An intake record no decoder reads (a consent event, perhaps), keyed by ``case`` (None: no key)."""
    headers = [("ce_type", b"de.nrw.kim.intake.ConsentRevoked.v7"), ("ce_source", b"/kim/intake")]
    value = b"{ garbled " + marker.encode()
    return feed.poison(INTAKE_TOPIC, value=value, headers=headers, key=str(case).encode() if case else None)


class DeadLetterSuite(StoreSuiteBase):
    """Subclass and provide a ``store`` fixture (Kobiz's view)."""

    def with_consent_data(self, store: CaseHistoryStore, feed: Feed, case: UUID) -> ev.ConsentGranted:
        """A case of which Kobiz holds its own, a consent record and a fact held only by that consent."""
        granted = consent(case)
        self.apply(
            store,
            [
                feed.record(opened(case)),
                feed.record(granted, seconds=1),
                feed.record(toleration(case, T0.date()), seconds=2),
            ],
            feed,
        )
        assert types_of(store, case) == ["CaseOpened", "ConsentGranted", "ToleratedStayIssued"]
        return granted

    # --- pointers, not content ------------------------------------------------------------

    def test_a_new_event_version_is_parked_as_a_pointer_in_every_department(
        self, store: CaseHistoryStore, fo_store: CaseHistoryStore, intake_store: CaseHistoryStore
    ) -> None:
        feed, case, marker = Feed(Service.KOBIZ), uuid4(), f"marker-{uuid4().hex}"
        record = health_claim_v9(feed, case, marker)
        for view in (store, fo_store, intake_store):
            self.apply(view, [record])
            (dead,) = view.dead_letters()
            assert (dead.topic, dead.partition, dead.offset) == (KOBIZ_TOPIC, 0, record.offset)
            assert dead.type == "de.nrw.kim.kobiz.HealthExemptionClaimed.v9" and dead.replayed_at is None
            assert "unknown event type or version" in dead.reason and dead.cause is PoisonCause.INVALID
            assert not dead.consent_hold and view.counts()["dead_letters_open"] == 1
            text = stored_text(view)
            assert marker not in text and (record.key or b"").decode() not in text, view.service

    def test_no_table_of_any_department_holds_the_body_of_a_withheld_or_parked_record(
        self, store: CaseHistoryStore, fo_store: CaseHistoryStore, intake_store: CaseHistoryStore
    ) -> None:
        feed, case, marker = Feed(Service.KOBIZ), uuid4(), f"marker-{uuid4().hex}"
        first = feed.record(opened(case))  # the foreign office may hold it only by a consent: withheld
        records = [first, health_claim_v9(feed, case, marker), garbled_intake(feed, case, marker)]
        for view in (store, fo_store, intake_store):
            self.apply(view, records)
            assert len(view.dead_letters()) == 2
            text = stored_text(view)
            assert marker not in text and "garbled" not in text and "attest_summary" not in text, view.service
        assert fo_store.counts()["withheld"] == 1 and fo_store.timeline(case) == []
        person = person_of(first)
        assert str(person) not in stored_text(fo_store) and person.hex not in stored_text(fo_store)

    # --- skipped -----------------------------------------------------------------------------

    def test_a_type_a_department_may_never_hold_is_skipped_and_counted_not_parked(
        self, store: CaseHistoryStore, fo_store: CaseHistoryStore
    ) -> None:
        feed, case = Feed(Service.KOBIZ), uuid4()
        referral = ev.ReferralReceived(case_id=case, received_on=date(2026, 1, 2), source="self")
        body = json.dumps({**referral.model_dump(mode="json"), "received_on": "not-a-date"}).encode()
        invalid = feed.poison(INTAKE_TOPIC, value=body, headers=headers_of(referral), key=str(case).encode())
        newer = feed.poison(
            INTAKE_TOPIC,
            value=body,
            headers=headers_of(referral, "de.nrw.kim.intake.ReferralReceived.v9"),
            key=str(case).encode(),
        )
        self.apply(fo_store, [invalid, newer])
        assert fo_store.dead_letters() == [] and not fo_store.consent_holds().on(case)
        skipped = fo_store.skipped()
        assert sorted((s.offset, s.type) for s in skipped) == [
            (invalid.offset, "de.nrw.kim.intake.ReferralReceived.v1"),
            (newer.offset, "de.nrw.kim.intake.ReferralReceived.v9"),
        ]
        assert all(s.topic == INTAKE_TOPIC and s.reason for s in skipped)
        assert fo_store.counts()["skipped"] == 2 and "not-a-date" not in stored_text(fo_store)
        # Kobiz may hold a referral (by a consent): parked, and it holds the case's consents.
        self.apply(store, [invalid, newer])
        assert len(store.dead_letters()) == 2 and store.skipped() == []
        assert store.consent_holds().on(case)

    # --- the source must own the topic ---------------------------------------------------------

    def test_a_record_whose_source_does_not_own_its_topic_is_rejected_parked_and_counted(
        self, store: CaseHistoryStore
    ) -> None:
        feed, case = Feed(Service.KOBIZ), uuid4()
        stay = feed.record(toleration(case, T0.date()), seconds=2)
        self.apply(store, [feed.record(opened(case)), stay], feed)
        assert store.counts()["withheld"] == 1
        # A consent, valid in every other respect, written on Kobiz's topic.
        forged = consent(case)
        msg = encode(forged, aggregate_id=case, aggregate_version=1, recorded_at=T0, notification_id=7)
        record = feed.poison(KOBIZ_TOPIC, value=msg.value, headers=msg.headers, key=msg.key)
        assert record.poison_cause is PoisonCause.FOREIGN_SOURCE
        self.apply(store, [record], feed)
        (dead,) = store.dead_letters()
        assert dead.cause is PoisonCause.FOREIGN_SOURCE and dead.type == forged.wire_type()
        assert dead.reason == f"source /kim/intake does not belong to topic {KOBIZ_TOPIC}"
        assert not dead.consent_hold and store.consent_holds() == ConsentHolds()
        assert store.counts()["foreign_source"] == 1
        # The forged consent changed nothing: the fact stays withheld.
        assert types_of(store, case) == ["CaseOpened"] and store.consents_of(case) == {}
        results, _ = store.replay_dead_letters(feed.fetch, today=TODAY)
        assert results[0].outcome is ReplayOutcome.STILL_INVALID and "does not belong" in results[0].reason

    # --- consent fails closed ---------------------------------------------------------------------

    def test_an_undecodable_intake_record_withholds_the_cases_consent_data_until_an_operator_resolves_it(
        self, store: CaseHistoryStore
    ) -> None:
        feed, case, other = Feed(Service.KOBIZ), uuid4(), uuid4()
        self.with_consent_data(store, feed, case)
        self.with_consent_data(store, feed, other)
        self.apply(store, [garbled_intake(feed, case)], feed)
        (dead,) = store.dead_letters()
        assert dead.consent_hold and dead.case_id == case and dead.type == "de.nrw.kim.intake.ConsentRevoked.v7"
        holds = store.consent_holds()
        assert holds.on(case) and not holds.on(other) and not holds.everywhere
        # Statutory data and the consent record stay; what only the consent released is withheld.
        assert types_of(store, case) == ["CaseOpened", "ConsentGranted"]
        assert summary_of(store, case).event_count == 2
        assert types_of(store, other) == ["CaseOpened", "ConsentGranted", "ToleratedStayIssued"]
        # Nothing new is released while the hold stands, not by the sweep either.
        self.apply(store, [feed.record(toleration(case, date(2026, 4, 1)), seconds=3)], feed)
        assert store.counts()["withheld"] == 2 and store.sweep(today=TODAY).releasable == []
        assert store.releasable(today=TODAY) == []
        # The operator checked the owner's event store and resolves it: the data comes back from Kafka.
        results, releasable = store.dismiss_dead_letters([dead.id], "im Ereignisspeicher geprüft", today=TODAY)
        assert [(r.id, r.outcome) for r in results] == [(dead.id, ReplayOutcome.DISMISSED)]
        assert len(releasable) == 2 and store.release(feed.fetch(releasable), today=TODAY) == 2
        assert types_of(store, case) == ["CaseOpened", "ConsentGranted", "ToleratedStayIssued", "ToleratedStayIssued"]
        assert summary_of(store, case).event_count == 4 and not store.consent_holds().on(case)
        (settled,) = store.dead_letters()
        assert settled.replayed_at is not None and settled.resolution == "dismissed"
        assert (
            store.dismiss_dead_letters([dead.id], "again", today=TODAY)[0][0].outcome is ReplayOutcome.ALREADY_REPLAYED
        )

    def test_a_lost_revocation_keeps_the_consent_data_withheld_and_its_replay_ends_the_consent(
        self, store: CaseHistoryStore
    ) -> None:
        feed, case = Feed(Service.KOBIZ), uuid4()
        granted = self.with_consent_data(store, feed, case)
        revoked = ev.ConsentRevoked(
            case_id=case, consent_id=granted.consent_id, effective_on=date(2026, 5, 1), prior_recipients=["kobiz"]
        )
        self.apply(store, [parked_copy(feed, feed.record(revoked, seconds=5))], feed)
        assert types_of(store, case) == ["CaseOpened", "ConsentGranted"]
        results, releasable = store.replay_dead_letters(feed.fetch, today=TODAY)
        assert [r.outcome for r in results] == [ReplayOutcome.APPLIED] and releasable == []
        assert types_of(store, case) == ["CaseOpened", "ConsentGranted", "ConsentRevoked"]
        assert not store.consent_holds().on(case) and store.counts()["withheld"] == 1

    def test_an_undecodable_intake_record_without_a_key_holds_every_cases_consents(
        self, store: CaseHistoryStore
    ) -> None:
        feed, case, other, later = Feed(Service.KOBIZ), uuid4(), uuid4(), uuid4()
        self.with_consent_data(store, feed, case)
        self.with_consent_data(store, feed, other)
        self.apply(store, [garbled_intake(feed, None)], feed)
        (dead,) = store.dead_letters()
        assert dead.consent_hold and dead.case_id is None and store.consent_holds().everywhere
        assert types_of(store, case) == types_of(store, other) == ["CaseOpened", "ConsentGranted"]
        # A case that arrives during the hold is held too.
        granted = consent(later)
        batch = [
            feed.record(opened(later)),
            feed.record(granted, seconds=1),
            feed.record(toleration(later, T0.date()), seconds=2),
        ]
        self.apply(store, batch, feed)
        assert types_of(store, later) == ["CaseOpened", "ConsentGranted"] and store.counts()["withheld"] == 3
        _, releasable = store.dismiss_dead_letters([dead.id], "leerer Datensatz", today=TODAY)
        assert store.release(feed.fetch(releasable), today=TODAY) == 3
        for each in (case, other, later):
            assert types_of(store, each)[-1] == "ToleratedStayIssued"

    # --- replay: read again from Kafka ------------------------------------------------------------

    def test_a_dead_letter_that_decodes_now_is_applied_by_replay(self, store: CaseHistoryStore) -> None:
        feed, case = Feed(Service.KOBIZ), uuid4()
        self.apply(store, [feed.record(opened(case)), feed.record(consent(case), seconds=1)])
        stay = feed.record(toleration(case, date(2026, 1, 1)), seconds=2)
        self.apply(store, [parked_copy(feed, stay)])
        assert len(store.timeline(case)) == 2
        assert not store.has_processed(Service.FOREIGN_OFFICE, envelope(stay).sequence)
        (dead,) = store.dead_letters()

        results, releasable = store.replay_dead_letters(feed.fetch, [dead.id], today=TODAY)
        assert [(r.id, r.outcome) for r in results] == [(dead.id, ReplayOutcome.APPLIED)] and releasable == []
        assert types_of(store, case) == ["CaseOpened", "ConsentGranted", "ToleratedStayIssued"]
        assert summary_of(store, case).event_count == 3
        assert store.has_processed(Service.FOREIGN_OFFICE, envelope(stay).sequence)
        assert store.dead_letters()[0].replayed_at is not None and store.dead_letters()[0].resolution == "applied"
        # Once replayed it is settled: neither a second replay nor the genuine record changes anything.
        assert store.replay_dead_letters(feed.fetch, today=TODAY)[0] == []
        again = store.replay_dead_letters(feed.fetch, [dead.id], today=TODAY)[0]
        assert again[0].outcome is ReplayOutcome.ALREADY_REPLAYED
        assert store.replay_dead_letters(feed.fetch, [dead.id + 99], today=TODAY)[0][0].outcome is (
            ReplayOutcome.NOT_FOUND
        )
        duplicate = feed.record(toleration(case, date(2026, 1, 1)), seconds=2, sequence=envelope(stay).sequence)
        assert self.apply(store, [duplicate]) == 0
        assert summary_of(store, case).event_count == 3

    def test_a_dead_letter_that_is_still_invalid_or_not_on_kafka_stays_parked(self, store: CaseHistoryStore) -> None:
        feed, case = Feed(Service.KOBIZ), uuid4()
        self.apply(store, [feed.poison(), feed.record(opened(case))])
        (dead,) = store.dead_letters()
        results, _ = store.replay_dead_letters(feed.fetch, today=TODAY)
        assert [(r.id, r.outcome) for r in results] == [(dead.id, ReplayOutcome.STILL_INVALID)]
        assert "not a CloudEvent" in results[0].reason and not results[0].outcome.resolved
        results, _ = store.replay_dead_letters(lambda _letters: [], today=TODAY)
        assert [(r.id, r.outcome) for r in results] == [(dead.id, ReplayOutcome.UNAVAILABLE)]
        (after,) = store.dead_letters()
        assert after.replayed_at is None and "not a CloudEvent" in after.reason
        assert len(store.timeline(case)) == 1

    def test_a_replayed_event_consumed_meanwhile_changes_nothing(self, store: CaseHistoryStore) -> None:
        feed, case = Feed(Service.KOBIZ), uuid4()
        first = feed.record(opened(case))
        self.apply(store, [parked_copy(feed, first)])
        same = opened(case).model_copy(update={"person_id": person_of(first)})
        self.apply(store, [feed.record(same, sequence=envelope(first).sequence)])
        results, _ = store.replay_dead_letters(feed.fetch, today=TODAY)
        assert results[0].outcome is ReplayOutcome.ALREADY_PROCESSED
        assert len(store.timeline(case)) == 1 and summary_of(store, case).event_count == 1

    def test_a_replayed_event_no_consent_covers_is_withheld_until_one_does(self, store: CaseHistoryStore) -> None:
        feed, case = Feed(Service.KOBIZ), uuid4()
        stay = feed.record(toleration(case, date(2026, 1, 1)), seconds=2)
        self.apply(store, [parked_copy(feed, stay)])
        results, _ = store.replay_dead_letters(feed.fetch, today=TODAY)
        assert results[0].outcome is ReplayOutcome.WITHHELD and results[0].outcome.resolved
        assert store.timeline(case) == [] and store.counts()["withheld"] == 1
        self.apply(store, [feed.record(consent(case), seconds=1)], feed)
        assert types_of(store, case) == ["ConsentGranted", "ToleratedStayIssued"]

    def test_a_replayed_consent_releases_what_it_covers(self, store: CaseHistoryStore) -> None:
        feed, case = Feed(Service.KOBIZ), uuid4()
        self.apply(store, [feed.record(toleration(case, date(2026, 1, 1)), seconds=2)], feed)
        assert store.counts()["withheld"] == 1
        self.apply(store, [parked_copy(feed, feed.record(consent(case), seconds=1))])
        assert store.consent_holds().on(case)
        results, releasable = store.replay_dead_letters(feed.fetch, today=TODAY)
        assert results[0].outcome is ReplayOutcome.APPLIED and len(releasable) == 1
        assert store.release(feed.fetch(releasable), today=TODAY) == 1
        assert types_of(store, case) == ["ConsentGranted", "ToleratedStayIssued"]
        assert summary_of(store, case).event_count == 2 and not store.consent_holds().on(case)
