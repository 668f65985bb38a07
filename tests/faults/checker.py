"""The independent checker: event stores, Kafka topics and projections, compared from raw data.

It decides nothing with the code under test. It reads

- each service's event table with psycopg (``<schema>.<name>_events``) and its stored
  results of Idempotency-Keys (``idempotency_keys``: key, case, version range),
- each service topic with a kafka-python consumer of its own, from the raw ``ce_*``
  headers (``ce_id``, ``ce_type``, ``ce_sequence``, ``ce_subject``, ``ce_source``),
- each projection's raw tables (``case_timeline``, ``processed_events``,
  ``withheld_events``, ``dead_letters``, ``skipped_records``, ``case_summary``),

and the load generator's record of what the APIs acknowledged. Which stored event
must be published is decided from its persisted class name by the explicit table
``PUBLISHED`` below, together with the sharing policy (the policy is the
specification, so reading it is fair); which service must hold an event is decided
by the policy too. The relay, the projector, the wire decoder and the view store
are never imported.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import psycopg
from kafka import KafkaConsumer, TopicPartition

from shared.events import EVENTS_BY_WIRE_TYPE
from shared.events.common import Recipient
from shared.policy import sharing as policy
from shared.service import Service
from shared.settings import InfraSettings, get_settings

EVENT_TABLES = {
    Service.INTAKE: "intake.intake_events",
    Service.FOREIGN_OFFICE: "foreign_office.foreignoffice_events",
    Service.KOBIZ: "kobiz.kobiz_events",
}
"""Where each service's application stores its events (schema.table)."""

_I, _F, _K = (
    "services.intake.domain:Case.",
    "services.foreign_office.events.",
    "services.kobiz.events:",
)
_FF, _FS = _F + "file:", _F + "status:"
PUBLISHED: dict[str, str] = {
    # intake
    _I + "PersonRegistered": "de.nrw.kim.intake.PersonRegistered.v1",
    _I + "ReferralReceived": "de.nrw.kim.intake.ReferralReceived.v1",
    _I + "ConsentGranted": "de.nrw.kim.intake.ConsentGranted.v2",
    _I + "ConsentScopeChanged": "de.nrw.kim.intake.ConsentScopeChanged.v2",
    _I + "ConsentRevoked": "de.nrw.kim.intake.ConsentRevoked.v2",
    _I + "CaseOpened": "de.nrw.kim.intake.CaseOpened.v2",
    _I + "CaseClosed": "de.nrw.kim.intake.CaseClosed.v1",
    _I + "IntegrationPlanAgreed": "de.nrw.kim.intake.IntegrationPlanAgreed.v1",
    _I + "CaseConferenceHeld": "de.nrw.kim.intake.CaseConferenceHeld.v1",
    _I + "ReturnCounsellingReferred": "de.nrw.kim.intake.ReturnCounsellingReferred.v1",
    # foreign office (its own files; published once linked to a KIM case)
    _FF + "KimCaseLinked": "de.nrw.kim.foreign-office.ResidenceFileLinked.v2",
    _FF + "EntryRecorded": "de.nrw.kim.foreign-office.EntryRecorded.v2",
    _FF + "PassportCooperationRecorded": "de.nrw.kim.foreign-office.PassportCooperationRecorded.v2",
    _FS + "ToleratedStayIssued": "de.nrw.kim.foreign-office.ToleratedStayIssued.v2",
    _FS + "CooperationDutyNotified": "de.nrw.kim.foreign-office.CooperationDutyNotified.v2",
    _FS + "IdentityDocumentSubmitted": "de.nrw.kim.foreign-office.IdentityDocumentSubmitted.v2",
    _FS + "IdentityClarified": "de.nrw.kim.foreign-office.IdentityClarified.v2",
    _FS + "ResidencePermitApplied": "de.nrw.kim.foreign-office.ResidencePermitApplied.v2",
    _FS + "FictionCertificateIssued": "de.nrw.kim.foreign-office.FictionCertificateIssued.v2",
    _FS + "ResidencePermitGranted": "de.nrw.kim.foreign-office.ResidencePermitGranted.v2",
    _FS + "SettlementPermitGranted": "de.nrw.kim.foreign-office.SettlementPermitGranted.v2",
    _FS + "ResidencePermitRefused": "de.nrw.kim.foreign-office.ResidencePermitRefused.v2",
    _FS + "EmploymentPermissionGranted": "de.nrw.kim.foreign-office.EmploymentPermissionGranted.v2",
    _FS + "DepartureObligationEnforceable": "de.nrw.kim.foreign-office.DepartureObligationEnforceable.v2",
    _FS + "DepartureRecorded": "de.nrw.kim.foreign-office.DepartureRecorded.v2",
    _F + "naturalisation:NaturalisationApplied": "de.nrw.kim.foreign-office.NaturalisationApplied.v2",
    _F + "naturalisation:NaturalisationCertificateHandedOver": (
        "de.nrw.kim.foreign-office.NaturalisationCertificateHandedOver.v2"
    ),
    # kobiz (its own counselling files; published once linked to a KIM case)
    **{
        _K + name: f"de.nrw.kim.kobiz.{name}.v3"
        for name in ("TrainingContractConcluded", "LivelihoodAssessed", "EmploymentTaken")
    },
    **{
        _K + name: f"de.nrw.kim.kobiz.{name}.v2"
        for name in (
            "PerspectiveCounsellingHeld",
            "LanguageCourseEnrolled",
            "LanguageCertificateObtained",
            "CivicTestPassed",
            "IntegrationCourseCompleted",
            "SchoolAttendanceEvidenced",
            "TrainingTerminated",
            "HealthExemptionClaimed",
            "PensionContributionsRecorded",
            "HousingAssessed",
            "SpecialIntegrationAchieved",
            "CivicKnowledgeEvidenced",
        )
    },
}
"""Persisted domain event class -> the CloudEvents type it is published as. Every other
stored class (file opened, rows imported, convictions, removals, ...) stays with its owner.
A department's file event is published only once its file is linked to a KIM case (then
all of the file's history is: see the README's relay section)."""

