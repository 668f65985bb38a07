"""The case-history view in the service's own PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from psycopg import Connection, sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from shared.faults import fault_point
from shared.projection.store import (
    CaseHistoryStore,
    ConsumedRecord,
    DeadLetter,
    OffsetFencingError,
    TimelineEntry,
    TopicPartition,
    plan_batch,
    timeline_entry,
)
from shared.projection.summary import CaseSummary
from shared.settings import Service

TABLES = ("case_timeline", "case_summary", "processed_events", "projection_offsets", "dead_letters")

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
    topic text NOT NULL,
    kafka_partition int NOT NULL,
    kafka_offset bigint NOT NULL,
    projected_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, sequence)
);
CREATE INDEX IF NOT EXISTS {case_timeline_by_case}
    ON {case_timeline} (case_id, recorded_at, source, sequence);
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
"""


class PostgresCaseHistoryStore(CaseHistoryStore):
    """Projection tables, optionally under a prefix (a rebuild writes ``rebuild_*``)."""

    def __init__(self, pool: ConnectionPool[Connection[Any]], schema: str, prefix: str = "") -> None:
        self.pool = pool
        self.schema = schema
        self.prefix = prefix

    def t(self, name: str) -> sql.Composable:
        """A schema-qualified, prefixed identifier."""
        return sql.Identifier(self.schema, self.prefix + name)

    def _names(self) -> dict[str, sql.Composable]:
        names: dict[str, sql.Composable] = {n: self.t(n) for n in TABLES}
        names["case_timeline_by_case"] = sql.Identifier(self.prefix + "case_timeline_by_case")
        names["case_summary_recent"] = sql.Identifier(self.prefix + "case_summary_recent")
        return names

    def setup(self) -> None:
        with self.pool.connection() as conn:
            conn.execute(sql.SQL(SCHEMA_SQL).format(**self._names()))

    def drop(self) -> None:
        """Drop this prefix's tables (used for rebuild scratch tables)."""
        with self.pool.connection() as conn:
            for name in TABLES:
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(self.t(name)))

    def load_offsets(self) -> dict[TopicPartition, int]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                sql.SQL("SELECT topic, kafka_partition, next_offset FROM {}").format(self.t("projection_offsets"))
            ).fetchall()
        return {(r[0], r[1]): r[2] for r in rows}

    def apply_batch(
        self, records: Sequence[ConsumedRecord], expected: Mapping[TopicPartition, int | None]
    ) -> int:
        if not records:
            return 0
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            self._fence(cur, records, expected)
            pairs = sorted({(r.envelope.source.value, r.envelope.sequence) for r in records if r.envelope})
            new_pairs: set[tuple[str, int]] = set()
            if pairs:
                cur.execute(
                    sql.SQL(
                        "INSERT INTO {} (source, sequence) SELECT * FROM unnest(%s::text[], %s::bigint[]) "
                        "ON CONFLICT DO NOTHING RETURNING source, sequence"
                    ).format(self.t("processed_events")),
                    ([p[0] for p in pairs], [p[1] for p in pairs]),
                )
                new_pairs = {(row[0], row[1]) for row in cur.fetchall()}
            cases = sorted({r.envelope.case_id for r in records if r.envelope and r.accepted})
            summaries = self._lock_summaries(cur, cases)
            plan = plan_batch(records, new_pairs, summaries)
            self._write_timeline(cur, plan.timeline)
            self._write_summaries(cur, [plan.summaries[c] for c in {e.case_id for _, e in plan.timeline}])
            self._park(cur, plan.poison)
            cur.executemany(
                sql.SQL(
                    "INSERT INTO {} (topic, kafka_partition, next_offset) VALUES (%s, %s, %s) "
                    "ON CONFLICT (topic, kafka_partition) DO UPDATE "
                    "SET next_offset = EXCLUDED.next_offset, updated_at = now()"
                ).format(self.t("projection_offsets")),
                [(tp[0], tp[1], off) for tp, off in plan.next_offsets.items()],
            )
            fault_point("projector.before_commit")
            return len(plan.timeline)

    def _fence(self, cur: Any, records: Sequence[ConsumedRecord], expected: Mapping[TopicPartition, int | None]) -> None:
        # Lock the offset rows of this batch's partitions and check that nobody
        # (another group member after a rebalance, a restarted projector, a
        # rebuild swap) moved them since this consumer last read or wrote them.
        tps = sorted({r.tp for r in records})
        cur.execute(
            sql.SQL(
                "SELECT topic, kafka_partition, next_offset FROM {} "
                "WHERE (topic, kafka_partition) IN (SELECT * FROM unnest(%s::text[], %s::int[])) "
                "ORDER BY topic, kafka_partition FOR UPDATE"
            ).format(self.t("projection_offsets")),
            ([tp[0] for tp in tps], [tp[1] for tp in tps]),
        )
        stored = {(row[0], row[1]): row[2] for row in cur.fetchall()}
        for tp in tps:
            if stored.get(tp) != expected.get(tp):
                raise OffsetFencingError(tp)

    def _lock_summaries(self, cur: Any, cases: list[UUID]) -> dict[UUID, CaseSummary]:
        if not cases:
            return {}
        cur.execute(
            sql.SQL("SELECT case_id, summary FROM {} WHERE case_id = ANY(%s) ORDER BY case_id FOR UPDATE").format(
                self.t("case_summary")
            ),
            (cases,),
        )
        return {row[0]: CaseSummary.model_validate(row[1]) for row in cur.fetchall()}

    def _write_timeline(self, cur: Any, rows: list[tuple[ConsumedRecord, Any]]) -> None:
        if not rows:
            return
        cur.executemany(
            sql.SQL(
                "INSERT INTO {} (source, sequence, event_id, case_id, type, recorded_at, valid_on, data, "
                "topic, kafka_partition, kafka_offset) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            ).format(self.t("case_timeline")),
            [
                (
                    env.source.value,
                    env.sequence,
                    env.id,
                    env.case_id,
                    env.type,
                    env.time,
                    env.event.valid_on(),
                    Jsonb(env.event.model_dump(mode="json")),
                    rec.topic,
                    rec.partition,
                    rec.offset,
                )
                for rec, env in rows
            ],
        )

    def _write_summaries(self, cur: Any, summaries: list[CaseSummary]) -> None:
        if not summaries:
            return
        cur.executemany(
            sql.SQL(
                "INSERT INTO {} (case_id, summary, event_count, last_event_at) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (case_id) DO UPDATE SET summary = EXCLUDED.summary, "
                "event_count = EXCLUDED.event_count, last_event_at = EXCLUDED.last_event_at, updated_at = now()"
            ).format(self.t("case_summary")),
            [(s.case_id, Jsonb(s.model_dump(mode="json")), s.event_count, s.last_event_at) for s in summaries],
        )

    def _park(self, cur: Any, records: list[ConsumedRecord]) -> None:
        if not records:
            return
        cur.executemany(
            sql.SQL(
                "INSERT INTO {} (topic, kafka_partition, kafka_offset, message_key, headers, message_value, reason) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
            ).format(self.t("dead_letters")),
            [
                (
                    r.topic,
                    r.partition,
                    r.offset,
                    r.key,
                    Jsonb({k: v.decode("utf-8", "replace") for k, v in r.headers}),
                    r.value,
                    r.poison_reason or "unknown",
                )
                for r in records
            ],
        )

    def summary(self, case_id: UUID) -> CaseSummary | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT summary FROM {} WHERE case_id = %s").format(self.t("case_summary")), (case_id,)
            ).fetchone()
        return CaseSummary.model_validate(row[0]) if row else None

    def timeline(self, case_id: UUID) -> list[TimelineEntry]:
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                sql.SQL(
                    "SELECT event_id, source, sequence, type, recorded_at, valid_on, data FROM {} "
                    "WHERE case_id = %s ORDER BY recorded_at, source, sequence"
                ).format(self.t("case_timeline")),
                (case_id,),
            )
            rows = cur.fetchall()
        return [
            TimelineEntry(
                event_id=r["event_id"],
                source=Service(r["source"]),
                sequence=r["sequence"],
                type=r["type"],
                recorded_at=r["recorded_at"],
                valid_on=r["valid_on"],
                data=r["data"],
            )
            for r in rows
        ]

    def has_processed(self, source: Service, sequence: int) -> bool:
        with self.pool.connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT 1 FROM {} WHERE source = %s AND sequence = %s").format(self.t("processed_events")),
                (source.value, sequence),
            ).fetchone()
        return row is not None

    def cases(self, limit: int, offset: int) -> list[CaseSummary]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                sql.SQL("SELECT summary FROM {} ORDER BY last_event_at DESC NULLS LAST, case_id LIMIT %s OFFSET %s").format(
                    self.t("case_summary")
                ),
                (limit, offset),
            ).fetchall()
        return [CaseSummary.model_validate(r[0]) for r in rows]

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                sql.SQL(
                    "SELECT id, topic, kafka_partition, kafka_offset, reason, parked_at, replayed_at FROM {} "
                    "ORDER BY id DESC LIMIT %s"
                ).format(self.t("dead_letters")),
                (limit,),
            )
            rows = cur.fetchall()
        return [
            DeadLetter(r["id"], r["topic"], r["kafka_partition"], r["kafka_offset"], r["reason"], r["parked_at"], r["replayed_at"])
            for r in rows
        ]

    def counts(self) -> dict[str, int]:
        result: dict[str, int] = {}
        with self.pool.connection() as conn:
            for key, table in (("timeline", "case_timeline"), ("cases", "case_summary"),
                               ("processed", "processed_events"), ("dead_letters", "dead_letters")):
                row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(self.t(table))).fetchone()
                result[key] = int(row[0]) if row else 0
        return result

    def swap_in(self, live: PostgresCaseHistoryStore) -> None:
        """Atomically replace ``live``'s tables with this store's (end of a rebuild)."""
        with self.pool.connection() as conn, conn.transaction():
            for name in TABLES:
                conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(live.t(name)))
            for name in TABLES:
                conn.execute(sql.SQL("DROP TABLE {} CASCADE").format(live.t(name)))
                conn.execute(
                    sql.SQL("ALTER TABLE {} RENAME TO {}").format(self.t(name), sql.Identifier(live.prefix + name))
                )
            rows = conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND indexname LIKE %s",
                (self.schema, self.prefix.replace("_", r"\_") + "%"),
            ).fetchall()
            for (index,) in rows:
                conn.execute(
                    sql.SQL("ALTER INDEX {} RENAME TO {}").format(
                        sql.Identifier(self.schema, index), sql.Identifier(live.prefix + index[len(self.prefix):])
                    )
                )
            seqs = conn.execute(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = %s AND sequencename LIKE %s",
                (self.schema, self.prefix.replace("_", r"\_") + "%"),
            ).fetchall()
            for (seq,) in seqs:
                conn.execute(
                    sql.SQL("ALTER SEQUENCE {} RENAME TO {}").format(
                        sql.Identifier(self.schema, seq), sql.Identifier(live.prefix + seq[len(self.prefix):])
                    )
                )


def make_pool(conninfo: str, *, min_size: int = 1, max_size: int = 5, name: str = "kim") -> ConnectionPool[Connection[Any]]:
    """A connection pool that opens lazily (nothing connects at import time)."""
    return ConnectionPool(conninfo, min_size=min_size, max_size=max_size, open=False, name=name,
                          kwargs={"autocommit": True}, timeout=10)


