"""Upgrading a view's tables that an earlier version created (run by ``kim migrate``, as the owner).

Dead letters used to keep the whole record: key, headers and value. An upgraded
``dead_letters`` table keeps the pointer only. What is kept is decided as for a record
parked today (:func:`~shared.projection.poison.triage`): the ``ce_type`` header, the
case its key names and whether it holds that case's consents (an open one on intake's
topic). An open one of a type this service may never hold becomes a skipped record.
Then the content columns are dropped, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from psycopg import Cursor, sql

from shared.projection.poison import Parked, printable, triage
from shared.projection.records import ConsumedRecord, PoisonCause

CONTENT_COLUMNS = ("message_key", "headers", "message_value")
"""The columns of an earlier ``dead_letters`` table that held the record itself."""
EARLIER_REPLAY = "replayed"
"""The resolution of a dead letter replayed before resolutions were recorded."""


def upgrade_dead_letters(
    cur: Cursor[dict[str, Any]], table: Callable[[str], sql.Composable], schema: str, name: str, parties: Sequence[str]
) -> int:
    """Move what is kept of earlier dead letters into the pointer columns, drop the content
    columns; return how many rows were upgraded (0: nothing to do)."""
    cur.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
        (schema, name),
    )
    present = {r["column_name"] for r in cur.fetchall()} & set(CONTENT_COLUMNS)
    if not present:
        return 0
    cur.execute(
        sql.SQL("SELECT id, topic, kafka_partition, kafka_offset, {}, {}, reason, replayed_at FROM {}").format(
            _column_or_null("message_key", present, "bytea"),
            _column_or_null("headers", present, "jsonb"),
            table("dead_letters"),
        )
    )
    rows = cur.fetchall()
    for row in rows:
        _upgrade_row(cur, table, row, parties)
    cur.execute(
        sql.SQL("ALTER TABLE {} {}").format(
            table("dead_letters"),
            sql.SQL(", ").join(sql.SQL("DROP COLUMN {}").format(sql.Identifier(c)) for c in sorted(present)),
        )
    )
    return len(rows)


def _column_or_null(column: str, present: set[str], kind: str) -> sql.Composable:
    if column in present:
        return sql.SQL("{} AS {}").format(sql.Identifier(column), sql.Identifier(column))
    return sql.SQL(f"NULL::{kind} AS {{}}").format(sql.Identifier(column))


def _upgrade_row(
    cur: Cursor[dict[str, Any]], table: Callable[[str], sql.Composable], row: dict[str, Any], parties: Sequence[str]
) -> None:
    headers = row["headers"] if isinstance(row["headers"], dict) else {}
    record = ConsumedRecord(
        row["topic"],
        row["kafka_partition"],
        row["kafka_offset"],
        poison_reason=row["reason"],
        key=row["message_key"],
        headers=[(str(k), str(v).encode()) for k, v in headers.items()],
    )
    decided = triage(record, parties)
    settled = row["replayed_at"] is not None
    if not isinstance(decided, Parked) and not settled:
        cur.execute(
            sql.SQL(
                "INSERT INTO {} (topic, kafka_partition, kafka_offset, type, reason) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
            ).format(table("skipped_records")),
            (decided.topic, decided.partition, decided.offset, decided.type, decided.reason),
        )
        cur.execute(sql.SQL("DELETE FROM {} WHERE id = %s").format(table("dead_letters")), (row["id"],))
        return
    cur.execute(
        sql.SQL(
            "UPDATE {} SET type = %s, reason = %s, cause = %s, case_id = %s, consent_hold = %s, "
            "resolution = coalesce(resolution, %s) WHERE id = %s"
        ).format(table("dead_letters")),
        (
            decided.type,
            printable(row["reason"]),
            PoisonCause.INVALID.value,
            decided.case_id if isinstance(decided, Parked) else None,
            isinstance(decided, Parked) and decided.consent_hold,
            EARLIER_REPLAY if settled else None,
            row["id"],
        ),
    )
