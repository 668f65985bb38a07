"""One transaction on the case-history view in PostgreSQL: the primitive operations."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from psycopg import Cursor, sql
from psycopg.types.json import Jsonb

from shared.operations.faults import fault_point
from shared.policy.consent import Consents, ConsentState
from shared.projection.pg_dead_letters import PgDeadLetters
from shared.projection.pg_schema import ENTRY_COLUMNS, entry_from_row, withheld_from_row
from shared.projection.ports import OffsetFencingError, ViewTransaction
from shared.projection.progress import EVERYTHING, PROGRESS_TABLE, Progress, view_channel
from shared.projection.records import Pair, TimelineEntry, TopicPartition, Withheld
from shared.projection.summary import CaseSummary


class PgViewTransaction(PgDeadLetters, ViewTransaction):
    """The primitive operations on one connection's open transaction (dead letters: :class:`PgDeadLetters`)."""

    def __init__(self, table: Callable[[str], sql.Composable], cur: Cursor[dict[str, Any]]) -> None:
        self.t = table  # a table's schema-qualified, prefixed name
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
        new = {(r["source"], r["sequence"]) for r in self.cur.fetchall()}
        self._announce(Progress.of(pairs))
        return new

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
                "topic, kafka_partition, kafka_offset, case_id, held_for) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
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
                    Jsonb(e.held_for),
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
        return [entry_from_row(r) for r in self.cur.fetchall()]

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
            self._announce(EVERYTHING)  # a release: what the waiting reads wait for may be complete now

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
        return [withheld_from_row(r) for r in self.cur.fetchall()]

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

    def set_offsets(self, offsets: Mapping[TopicPartition, int]) -> None:
        self.cur.executemany(
            sql.SQL(
                "INSERT INTO {} (topic, kafka_partition, next_offset) VALUES (%s, %s, %s) "
                "ON CONFLICT (topic, kafka_partition) "
                "DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()"
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

    def _announce(self, progress: Progress) -> None:
        """Tell the API processes' waiting reads what this transaction consumed.

        PostgreSQL delivers a NOTIFY when, and only if, the transaction commits (and drops
        it with a rolled-back savepoint), so a read never wakes for a view it cannot see yet.
        """
        channel = view_channel(self.t(PROGRESS_TABLE).as_string(self.cur))
        self.cur.execute("SELECT pg_notify(%s, %s)", (channel, progress.encode()))

    def savepoint(self) -> None:
        self.cur.execute("SAVEPOINT view_attempt")

    def rollback_to_savepoint(self) -> None:
        self.cur.execute("ROLLBACK TO SAVEPOINT view_attempt")
