"""The tables of the case-history view in the service's own PostgreSQL schema."""

from __future__ import annotations

from typing import Any

from shared.projection.records import DeadLetter, PoisonCause, SkippedRecord, TimelineEntry, Withheld
from shared.service import Service

TABLES = (
    "case_timeline",
    "case_summary",
    "processed_events",
    "projection_offsets",
    "dead_letters",
    "skipped_records",
    "withheld_events",
    "case_consents",
    "projection_meta",
)

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS {case_timeline} (
    source text NOT NULL,
    sequence bigint NOT NULL,
    event_id uuid NOT NULL,
    case_id uuid NOT NULL,
    type text NOT NULL,
    recorded_at timestamptz NOT NULL,
    valid_on date,
    data jsonb NOT NULL,
    basis text NOT NULL,
    category text,
    topic text NOT NULL,
    kafka_partition int NOT NULL,
    kafka_offset bigint NOT NULL,
    projected_at timestamptz NOT NULL DEFAULT now(),
    held_for jsonb NOT NULL DEFAULT '{{}}'::jsonb,
    PRIMARY KEY (source, sequence)
);
-- Views created before parties existed: the column, empty until the entry is decided again.
ALTER TABLE {case_timeline} ADD COLUMN IF NOT EXISTS held_for jsonb NOT NULL DEFAULT '{{}}'::jsonb;
CREATE INDEX IF NOT EXISTS {case_timeline_by_case} ON {case_timeline} (case_id, recorded_at, source, sequence);
CREATE TABLE IF NOT EXISTS {case_summary} (
    case_id uuid PRIMARY KEY,
    summary jsonb NOT NULL,
    event_count int NOT NULL,
    last_event_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS {case_summary_recent} ON {case_summary} (last_event_at DESC);
CREATE INDEX IF NOT EXISTS {case_summary_by_manager}
    ON {case_summary} ((summary -> 'fields' -> 'case' -> 'value' ->> 'case_manager_id'));
CREATE TABLE IF NOT EXISTS {processed_events} (
    source text NOT NULL,
    sequence bigint NOT NULL,
    PRIMARY KEY (source, sequence)
);
CREATE TABLE IF NOT EXISTS {projection_offsets} (
    topic text NOT NULL,
    kafka_partition int NOT NULL,
    next_offset bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, kafka_partition)
);
-- A pointer to a record that could not be projected, never its content (replay reads it from Kafka).
CREATE TABLE IF NOT EXISTS {dead_letters} (
    id bigserial PRIMARY KEY,
    topic text NOT NULL,
    kafka_partition int NOT NULL,
    kafka_offset bigint NOT NULL,
    type text,
    reason text NOT NULL,
    cause text NOT NULL DEFAULT 'invalid',
    case_id uuid,
    consent_hold boolean NOT NULL DEFAULT false,
    parked_at timestamptz NOT NULL DEFAULT now(),
    replayed_at timestamptz,
    resolution text,
    UNIQUE (topic, kafka_partition, kafka_offset)
);
-- Views created when dead letters kept the record: the pointer's columns (pg_upgrade moves the rest).
ALTER TABLE {dead_letters} ADD COLUMN IF NOT EXISTS type text,
    ADD COLUMN IF NOT EXISTS cause text NOT NULL DEFAULT 'invalid',
    ADD COLUMN IF NOT EXISTS case_id uuid,
    ADD COLUMN IF NOT EXISTS consent_hold boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS resolution text;
CREATE INDEX IF NOT EXISTS {dead_letters_holding} ON {dead_letters} (case_id)
    WHERE consent_hold AND replayed_at IS NULL;
CREATE TABLE IF NOT EXISTS {skipped_records} (
    topic text NOT NULL,
    kafka_partition int NOT NULL,
    kafka_offset bigint NOT NULL,
    type text NOT NULL,
    reason text NOT NULL,
    skipped_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, kafka_partition, kafka_offset)
);
CREATE TABLE IF NOT EXISTS {withheld_events} (
    source text NOT NULL,
    sequence bigint NOT NULL,
    case_id uuid NOT NULL,
    category text,
    topic text NOT NULL,
    kafka_partition int NOT NULL,
    kafka_offset bigint NOT NULL,
    releasable boolean NOT NULL DEFAULT false,
    PRIMARY KEY (source, sequence)
);
CREATE INDEX IF NOT EXISTS {withheld_by_case} ON {withheld_events} (case_id);
CREATE INDEX IF NOT EXISTS {withheld_releasable} ON {withheld_events} (source) WHERE releasable;
CREATE TABLE IF NOT EXISTS {case_consents} (
    case_id uuid NOT NULL,
    consent_id text NOT NULL,
    state jsonb NOT NULL,
    PRIMARY KEY (case_id, consent_id)
);
CREATE TABLE IF NOT EXISTS {projection_meta} (key text PRIMARY KEY, value text NOT NULL);
"""

INDEXES = (
    "case_timeline_by_case",
    "case_summary_recent",
    "case_summary_by_manager",
    "withheld_by_case",
    "withheld_releasable",
    "dead_letters_holding",
)
DEAD_LETTER_COLUMNS = (
    "id, topic, kafka_partition, kafka_offset, type, reason, cause, case_id, consent_hold, parked_at, replayed_at, "
    "resolution"
)
ENTRY_COLUMNS = (
    "event_id, source, sequence, type, recorded_at, valid_on, data, basis, category, "
    "topic, kafka_partition, kafka_offset, held_for"
)


def entry_from_row(r: dict[str, Any]) -> TimelineEntry:
    """A timeline entry from a row of ``ENTRY_COLUMNS``."""
    return TimelineEntry(
        event_id=r["event_id"],
        source=Service(r["source"]),
        sequence=r["sequence"],
        type=r["type"],
        recorded_at=r["recorded_at"],
        valid_on=r["valid_on"],
        data=r["data"],
        basis=r["basis"],
        category=r["category"],
        topic=r["topic"],
        partition=r["kafka_partition"],
        offset=r["kafka_offset"],
        held_for=dict(r["held_for"] or {}),
    )


def withheld_from_row(r: dict[str, Any]) -> Withheld:
    """A withheld pointer from a row of ``withheld_events``."""
    return Withheld(
        r["source"],
        r["sequence"],
        r["case_id"],
        r["category"],
        r["topic"],
        r["kafka_partition"],
        r["kafka_offset"],
    )


def dead_letter_from_row(r: dict[str, Any]) -> DeadLetter:
    """A dead letter from a row of ``DEAD_LETTER_COLUMNS``."""
    return DeadLetter(
        r["id"],
        r["topic"],
        r["kafka_partition"],
        r["kafka_offset"],
        r["reason"],
        r["parked_at"],
        r["replayed_at"],
        type=r["type"],
        cause=PoisonCause(r["cause"]),
        case_id=r["case_id"],
        consent_hold=r["consent_hold"],
        resolution=r["resolution"],
    )


def skipped_from_row(r: dict[str, Any]) -> SkippedRecord:
    """A skipped record from a row of ``skipped_records``."""
    return SkippedRecord(r["topic"], r["kafka_partition"], r["kafka_offset"], r["type"], r["reason"], r["skipped_at"])
