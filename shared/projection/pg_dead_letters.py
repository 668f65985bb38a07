"""The dead-letter operations of one view transaction in PostgreSQL: pointers, never content."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from psycopg import Cursor, sql

from shared.projection.pg_schema import DEAD_LETTER_COLUMNS, dead_letter_from_row
from shared.projection.poison import ConsentHolds, Parked, Skipped, printable
from shared.projection.records import DeadLetter


class PgDeadLetters:
    """Parking, skipping and settling records on one connection's open transaction."""

    t: Callable[[str], sql.Composable]
    cur: Cursor[dict[str, Any]]

    def park(self, letters: list[Parked]) -> None:
        if not letters:
            return
        self.cur.executemany(
            sql.SQL(
                "INSERT INTO {} (topic, kafka_partition, kafka_offset, type, reason, cause, case_id, consent_hold) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
            ).format(self.t("dead_letters")),
            [
                (p.topic, p.partition, p.offset, p.type, p.reason, p.cause.value, p.case_id, p.consent_hold)
                for p in letters
            ],
        )

    def skip(self, records: list[Skipped]) -> None:
        if not records:
            return
        self.cur.executemany(
            sql.SQL(
                "INSERT INTO {} (topic, kafka_partition, kafka_offset, type, reason) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
            ).format(self.t("skipped_records")),
            [(r.topic, r.partition, r.offset, r.type, r.reason) for r in records],
        )

    def parked(self, ids: Sequence[int] | None) -> list[DeadLetter]:
        where = sql.SQL("id = ANY(%s)") if ids is not None else sql.SQL("replayed_at IS NULL")
        self.cur.execute(
            sql.SQL(f"SELECT {DEAD_LETTER_COLUMNS} FROM {{}} WHERE {{}} ORDER BY id FOR UPDATE").format(
                self.t("dead_letters"), where
            ),
            (list(ids),) if ids is not None else (),
        )
        return [dead_letter_from_row(r) for r in self.cur.fetchall()]

    def resolve_parked(
        self, dead_letter_id: int, *, replayed: bool, reason: str, resolution: str | None = None
    ) -> None:
        self.cur.execute(
            sql.SQL(
                "UPDATE {} SET reason = %s, "
                "replayed_at = CASE WHEN %s THEN coalesce(replayed_at, now()) ELSE replayed_at END, "
                "resolution = CASE WHEN %s THEN %s ELSE resolution END WHERE id = %s"
            ).format(self.t("dead_letters")),
            (printable(reason), replayed, replayed, resolution, dead_letter_id),
        )

    def consent_holds(self) -> ConsentHolds:
        self.cur.execute(
            sql.SQL("SELECT DISTINCT case_id FROM {} WHERE consent_hold AND replayed_at IS NULL").format(
                self.t("dead_letters")
            )
        )
        return ConsentHolds.of(r["case_id"] for r in self.cur.fetchall())