EVENT_ID_NAMESPACE = uuid5(NAMESPACE_URL, "urn:de:nrw:kim:event")
"""README: the CloudEvents id is a UUIDv5 of (service, aggregate, version)."""


def expected_event_id(service: Service, aggregate_id: UUID, version: int) -> str:
    return str(uuid5(EVENT_ID_NAMESPACE, f"{service.value}/{aggregate_id}/{version}"))


def must_publish(persisted_class: str, linked: bool = True) -> bool:
    """The explicit table and the policy agree that this stored event leaves its owner
    (for a department's file: once the file is linked to a KIM case)."""
    if not linked:
        return False
    wire_type = PUBLISHED.get(persisted_class)
    if wire_type is None:
        return False
    rule = policy.rule_for(wire_type)
    return rule is not None and rule.published


@dataclass(frozen=True)
class Stored:
    """One row of an event table."""

    service: Service
    notification_id: int
    aggregate_id: UUID
    version: int
    topic: str


@dataclass(frozen=True)
class OnKafka:
    """One Kafka record, from its raw headers."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    ce_id: str | None
    ce_type: str | None
    ce_sequence: str | None
    ce_subject: str | None
    ce_source: str | None


@dataclass(frozen=True)
class KeyRow:
    """The stored result of one request under its Idempotency-Key (``idempotency_keys``)."""

    operation: str
    key: str
    case_id: UUID
    first_version: int
    version: int
    notification_id: int


@dataclass(frozen=True)
class Acknowledged:
    """What the load generator knows about one command (see tests/faults/load.py)."""

    service: Service
    key: str
    case_id: str | None
    token: str | None
    version: int | None
    creates_case: bool


@dataclass
class Report:
    """The counts of one check, and examples of what failed."""

    label: str = ""
    acknowledged: int = 0
    acknowledged_by_retry: int = 0
    not_acknowledged: int = 0
    stored_events: int = 0
    must_publish: int = 0
    lost: int = 0
    relay_skipped: int = 0
    leaked: int = 0
    projection_skipped: int = 0
    misplaced: int = 0
    phantom: int = 0
    duplicate_effects: int = 0
    duplicate_commands: int = 0
    order_violations: int = 0
    kafka_records: int = 0
    kafka_duplicates: int = 0
    injected: int = 0
    dead_letters_missing: int = 0
    dead_letters_unexpected: int = 0
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    FAILURES = (
        "lost",
        "relay_skipped",
        "leaked",
        "projection_skipped",
        "misplaced",
        "phantom",
        "duplicate_effects",
        "duplicate_commands",
        "order_violations",
        "dead_letters_missing",
        "dead_letters_unexpected",
    )

    @property
    def ok(self) -> bool:
        return all(getattr(self, name) == 0 for name in self.FAILURES)

    def fail(self, kind: str, example: str, n: int = 1) -> None:
        setattr(self, kind, getattr(self, kind) + n)
        if len(self.examples[kind]) < 5:
            self.examples[kind].append(example)

    def line(self) -> str:
        return (
            f"[checker] {self.label}: acknowledged={self.acknowledged} "
            f"(answered 'already stored' to a retry: {self.acknowledged_by_retry}) "
            f"not_acknowledged={self.not_acknowledged} lost={self.lost} stored={self.stored_events} "
            f"to_publish={self.must_publish} relay_skipped={self.relay_skipped} leaked={self.leaked} "
            f"kafka_records={self.kafka_records} kafka_duplicates={self.kafka_duplicates} "
            f"projection_skipped={self.projection_skipped} misplaced={self.misplaced} phantom={self.phantom} "
            f"duplicate_effects={self.duplicate_effects} duplicate_commands={self.duplicate_commands} "
            f"order_violations={self.order_violations} injected={self.injected} "
            f"dead_letters_missing={self.dead_letters_missing} dead_letters_unexpected={self.dead_letters_unexpected}"
        )

    def details(self) -> str:
        return "\n".join(f"  {kind}: {examples}" for kind, examples in self.examples.items() if examples)


def _header(headers: Iterable[tuple[str, bytes]] | None, name: str) -> str | None:
    for key, value in headers or []:
        if key == name:
            return bytes(value).decode("utf-8", "replace")
    return None


class Checker:
    """Reads everything raw and compares; ``settle`` polls until all agree or a deadline passes."""

    def __init__(self, infra: InfraSettings) -> None:
        self.infra = infra
        self.topics = {s: infra.topic(s) for s in Service}
        self.injected: set[tuple[str, int, int]] = set()
        """Records a test produced directly (poison): not events; every projection must park or skip them
        (skip: a type it may never hold), never both."""
        self._records: dict[tuple[str, int, int], OnKafka] = {}
        self.links: dict[tuple[Service, UUID], UUID] = {}
        """A department file -> the KIM case it is linked to (from the raw event stores)."""
        self._consumer: KafkaConsumer | None = None

    # --- raw reads ----------------------------------------------------------------

    def _pg(self, service: Service) -> psycopg.Connection[Any]:
        return psycopg.connect(get_settings(service).pg_conninfo(), autocommit=True, connect_timeout=5)

    def stored(self) -> tuple[dict[tuple[Service, int], Stored], dict[Service, dict[str, KeyRow]]]:
        """Every stored event, and per service the stored results of Idempotency-Keys (key -> row).

        Also learns which department file is linked to which KIM case (``self.links``),
        from the raw link and file-opening events.
        """
        events: dict[tuple[Service, int], Stored] = {}
        keys: dict[Service, dict[str, KeyRow]] = {}
        self.links = {}
        for service, table in EVENT_TABLES.items():
            with self._pg(service) as conn:
                rows = conn.execute(
                    f"SELECT notification_id, originator_id, originator_version, topic, "  # noqa: S608
                    f"CASE WHEN topic LIKE '%%:KimCaseLinked' OR topic LIKE '%%:FileOpened' "
                    f"OR topic LIKE '%%.FileOpened' THEN state END FROM {table}"
                ).fetchall()
                results = conn.execute(
                    "SELECT operation, key, case_id, first_version, version, notification_id FROM idempotency_keys"
                ).fetchall()
            for nid, aggregate, version, topic, state in rows:
                events[(service, nid)] = Stored(service, nid, aggregate, version, topic)
                if state is not None:
                    body = json.loads(bytes(state))
                    case = body.get("case_id") or body.get("kim_case_id")
                    if isinstance(case, dict):  # eventsourcing's transcoding of a UUID
                        self.links[(service, aggregate)] = UUID(hex=case["_data_"])
            keys[service] = {
                key: KeyRow(operation, key, case_id, first, last, nid)
                for operation, key, case_id, first, last, nid in results
            }
        return events, keys

    def kafka(self, timeout: float = 30.0) -> dict[tuple[str, int, int], OnKafka]:
        """Every record on the service topics (read incrementally to the current end)."""
        if self._consumer is None:
            self._consumer = KafkaConsumer(
                bootstrap_servers=self.infra.kafka_bootstrap,
                group_id=None,
                client_id="kim-fault-checker",
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                isolation_level="read_uncommitted",
                request_timeout_ms=10000,
                reconnect_backoff_max_ms=1000,
                # The test-only principal: reads every topic of the session (deploy/README.md).
                **self.infra.kafka_test_admin().client_config(),
            )
            partitions = [
                TopicPartition(t, p)
                for t in self.topics.values()
                for p in sorted(self._consumer.partitions_for_topic(t) or [])
            ]
            assert partitions, "no partitions of the service topics"
            self._consumer.assign(partitions)
            self._consumer.seek_to_beginning(*partitions)
        consumer = self._consumer
        partitions = list(consumer.assignment())
        end = consumer.end_offsets(partitions)
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            if time.monotonic() > deadline:
                msg = "the checker could not read the topics to their end"
                raise TimeoutError(msg)
            for batch in consumer.poll(timeout_ms=500).values():
                for r in batch:
                    self._records[(r.topic, r.partition, r.offset)] = OnKafka(
                        r.topic,
                        r.partition,
                        r.offset,
                        r.key,
                        r.value,
                        _header(r.headers, "ce_id"),
                        _header(r.headers, "ce_type"),
                        _header(r.headers, "ce_sequence"),
                        _header(r.headers, "ce_subject"),
                        _header(r.headers, "ce_source"),
                    )
        return dict(self._records)

    def projection(self, service: Service) -> dict[str, Any]:
        with self._pg(service) as conn:
            return {
                "processed": {(s, q) for s, q in conn.execute("SELECT source, sequence FROM processed_events")},
                "timeline": conn.execute(
                    "SELECT source, sequence, event_id, case_id, type, recorded_at FROM case_timeline"
                ).fetchall(),
                "withheld": conn.execute("SELECT source, sequence, case_id FROM withheld_events").fetchall(),
                "summaries": dict(conn.execute("SELECT case_id, event_count FROM case_summary").fetchall()),
                "dead": {
                    (t, p, o): replayed
                    for t, p, o, replayed in conn.execute(
                        "SELECT topic, kafka_partition, kafka_offset, replayed_at FROM dead_letters"
                    )
                },
                "skipped": {
                    (t, p, o)
                    for t, p, o in conn.execute("SELECT topic, kafka_partition, kafka_offset FROM skipped_records")
                },
            }

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None

    # --- the check ----------------------------------------------------------------------

    def check(self, commands: list[Any], label: str = "") -> Report:
        report = Report(label=label)
        events, keys = self.stored()
        records = self.kafka()
        views = {s: self.projection(s) for s in Service}
        report.stored_events = len(events)
        report.injected = len(self.injected)
        self._check_commands(report, commands, events, keys)
        published = self._check_relays(report, events, records)
        self._check_projections(report, events, published, views)
        self._check_dead_letters(report, views)
        return report

    def _check_commands(
        self,
        report: Report,
        commands: list[Any],
        events: dict[tuple[Service, int], Stored],
        keys: dict[Service, dict[str, KeyRow]],
    ) -> None:
        versions = {(e.service, e.aggregate_id, e.version) for e in events.values()}
        for c in commands:
            if not c.acknowledged:
                report.not_acknowledged += 1
                continue
            report.acknowledged += 1
            report.acknowledged_by_retry += bool(c.duplicate)
            service, case_id = c.service, UUID(c.case_id)
            # 1. The acknowledged position holds an event of that case.
            if c.token:
                source, _, number = c.token.partition(":")
                stored = events.get((Service(source), int(number)))
                if stored is None or stored.aggregate_id != case_id:
                    report.fail("lost", f"{c.service.value} {c.name} {c.token} case {case_id}")
                    continue
            # 2. The acknowledged version exists, and the command's key holds its result.
            if c.version is not None and (service, case_id, c.version) not in versions:
                report.fail("lost", f"{c.service.value} {c.name} case {case_id} version {c.version} missing")
                continue
            row = keys[service].get(c.key)
            if row is None or row.case_id != case_id or row.version != c.version:
                report.fail("lost", f"{c.service.value} {c.name} key {c.key}: no stored result for it")
        # 3. Every stored event belongs to exactly one request's result: every command of the
        #    session carries a key, so an event outside every key's versions was stored by a
        #    request that got no result (a second run of a command), and one inside two
        #    keys' versions was stored twice.
        covered: Counter[tuple[Service, UUID, int]] = Counter()
        for service, rows in keys.items():
            for row in rows.values():
                for version in range(row.first_version, row.version + 1):
                    covered[(service, row.case_id, version)] += 1
        for event in events.values():
            n = covered[(event.service, event.aggregate_id, event.version)]
            if n != 1:
                report.fail(
                    "duplicate_commands",
                    f"{event.service.value} {event.topic.rsplit('.', 1)[-1]} case {event.aggregate_id} "
                    f"version {event.version}: in the results of {n} requests",
                )

    def _check_relays(
        self, report: Report, events: dict[tuple[Service, int], Stored], records: dict[tuple[str, int, int], OnKafka]
    ) -> dict[tuple[str, int], OnKafka]:
        """Every stored event that must be published is on its topic; returns (source, sequence) -> record."""
        report.kafka_records = len(records)
        by_sequence: dict[tuple[Service, int], list[OnKafka]] = defaultdict(list)
        service_of_topic = {t: s for s, t in self.topics.items()}
        ids: Counter[str] = Counter()
        for position, r in records.items():
            if position in self.injected:
                continue
            service = service_of_topic[r.topic]
            try:
                sequence = int(r.ce_sequence or "")
            except ValueError:
                report.fail("leaked", f"record {position} without a sequence")
                continue
            by_sequence[(service, sequence)].append(r)
            ids[r.ce_id or ""] += 1
        report.kafka_duplicates = sum(n - 1 for n in ids.values())
        published: dict[tuple[str, int], OnKafka] = {}
        for (service, nid), e in events.items():
            copies = by_sequence.pop((service, nid), [])
            if not must_publish(e.topic, self.case_of(e) is not None):
                if copies:
                    report.fail("leaked", f"{service.value}:{nid} {e.topic} is on Kafka")
                continue
            report.must_publish += 1
            if not copies:
                report.fail("relay_skipped", f"{service.value}:{nid} {e.topic}")
                continue
            want_id = expected_event_id(service, e.aggregate_id, e.version)
            for r in copies:
                if (r.ce_id, r.ce_subject, r.ce_type) != (
                    want_id,
                    str(e.aggregate_id),
                    PUBLISHED[e.topic],
                ) or r.key != str(e.aggregate_id).encode():
                    report.fail("leaked", f"{service.value}:{nid} published as {r.ce_type} {r.ce_id} {r.ce_subject}")
            published[(service.value, nid)] = copies[0]
        for (service, nid), copies in by_sequence.items():
            report.fail("leaked", f"{service.value}:{nid} on Kafka but not in the event store", len(copies))
        return published

    def case_of(self, event: Stored) -> UUID | None:
        """The KIM case a stored event belongs to: intake's aggregate is it; a file is linked to it."""
        if event.service is Service.INTAKE:
            return event.aggregate_id
        return self.links.get((event.service, event.aggregate_id))

    def _check_projections(
        self,
        report: Report,
        events: dict[tuple[Service, int], Stored],
        published: dict[tuple[str, int], OnKafka],
        views: dict[Service, dict[str, Any]],
    ) -> None:
        stored_by_pair = {(s.value, n): e for (s, n), e in events.items()}
        for service, view in views.items():
            recipient = Recipient(service.value)
            timeline_pairs = Counter((r[0], r[1]) for r in view["timeline"])
            withheld_pairs = {(r[0], r[1]) for r in view["withheld"]}
            for pair, record in published.items():
                if pair not in view["processed"]:
                    report.fail("projection_skipped", f"{service.value} did not consume {pair[0]}:{pair[1]}")
                    continue
                placement = _placement(recipient, record)
                held, withheld = pair in timeline_pairs, pair in withheld_pairs
                if (
                    placement == "timeline"
                    and not held
                    or placement == "timeline_or_withheld"
                    and not (held or withheld)
                    or placement == "nothing"
                    and (held or withheld)
                ):
                    report.fail(
                        "misplaced",
                        f"{service.value} {pair[0]}:{pair[1]} {record.ce_type} should be "
                        f"{placement}; held={held} withheld={withheld}",
                    )
                if held and withheld:
                    report.fail("duplicate_effects", f"{service.value} {pair[0]}:{pair[1]} held and withheld")
            # Nothing in the view that is not a stored, published event; no event twice.
            event_ids: Counter[str] = Counter()
            per_case: dict[UUID, list[tuple[datetime, str, int]]] = defaultdict(list)
            for source, sequence, event_id, case_id, wire_type, recorded_at in view["timeline"]:
                stored = stored_by_pair.get((source, sequence))
                if (
                    stored is None
                    or not must_publish(stored.topic, self.case_of(stored) is not None)
                    or self.case_of(stored) != case_id
                    or str(event_id) != expected_event_id(Service(source), stored.aggregate_id, stored.version)
                    or wire_type != PUBLISHED[stored.topic]
                ):
                    report.fail("phantom", f"{service.value} holds {source}:{sequence} ({wire_type}, {event_id})")
                event_ids[str(event_id)] += 1
                per_case[case_id].append((recorded_at, source, sequence))
            for pair, n in timeline_pairs.items():
                if n > 1:
                    report.fail("duplicate_effects", f"{service.value} holds {pair} {n} times", n - 1)
            for event_id, n in event_ids.items():
                if n > 1:
                    report.fail("duplicate_effects", f"{service.value} holds event {event_id} {n} times", n - 1)
            for case_id, rows in per_case.items():
                if view["summaries"].get(case_id) != len(rows):
                    report.fail(
                        "duplicate_effects",
                        f"{service.value} case {case_id}: summary counts "
                        f"{view['summaries'].get(case_id)}, timeline {len(rows)}",
                    )
                # Case order (recorded time, source, sequence) agrees with every source's own order.
                last: dict[str, tuple[int, int]] = {}
                for _, source, sequence in sorted(rows):
                    version = stored_by_pair[(source, sequence)].version if (source, sequence) in stored_by_pair else 0
                    if source in last and (sequence <= last[source][0] or version <= last[source][1]):
                        report.fail(
                            "order_violations",
                            f"{service.value} case {case_id}: {source}:{sequence} after {source}:{last[source][0]}",
                        )
                    last[source] = (sequence, version)
            for case_id in set(view["summaries"]) - set(per_case):
                report.fail("duplicate_effects", f"{service.value} has a summary of {case_id} without events")

    def _check_dead_letters(self, report: Report, views: dict[Service, dict[str, Any]]) -> None:
        for service, view in views.items():
            for position in self.injected:
                if position not in view["dead"] and position not in view["skipped"]:
                    report.fail("dead_letters_missing", f"{service.value} did not park or skip {position}")
            for position in set(view["dead"]) & view["skipped"]:
                report.fail("dead_letters_unexpected", f"{service.value} parked and skipped {position}")
            for position in (set(view["dead"]) | view["skipped"]) - self.injected:
                report.fail("dead_letters_unexpected", f"{service.value} parked or skipped {position}")

    # --- waiting for agreement ----------------------------------------------------------

    def settle(self, commands: list[Any], label: str, timeout: float = 120.0) -> Report:
        """Check until everything agrees or the deadline passes; print and return the last report."""
        deadline = time.monotonic() + timeout
        report: Report | None = None
        error: Exception | None = None
        while True:
            try:
                report = self.check(commands, label)
                error = None
                if report.ok:
                    break
            except Exception as exc:  # noqa: BLE001 - Kafka or PostgreSQL still recovering: check again
                error = exc
                self.close()
            if time.monotonic() > deadline:
                break
            time.sleep(1.0)
        if report is None:
            raise AssertionError(f"[checker] {label}: could not read the stores: {error!r}")
        print(report.line())
        if not report.ok:
            print(report.details())
        return report


def _placement(recipient: Recipient, record: OnKafka) -> str:
    """Where the sharing policy puts a published event in ``recipient``'s view.

    ``timeline``: statutory basis (or a consent record naming the recipient);
    ``timeline_or_withheld``: consent basis (held while a consent covers it);
    ``nothing``: the recipient may not hold it; ``consumed``: consent records
    that may or may not name the recipient through an earlier consent.
    """
    model = EVENTS_BY_WIRE_TYPE.get(record.ce_type or "")
    if model is None:
        return "consumed"
    body = json.loads(record.value or b"{}")
    entitlement = policy.entitlement(recipient, model.model_validate(body))
    if entitlement is None:
        return "nothing"
    if entitlement.basis is policy.LegalBasis.NAMED_IN_CONSENT:
        named = {s.get("recipient") for s in body.get("scopes") or []}
        return "timeline" if recipient.value in named else "consumed"
    return "timeline" if entitlement.basis.statutory else "timeline_or_withheld"
