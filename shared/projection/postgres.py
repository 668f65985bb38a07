"""The case-history view in the service's own PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from psycopg import Connection, Cursor, sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from shared.consent import Consents, ConsentState
from shared.faults import fault_point
from shared.projection.store import (
    CaseHistoryStore,
    ConsumedRecord,
    DeadLetter,
    OffsetFencingError,
    Pair,
    ParkedRecord,
    TimelineEntry,
    TopicPartition,
    ViewTransaction,
    Withheld,
)
from shared.projection.summary import CaseSummary
from shared.settings import Service

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
    PRIMARY KEY (source, sequence)
);
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
    "topic, kafka_partition, kafka_offset"
)


def _text(value: str) -> str:
    """A string PostgreSQL accepts in text and jsonb: it refuses NUL characters. A poison
    record may carry them anywhere (headers, a type echoed in the reason); refusing to
    park it would fail the whole batch again and again and block the partition."""
    return value.replace("\x00", "\ufffd")


def _entry(r: dict[str, Any]) -> TimelineEntry:
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
    )


class _PgTransaction(ViewTransaction):
    def __init__(self, store: PostgresCaseHistoryStore, cur: Cursor[dict[str, Any]]) -> None:
        self.t = store.t
        self.cur = cur

    def fence(self, expected: Mapping[TopicPartition, int | None], partitions: set[TopicPartition]) -> None:
        # Lock the offset rows of this batch's partitions and check that nobody
        # (another group member after a rebalance, a restarted projector, a
        # rebuild swap) moved them since this consumer last read or wrote them.
        tps = sorted(partitions)
        self.cur.execute(
            sql.SQL(
                "SELECT topic, kafka_partition, next_offset FROM {} "
                "WHERE (topic, kafka_partition) IN (SELECT * FROM unnest(%s::text[], %s::int[])) "
                "ORDER BY topic, kafka_partition FOR UPDATE"
            ).format(self.t("projection_offsets")),
            ([tp[0] for tp in tps], [tp[1] for tp in tps]),
        )
        stored = {(r["topic"], r["kafka_partition"]): r["next_offset"] for r in self.cur.fetchall()}
        for tp in tps:
            if stored.get(tp) != expected.get(tp):
                raise OffsetFencingError(tp)

    def mark_processed(self, pairs: list[Pair]) -> set[Pair]:
        if not pairs:
            return set()
        self.cur.execute(
            sql.SQL(
                "INSERT INTO {} (source, sequence) SELECT * FROM unnest(%s::text[], %s::bigint[]) "
                "ON CONFLICT DO NOTHING RETURNING source, sequence"
            ).format(self.t("processed_events")),
            ([p[0] for p in pairs], [p[1] for p in pairs]),
        )
        return {(r["source"], r["sequence"]) for r in self.cur.fetchall()}

    def consents(self, case_ids: set[UUID]) -> dict[UUID, Consents]:
        if not case_ids:
            return {}
        self.cur.execute(
            sql.SQL("SELECT case_id, consent_id, state FROM {} WHERE case_id = ANY(%s)").format(
                self.t("case_consents")
            ),
            (sorted(case_ids),),
        )
        result: dict[UUID, Consents] = {}
        for r in self.cur.fetchall():
            result.setdefault(r["case_id"], {})[r["consent_id"]] = ConsentState.model_validate(r["state"])
        return result

    def save_consents(self, case_id: UUID, consents: Consents) -> None:
        self.cur.executemany(
            sql.SQL(
                "INSERT INTO {} (case_id, consent_id, state) VALUES (%s, %s, %s) "
                "ON CONFLICT (case_id, consent_id) DO UPDATE SET state = EXCLUDED.state"
            ).format(self.t("case_consents")),
            [(case_id, cid, Jsonb(state.model_dump(mode="json"))) for cid, state in consents.items()],
        )

    def insert_entries(self, case_id: UUID, entries: list[TimelineEntry]) -> None:
        if not entries:
            return
        self.cur.executemany(
            sql.SQL(
                "INSERT INTO {} (event_id, source, sequence, type, recorded_at, valid_on, data, basis, category, "
                "topic, kafka_partition, kafka_offset, case_id) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
            ).format(self.t("case_timeline")),
            [
                (
                    e.event_id,
                    e.source.value,
                    e.sequence,
                    e.type,
                    e.recorded_at,
                    e.valid_on,
                    Jsonb(e.data),
                    e.basis,
                    e.category,
                    e.topic,
                    e.partition,
                    e.offset,
                    case_id,
                )
                for e in entries
            ],
        )

    def delete_entries(self, pairs: list[Pair]) -> None:
        if pairs:
            self.cur.execute(
                sql.SQL(
                    "DELETE FROM {} WHERE (source, sequence) IN (SELECT * FROM unnest(%s::text[], %s::bigint[]))"
                ).format(self.t("case_timeline")),
                ([p[0] for p in pairs], [p[1] for p in pairs]),
            )

    def entries(self, case_id: UUID) -> list[TimelineEntry]:
        self.cur.execute(
            sql.SQL(
                f"SELECT {ENTRY_COLUMNS} FROM {{}} WHERE case_id = %s ORDER BY recorded_at, source, sequence"
            ).format(self.t("case_timeline")),
            (case_id,),
        )
        return [_entry(r) for r in self.cur.fetchall()]

    def insert_withheld(self, pointers: list[Withheld]) -> None:
        if pointers:
            self.cur.executemany(
                sql.SQL(
                    "INSERT INTO {} (source, sequence, case_id, category, topic, kafka_partition, kafka_offset) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
                ).format(self.t("withheld_events")),
                [(p.source, p.sequence, p.case_id, p.category, p.topic, p.partition, p.offset) for p in pointers],
            )

    def delete_withheld(self, pairs: list[Pair]) -> None:
        if pairs:
            self.cur.execute(
                sql.SQL(
                    "DELETE FROM {} WHERE (source, sequence) IN (SELECT * FROM unnest(%s::text[], %s::bigint[]))"
                ).format(self.t("withheld_events")),
                ([p[0] for p in pairs], [p[1] for p in pairs]),
            )

    def mark_releasable(self, pairs: list[Pair]) -> None:
        if pairs:
            self.cur.execute(
                sql.SQL(
                    "UPDATE {} SET releasable = true "
                    "WHERE (source, sequence) IN (SELECT * FROM unnest(%s::text[], %s::bigint[]))"
                ).format(self.t("withheld_events")),
                ([p[0] for p in pairs], [p[1] for p in pairs]),
            )

    def withheld(self, case_id: UUID) -> list[Withheld]:
        self.cur.execute(
            sql.SQL(
                "SELECT source, sequence, case_id, category, topic, kafka_partition, kafka_offset FROM {} "
                "WHERE case_id = %s ORDER BY source, sequence"
            ).format(self.t("withheld_events")),
            (case_id,),
        )
        return [
            Withheld(
                r["source"],
                r["sequence"],
                r["case_id"],
                r["category"],
                r["topic"],
                r["kafka_partition"],
                r["kafka_offset"],
            )
            for r in self.cur.fetchall()
        ]

    def summaries(self, case_ids: set[UUID]) -> dict[UUID, CaseSummary]:
        if not case_ids:
            return {}
        self.cur.execute(
            sql.SQL("SELECT case_id, summary FROM {} WHERE case_id = ANY(%s) ORDER BY case_id FOR UPDATE").format(
                self.t("case_summary")
            ),
            (sorted(case_ids),),
        )
        return {r["case_id"]: CaseSummary.model_validate(r["summary"]) for r in self.cur.fetchall()}

    def save_summary(self, summary: CaseSummary) -> None:
        self.cur.execute(
            sql.SQL(
                "INSERT INTO {} (case_id, summary, event_count, last_event_at) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (case_id) DO UPDATE SET summary = EXCLUDED.summary, "
                "event_count = EXCLUDED.event_count, last_event_at = EXCLUDED.last_event_at, updated_at = now()"
            ).format(self.t("case_summary")),
            (summary.case_id, Jsonb(summary.model_dump(mode="json")), summary.event_count, summary.last_event_at),
        )

    def delete_summary(self, case_id: UUID) -> None:
        self.cur.execute(sql.SQL("DELETE FROM {} WHERE case_id = %s").format(self.t("case_summary")), (case_id,))

    def park(self, records: list[ConsumedRecord]) -> None:
        if not records:
            return
        self.cur.executemany(
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
                    Jsonb({_text(k): _text(bytes(v).decode("utf-8", "replace")) for k, v in r.headers}),
                    r.value,
                    _text(r.poison_reason or "unknown"),
                )
                for r in records
            ],
        )

    def parked(self, ids: Sequence[int] | None) -> list[ParkedRecord]:
        where = sql.SQL("id = ANY(%s)") if ids is not None else sql.SQL("replayed_at IS NULL")
        self.cur.execute(
            sql.SQL(
                "SELECT id, topic, kafka_partition, kafka_offset, message_key, headers, message_value, reason, "
                "replayed_at FROM {} WHERE {} ORDER BY id FOR UPDATE"
            ).format(self.t("dead_letters"), where),
            (list(ids),) if ids is not None else (),
        )
        return [
            ParkedRecord(
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
            for r in self.cur.fetchall()
        ]

    def resolve_parked(self, dead_letter_id: int, *, replayed: bool, reason: str) -> None:
        self.cur.execute(
            sql.SQL(
                "UPDATE {} SET reason = %s, replayed_at = CASE WHEN %s THEN now() ELSE replayed_at END WHERE id = %s"
            ).format(self.t("dead_letters")),
            (reason, replayed, dead_letter_id),
        )

    def set_offsets(self, offsets: Mapping[TopicPartition, int]) -> None:
        self.cur.executemany(
            sql.SQL(
                "INSERT INTO {} (topic, kafka_partition, next_offset) VALUES (%s, %s, %s) "
                "ON CONFLICT (topic, kafka_partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()"
            ).format(self.t("projection_offsets")),
            [(tp[0], tp[1], off) for tp, off in offsets.items()],
        )
        fault_point("projector.before_commit")

    def cases_with_consents(self) -> dict[UUID, Consents]:
        self.cur.execute(sql.SQL("SELECT case_id, consent_id, state FROM {}").format(self.t("case_consents")))
        result: dict[UUID, Consents] = {}
        for r in self.cur.fetchall():
            result.setdefault(r["case_id"], {})[r["consent_id"]] = ConsentState.model_validate(r["state"])
        return result

    def meta(self, key: str) -> str | None:
        self.cur.execute(sql.SQL("SELECT value FROM {} WHERE key = %s").format(self.t("projection_meta")), (key,))
        row = self.cur.fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.cur.execute(
            sql.SQL(
                "INSERT INTO {} (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
            ).format(self.t("projection_meta")),
            (key, value),
        )


class PostgresCaseHistoryStore(CaseHistoryStore):
    """Projection tables, optionally under a prefix (a rebuild writes ``rebuild_*``)."""

    def __init__(
        self, pool: ConnectionPool[Connection[Any]], schema: str, prefix: str = "", service: Service | None = None
    ) -> None:
        super().__init__(service or Service(schema))
        self.pool = pool
        self.schema = schema
        self.prefix = prefix

    def t(self, name: str) -> sql.Composable:
        """A schema-qualified, prefixed identifier."""
        return sql.Identifier(self.schema, self.prefix + name)

    def setup(self) -> None:
        names: dict[str, sql.Composable] = {n: self.t(n) for n in TABLES}
        names |= {n: sql.Identifier(self.prefix + n) for n in INDEXES}
        with self.pool.connection() as conn:
            conn.execute(sql.SQL(SCHEMA_SQL).format(**names))

    def drop(self) -> None:
        """Drop this prefix's tables (used for rebuild scratch tables)."""
        with self.pool.connection() as conn:
            for name in TABLES:
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(self.t(name)))

    @contextmanager
    def transaction(self) -> Iterator[ViewTransaction]:
        with self.pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            yield _PgTransaction(self, cur)

    def _query(self, query: sql.Composable, params: Any = ()) -> list[dict[str, Any]]:
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query, params)
            return cur.fetchall()

    def load_offsets(self) -> dict[TopicPartition, int]:
        rows = self._query(
            sql.SQL("SELECT topic, kafka_partition, next_offset FROM {}").format(self.t("projection_offsets"))
        )
        return {(r["topic"], r["kafka_partition"]): r["next_offset"] for r in rows}

    def summary(self, case_id: UUID) -> CaseSummary | None:
        rows = self._query(
            sql.SQL("SELECT summary FROM {} WHERE case_id = %s").format(self.t("case_summary")), (case_id,)
        )
        return CaseSummary.model_validate(rows[0]["summary"]) if rows else None

    def timeline(self, case_id: UUID) -> list[TimelineEntry]:
        rows = self._query(
            sql.SQL(
                f"SELECT {ENTRY_COLUMNS} FROM {{}} WHERE case_id = %s ORDER BY recorded_at, source, sequence"
            ).format(self.t("case_timeline")),
            (case_id,),
        )
        return [_entry(r) for r in rows]

    def has_processed(self, source: Service, sequence: int) -> bool:
        rows = self._query(
            sql.SQL(
                "SELECT 1 FROM {} WHERE source = %s AND sequence = %s "
                "AND NOT EXISTS (SELECT 1 FROM {} WHERE releasable)"
            ).format(self.t("processed_events"), self.t("withheld_events")),
            (source.value, sequence),
        )
        return bool(rows)

    def cases(self, limit: int, offset: int) -> list[CaseSummary]:
        rows = self._query(
            sql.SQL(
                "SELECT summary FROM {} ORDER BY last_event_at DESC NULLS LAST, case_id DESC LIMIT %s OFFSET %s"
            ).format(self.t("case_summary")),
            (limit, offset),
        )
        return [CaseSummary.model_validate(r["summary"]) for r in rows]

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        rows = self._query(
            sql.SQL(
                "SELECT id, topic, kafka_partition, kafka_offset, reason, parked_at, replayed_at FROM {} "
                "ORDER BY id DESC LIMIT %s"
            ).format(self.t("dead_letters")),
            (limit,),
        )
        return [
            DeadLetter(
                r["id"],
                r["topic"],
                r["kafka_partition"],
                r["kafka_offset"],
                r["reason"],
                r["parked_at"],
                r["replayed_at"],
            )
            for r in rows
        ]

    def counts(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for key, table in (
            ("timeline", "case_timeline"),
            ("cases", "case_summary"),
            ("processed", "processed_events"),
            ("withheld", "withheld_events"),
            ("dead_letters", "dead_letters"),
        ):
            result[key] = int(self._query(sql.SQL("SELECT count(*) AS n FROM {}").format(self.t(table)))[0]["n"])
        return result

    def consents_of(self, case_id: UUID) -> Consents:
        with self.transaction() as tx:
            return tx.consents({case_id}).get(case_id, {})

    def swap_in(self, live: PostgresCaseHistoryStore) -> None:
        """Atomically replace ``live``'s tables with this store's (end of a rebuild)."""
        like = self.prefix.replace("_", r"\_") + "%"
        with self.pool.connection() as conn, conn.transaction():
            for name in TABLES:
                conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(live.t(name)))
            for name in TABLES:
                conn.execute(sql.SQL("DROP TABLE {} CASCADE").format(live.t(name)))
                conn.execute(
                    sql.SQL("ALTER TABLE {} RENAME TO {}").format(self.t(name), sql.Identifier(live.prefix + name))
                )
            for kind, view, column in (
                ("INDEX", "pg_indexes", "indexname"),
                ("SEQUENCE", "pg_sequences", "sequencename"),
            ):
                names = conn.execute(
                    sql.SQL("SELECT {} FROM {} WHERE schemaname = %s AND {} LIKE %s").format(
                        sql.Identifier(column), sql.Identifier(view), sql.Identifier(column)
                    ),
                    (self.schema, like),
                ).fetchall()
                for (name,) in names:
                    conn.execute(
                        sql.SQL(f"ALTER {kind} {{}} RENAME TO {{}}").format(
                            sql.Identifier(self.schema, name), sql.Identifier(live.prefix + name[len(self.prefix) :])
                        )
                    )


def make_pool(
    conninfo: str, *, min_size: int = 1, max_size: int = 5, name: str = "kim"
) -> ConnectionPool[Connection[Any]]:
    """A connection pool that opens lazily (nothing connects at import time)."""
    return ConnectionPool(
        conninfo, min_size=min_size, max_size=max_size, open=False, name=name, kwargs={"autocommit": True}, timeout=10
    )
