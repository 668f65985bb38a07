"""The case-history view in the service's own PostgreSQL schema: the store, and its pool."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from psycopg import Connection, sql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from shared.policy.consent import Consents
from shared.projection.case_history_store import CaseHistoryStore
from shared.projection.pg_schema import (
    DEAD_LETTER_COLUMNS,
    ENTRY_COLUMNS,
    INDEXES,
    SCHEMA_SQL,
    TABLES,
    dead_letter_from_row,
    entry_from_row,
    skipped_from_row,
)
from shared.projection.pg_transaction import PgViewTransaction
from shared.projection.pg_upgrade import upgrade_dead_letters
from shared.projection.ports import ViewTransaction
from shared.projection.records import (
    DeadLetter,
    HeldBasis,
    Pair,
    PoisonCause,
    SkippedRecord,
    TimelineEntry,
    TopicPartition,
)
from shared.projection.summary import CaseSummary
from shared.service import Service


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
        with self.pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            cur.execute(sql.SQL(SCHEMA_SQL).format(**names))
            upgrade_dead_letters(cur, self.t, self.schema, self.prefix + "dead_letters", self.parties)

    def drop(self) -> None:
        """Drop this prefix's tables (used for rebuild scratch tables)."""
        with self.pool.connection() as conn:
            for name in TABLES:
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(self.t(name)))

    @contextmanager
    def transaction(self) -> Iterator[ViewTransaction]:
        with self.pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            yield PgViewTransaction(self.t, cur)

    def _query(self, query: sql.Composed, params: Any = ()) -> list[dict[str, Any]]:
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

    def summaries(self, case_ids: Sequence[UUID]) -> dict[UUID, CaseSummary]:
        if not case_ids:
            return {}
        rows = self._query(
            sql.SQL("SELECT case_id, summary FROM {} WHERE case_id = ANY(%s)").format(self.t("case_summary")),
            (list(case_ids),),
        )
        return {r["case_id"]: CaseSummary.model_validate(r["summary"]) for r in rows}

    def timeline(self, case_id: UUID) -> list[TimelineEntry]:
        rows = self._query(
            sql.SQL(
                f"SELECT {ENTRY_COLUMNS} FROM {{}} WHERE case_id = %s ORDER BY recorded_at, source, sequence"
            ).format(self.t("case_timeline")),
            (case_id,),
        )
        return [entry_from_row(r) for r in rows]

    def has_processed(self, source: Service, sequence: int) -> bool:
        rows = self._query(
            sql.SQL(
                "SELECT 1 FROM {} WHERE source = %s AND sequence = %s "
                "AND NOT EXISTS (SELECT 1 FROM {} WHERE releasable)"
            ).format(self.t("processed_events"), self.t("withheld_events")),
            (source.value, sequence),
        )
        return bool(rows)

    def processed_among(self, pairs: Iterable[Pair]) -> set[Pair]:
        wanted = sorted(set(pairs))
        if not wanted:
            return set()
        rows = self._query(
            sql.SQL(
                "SELECT source, sequence FROM {} WHERE (source, sequence) IN "
                "(SELECT * FROM unnest(%s::text[], %s::bigint[])) "
                "AND NOT EXISTS (SELECT 1 FROM {} WHERE releasable)"
            ).format(self.t("processed_events"), self.t("withheld_events")),
            ([p[0] for p in wanted], [p[1] for p in wanted]),
        )
        return {(r["source"], r["sequence"]) for r in rows}

    def cases(self, limit: int, offset: int) -> list[CaseSummary]:
        rows = self._query(
            sql.SQL(
                "SELECT summary FROM {} ORDER BY last_event_at DESC NULLS LAST, case_id DESC LIMIT %s OFFSET %s"
            ).format(self.t("case_summary")),
            (limit, offset),
        )
        return [CaseSummary.model_validate(r["summary"]) for r in rows]

    def held_bases(self, case_ids: Sequence[UUID]) -> dict[UUID, list[HeldBasis]]:
        found: dict[UUID, list[HeldBasis]] = {case_id: [] for case_id in case_ids}
        if not case_ids:
            return found
        rows = self._query(
            sql.SQL("SELECT case_id, type, category, basis FROM {} WHERE case_id = ANY(%s)").format(
                self.t("case_timeline")
            ),
            (list(case_ids),),
        )
        for r in rows:
            found[r["case_id"]].append(HeldBasis(r["type"], r["category"], r["basis"]))
        return found

    def managed_by(self, staff_id: str) -> list[UUID]:
        rows = self._query(
            sql.SQL(
                "SELECT case_id FROM {} WHERE summary -> 'fields' -> 'case' -> 'value' ->> 'case_manager_id' = %s "
                "ORDER BY last_event_at DESC NULLS LAST, case_id DESC"
            ).format(self.t("case_summary")),
            (staff_id,),
        )
        return [r["case_id"] for r in rows]

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        rows = self._query(
            sql.SQL(f"SELECT {DEAD_LETTER_COLUMNS} FROM {{}} ORDER BY id DESC LIMIT %s").format(self.t("dead_letters")),
            (limit,),
        )
        return [dead_letter_from_row(r) for r in rows]

    def holding(self) -> list[DeadLetter]:
        rows = self._query(
            sql.SQL(
                f"SELECT {DEAD_LETTER_COLUMNS} FROM {{}} WHERE consent_hold AND replayed_at IS NULL ORDER BY id"
            ).format(self.t("dead_letters"))
        )
        return [dead_letter_from_row(r) for r in rows]

    def skipped(self, limit: int = 100) -> list[SkippedRecord]:
        rows = self._query(
            sql.SQL(
                "SELECT topic, kafka_partition, kafka_offset, type, reason, skipped_at FROM {} "
                "ORDER BY skipped_at DESC, topic, kafka_partition, kafka_offset DESC LIMIT %s"
            ).format(self.t("skipped_records")),
            (limit,),
        )
        return [skipped_from_row(r) for r in rows]

    def counts(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for key, table in (
            ("timeline", "case_timeline"),
            ("cases", "case_summary"),
            ("processed", "processed_events"),
            ("withheld", "withheld_events"),
            ("dead_letters", "dead_letters"),
            ("skipped", "skipped_records"),
        ):
            result[key] = int(self._query(sql.SQL("SELECT count(*) AS n FROM {}").format(self.t(table)))[0]["n"])
        (row,) = self._query(
            sql.SQL(
                "SELECT count(*) FILTER (WHERE replayed_at IS NULL) AS open, "
                "count(*) FILTER (WHERE cause = %s) AS foreign_source FROM {}"
            ).format(self.t("dead_letters")),
            (PoisonCause.FOREIGN_SOURCE.value,),
        )
        result["dead_letters_open"] = int(row["open"])
        result["foreign_source"] = int(row["foreign_source"])
        return result

    def adopt_resolutions(self, other: PostgresCaseHistoryStore) -> int:
        """Settle this view's open dead letters that ``other`` settled (a rebuild keeps what
        operators resolved: the same records are parked again); return how many."""
        with self.pool.connection() as conn:
            cur = conn.execute(
                sql.SQL(
                    "UPDATE {} AS d SET replayed_at = o.replayed_at, resolution = o.resolution, reason = o.reason "
                    "FROM {} AS o WHERE d.replayed_at IS NULL AND o.replayed_at IS NOT NULL "
                    "AND (d.topic, d.kafka_partition, d.kafka_offset) = (o.topic, o.kafka_partition, o.kafka_offset)"
                ).format(self.t("dead_letters"), other.t("dead_letters"))
            )
            return cur.rowcount

    def consents_of(self, case_id: UUID) -> Consents:
        with self.transaction() as tx:
            return tx.consents({case_id}).get(case_id, {})

    def consents_of_cases(self, case_ids: Sequence[UUID]) -> dict[UUID, Consents]:
        with self.transaction() as tx:  # a plain read: no row is locked
            return tx.consents(set(case_ids))

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
            self._rename_indexes_and_sequences(conn, live)

    def _rename_indexes_and_sequences(self, conn: Connection[Any], live: PostgresCaseHistoryStore) -> None:
        like = self.prefix.replace("_", r"\_") + "%"
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
