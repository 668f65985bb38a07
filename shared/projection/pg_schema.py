"""The tables of the case-history view in the service's own PostgreSQL schema."""

from __future__ import annotations

from typing import Any

from shared.projection.records import ConsumedRecord, DeadLetter, ParkedRecord, TimelineEntry, Withheld
from shared.service import Service

TABLES = (
    "case_timeline",
    "case_summary",
    "processed_events",
    "projection_offsets",
    "dead_letters",
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
CREATE TABLE IF NOT EXISTS {dead_letters} (
    id bigserial PRIMARY KEY,
    topic text NOT NULL,
    kafka_partition int NOT NULL,
    kafka_offset bigint NOT NULL,
    message_key bytea,
    headers jsonb NOT NULL,
    message_value bytea,
    reason text NOT NULL,
    parked_at timestamptz NOT NULL DEFAULT now(),
    replayed_at timestamptz,
    UNIQUE (topic, kafka_partition, kafka_offset)
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

INDEXES = ("case_timeline_by_case", "case_summary_recent", "withheld_by_case", "withheld_releasable")
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


def parked_from_row(r: dict[str, Any]) -> ParkedRecord:
    """A parked record from a row of ``dead_letters``: the raw Kafka record, no envelope."""
    return ParkedRecord(
        r["id"],
        ConsumedRecord(
            r["topic"],
            r["kafka_partition"],
            r["kafka_offset"],
            key=r["message_key"],
            value=r["message_value"],
            headers=[(k, str(v).encode()) for k, v in (r["headers"] or {}).items()],
        ),
        r["reason"],
        r["replayed_at"],
    )


def dead_letter_from_row(r: dict[str, Any]) -> DeadLetter:
    """A dead letter from a row of ``dead_letters`` (without the record itself)."""
    return DeadLetter(
        r["id"],
        r["topic"],
        r["kafka_partition"],
        r["kafka_offset"],
        r["reason"],
        r["parked_at"],
        r["replayed_at"],
    )
