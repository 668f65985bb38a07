"""Intake's person index: PostgreSQL and in memory.

One row per case: names, birth date, registered on, the case's status, and the names'
search keys (``shared/persons.py`` :class:`~shared.persons.NameKeys`: folded spelling, its
parts, their Kölner Phonetik codes). The row is written by the recorder in the transaction
of the case's events (a side record, ``shared/application/recording.py``), so it is exactly
as current as the events; it is a cache of the aggregate's state, never the truth. ``kim
migrate`` creates the table and fills rows for cases stored before it existed, or whose keys
an earlier version computed (:data:`KEYS_VERSION`).

The narrowing (:meth:`~shared.persons.PersonQuery.may_match`) is SQL here and the same
predicate in memory; the behaviour suite (``tests/support/person_index_suite.py``) runs on both.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from psycopg import Cursor, sql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from shared.application.results import Saved
from shared.names import NameKeys
from shared.persons import PersonEntry, PersonQuery, Registration

TABLE = "person_index"
KEYS_VERSION = 1
"""The version of the search keys' rules (``shared/names.py``); a row of an older one is filled again."""

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS {table} (
    case_id uuid PRIMARY KEY,
    person_id uuid,
    family_name text NOT NULL,
    given_names text NOT NULL,
    birth_date date NOT NULL,
    registered_on date NOT NULL,
    status text,
    case_prefix text NOT NULL,
    family_key text NOT NULL,
    family_parts text[] NOT NULL,
    family_codes text[] NOT NULL,
    given_key text NOT NULL,
    given_parts text[] NOT NULL,
    given_codes text[] NOT NULL,
    keys_version smallint NOT NULL,
    version integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS {by_birth} ON {table} (birth_date);
CREATE INDEX IF NOT EXISTS {by_prefix} ON {table} (case_prefix);
CREATE INDEX IF NOT EXISTS {by_family} ON {table} (family_key text_pattern_ops);
CREATE INDEX IF NOT EXISTS {by_given} ON {table} (given_key text_pattern_ops);
CREATE INDEX IF NOT EXISTS {family_parts} ON {table} USING gin (family_parts);
CREATE INDEX IF NOT EXISTS {family_codes} ON {table} USING gin (family_codes);
CREATE INDEX IF NOT EXISTS {given_parts} ON {table} USING gin (given_parts);
CREATE INDEX IF NOT EXISTS {given_codes} ON {table} USING gin (given_codes);
"""

UPSERT = """
INSERT INTO {0} (case_id, person_id, family_name, given_names, birth_date, registered_on, status, case_prefix,
    family_key, family_parts, family_codes, given_key, given_parts, given_codes, keys_version, version)
VALUES (%(case_id)s, %(person_id)s, %(family_name)s, %(given_names)s, %(birth_date)s, %(registered_on)s,
    %(status)s, %(case_prefix)s, %(family_key)s, %(family_parts)s, %(family_codes)s, %(given_key)s,
    %(given_parts)s, %(given_codes)s, %(keys_version)s, %(version)s)
ON CONFLICT (case_id) DO UPDATE SET person_id = EXCLUDED.person_id, family_name = EXCLUDED.family_name,
    given_names = EXCLUDED.given_names, birth_date = EXCLUDED.birth_date, registered_on = EXCLUDED.registered_on,
    status = EXCLUDED.status, case_prefix = EXCLUDED.case_prefix, family_key = EXCLUDED.family_key,
    family_parts = EXCLUDED.family_parts, family_codes = EXCLUDED.family_codes, given_key = EXCLUDED.given_key,
    given_parts = EXCLUDED.given_parts, given_codes = EXCLUDED.given_codes, keys_version = EXCLUDED.keys_version,
    version = EXCLUDED.version, updated_at = now()
WHERE {0}.version < EXCLUDED.version OR {0}.keys_version < EXCLUDED.keys_version
"""

COLUMNS = "case_id, person_id, family_name, given_names, birth_date, registered_on, status"


def _params(entry: PersonEntry, version: int) -> dict[str, Any]:
    return {
        "case_id": entry.case_id,
        "person_id": entry.person_id,
        "family_name": entry.family_name,
        "given_names": entry.given_names,
        "birth_date": entry.birth_date,
        "registered_on": entry.registered_on,
        "status": entry.status,
        "case_prefix": entry.case_prefix,
        "family_key": entry.family.key,
        "family_parts": list(entry.family.parts),
        "family_codes": list(entry.family.codes),
        "given_key": entry.given.key,
        "given_parts": list(entry.given.parts),
        "given_codes": list(entry.given.codes),
        "keys_version": KEYS_VERSION,
        "version": version,
    }


def _entry(record: dict[str, Any]) -> PersonEntry:
    return PersonEntry(
        case_id=record["case_id"],
        person_id=record["person_id"],
        family_name=record["family_name"],
        given_names=record["given_names"],
        birth_date=record["birth_date"],
        registered_on=record["registered_on"],
        status=record["status"],
    )


def _like_prefix(start: str) -> str:
    return start.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _name_sql(column: str, keys: NameKeys, params: dict[str, Any]) -> tuple[sql.Composable, sql.Composable]:
    """The narrowing of one name (:func:`shared.persons.narrows`) and its rank (0: the same key … 3: the start)."""
    key, parts, codes = (sql.Identifier(f"{column}_{suffix}") for suffix in ("key", "parts", "codes"))
    params |= {f"{column}_key": keys.key, f"{column}_parts": list(keys.parts), f"{column}_codes": list(keys.codes)}
    p_key, p_parts, p_codes = (sql.Placeholder(f"{column}_{suffix}") for suffix in ("key", "parts", "codes"))
    options: list[sql.Composable] = [
        sql.SQL("{} && {}::text[]").format(parts, p_parts),
        sql.SQL("{} && {}::text[]").format(codes, p_codes),
    ]
    if keys.start is not None:
        params[f"{column}_start"] = _like_prefix(keys.start)
        options.append(sql.SQL("{} LIKE {}").format(key, sql.Placeholder(f"{column}_start")))
    where = sql.SQL("({})").format(sql.SQL(" OR ").join(options))
    rank = sql.SQL(
        "(CASE WHEN {k} = {pk} THEN 0 WHEN {p} && {pp}::text[] THEN 1 WHEN {c} && {pc}::text[] THEN 2 ELSE 3 END)"
    ).format(k=key, pk=p_key, p=parts, pp=p_parts, c=codes, pc=p_codes)
    return where, rank


class PostgresPersonIndex:
    """The index in the service's schema."""

    def __init__(self, pool: ConnectionPool[Any], schema: str) -> None:
        self.pool = pool
        self.schema = schema
        self.table = sql.Identifier(schema, TABLE)

    def setup(self) -> None:
        names = ("by_birth", "by_prefix", "by_family", "by_given", "family_parts", "family_codes")
        idents = {name: sql.Identifier(f"{TABLE}_{name}") for name in (*names, "given_parts", "given_codes")}
        with self.pool.connection() as conn:
            conn.execute(sql.SQL(SCHEMA_SQL).format(table=self.table, **idents))

    def _select(
        self, where: Sequence[sql.Composable], order: Sequence[sql.Composable], params: dict[str, Any]
    ) -> list[PersonEntry]:
        query = sql.SQL("SELECT {cols} FROM {table} WHERE {where} ORDER BY {order} LIMIT %(cap)s").format(
            cols=sql.SQL(COLUMNS),
            table=self.table,
            where=sql.SQL(" AND ").join(where) if where else sql.SQL("true"),
            order=sql.SQL(", ").join([*order, sql.SQL("registered_on DESC, case_id")]),
        )
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            return [_entry(r) for r in cur.execute(query, params).fetchall()]

    def candidates(self, query: PersonQuery, within: frozenset[UUID] | None, cap: int) -> list[PersonEntry]:
        if query.hopeless or (within is not None and not within):
            return []
        params: dict[str, Any] = {"cap": cap}
        where: list[sql.Composable] = []
        order: list[sql.Composable] = []
        if within is not None:
            params["within"] = sorted(within)
            where.append(sql.SQL("case_id = ANY(%(within)s::uuid[])"))
        if query.case_id is not None:
            params["case_id"] = query.case_id
            where.append(sql.SQL("case_id = %(case_id)s"))
        if query.case_prefix is not None:
            params["case_prefix"] = query.case_prefix
            where.append(sql.SQL("case_prefix = %(case_prefix)s"))
        if query.birth_date is not None:
            params["birth_date"] = query.birth_date
            where.append(sql.SQL("birth_date = %(birth_date)s"))
        for column, keys in (("family", query.family), ("given", query.given)):
            if keys is not None:
                narrowing, rank = _name_sql(column, keys, params)
                where.append(narrowing)
                order.append(rank)
        return self._select(where, [sql.SQL(" + ").join(order)] if order else [], params)

    def registered_alike(self, person: Registration, within: frozenset[UUID] | None, cap: int) -> list[PersonEntry]:
        if within is not None and not within:
            return []
        params: dict[str, Any] = {"cap": cap, "birth_date": person.birth_date}
        params |= {"family_key": person.family.key, "given_key": person.given.key}
        params |= {"family_parts": list(person.family.parts), "family_codes": list(person.family.codes)}
        params |= {"given_parts": list(person.given.parts), "given_codes": list(person.given.codes)}
        where: list[sql.Composable] = [
            sql.SQL("(birth_date = %(birth_date)s OR (family_key = %(family_key)s AND given_key = %(given_key)s))")
        ]
        if within is not None:
            params["within"] = sorted(within)
            where.append(sql.SQL("case_id = ANY(%(within)s::uuid[])"))
        order = [
            sql.SQL("(family_key = %(family_key)s AND given_key = %(given_key)s) DESC"),
            sql.SQL("(family_parts && %(family_parts)s::text[] OR family_codes && %(family_codes)s::text[]) DESC"),
            sql.SQL("(given_parts && %(given_parts)s::text[] OR given_codes && %(given_codes)s::text[]) DESC"),
        ]
        return self._select(where, order, params)

    def entry(self, case_id: UUID) -> PersonEntry | None:
        query = sql.SQL("SELECT {} FROM {} WHERE case_id = %s").format(sql.SQL(COLUMNS), self.table)
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            found = cur.execute(query, (case_id,)).fetchone()
        return _entry(found) if found else None

    def put(self, entry: PersonEntry, version: int) -> None:
        with self.pool.connection() as conn:
            conn.execute(sql.SQL(UPSERT).format(self.table), _params(entry, version))

    def unfilled(self, events_table: str) -> list[UUID]:
        """Cases stored in ``events_table`` (intake's) that have no row, or one with keys of an older version."""
        query = sql.SQL(
            "SELECT e.originator_id FROM {events} e LEFT JOIN {table} p ON p.case_id = e.originator_id "
            "WHERE e.originator_version = 1 AND (p.case_id IS NULL OR p.keys_version < %s) ORDER BY e.originator_id"
        ).format(events=sql.Identifier(self.schema, events_table), table=self.table)
        with self.pool.connection() as conn:
            return [r[0] for r in conn.execute(query, (KEYS_VERSION,)).fetchall()]

    def written_with_events(self, entry: PersonEntry) -> object:
        return PostgresPersonRecord(self.table, TABLE, entry)


@dataclass(frozen=True)
class PostgresPersonRecord:
    """Upserts one row in the transaction of the case's events."""

    identifier: sql.Identifier
    table: str
    entry: PersonEntry

    def write(self, cursor: Cursor[DictRow], saved: Saved, events: int) -> None:
        cursor.execute(sql.SQL(UPSERT).format(self.identifier), _params(self.entry, saved.version))


def _rank(wanted: NameKeys, found: NameKeys) -> int:
    if wanted.key == found.key:
        return 0
    if set(wanted.parts) & set(found.parts):
        return 1
    return 2 if set(wanted.codes) & set(found.codes) else 3


class MemoryPersonIndex:
    """The same index in memory (unit tests), with the same narrowing and order."""

    def __init__(self) -> None:
        self._rows: dict[UUID, tuple[PersonEntry, int]] = {}
        self._lock = threading.Lock()

    def _all(self, within: frozenset[UUID] | None) -> list[PersonEntry]:
        with self._lock:
            rows = [entry for entry, _ in self._rows.values()]
        return [e for e in rows if within is None or e.case_id in within]

    @staticmethod
    def _newest(rows: list[PersonEntry]) -> list[PersonEntry]:
        return sorted(rows, key=lambda e: (-e.registered_on.toordinal(), str(e.case_id)))

    def candidates(self, query: PersonQuery, within: frozenset[UUID] | None, cap: int) -> list[PersonEntry]:
        found = self._newest([e for e in self._all(within) if query.may_match(e)])

        def rank(entry: PersonEntry) -> int:
            pairs = ((query.family, entry.family), (query.given, entry.given))
            return sum(_rank(wanted, keys) for wanted, keys in pairs if wanted is not None)

        return sorted(found, key=rank)[:cap]

    def registered_alike(self, person: Registration, within: frozenset[UUID] | None, cap: int) -> list[PersonEntry]:
        same = (person.family.key, person.given.key)
        found = [
            e
            for e in self._newest(self._all(within))
            if e.birth_date == person.birth_date or (e.family.key, e.given.key) == same
        ]

        def rank(entry: PersonEntry) -> tuple[bool, bool, bool]:
            return (
                (entry.family.key, entry.given.key) != same,
                not narrows_either(person.family, entry.family),
                not narrows_either(person.given, entry.given),
            )

        return sorted(found, key=rank)[:cap]

    def entry(self, case_id: UUID) -> PersonEntry | None:
        with self._lock:
            found = self._rows.get(case_id)
        return found[0] if found else None

    def put(self, entry: PersonEntry, version: int) -> None:
        with self._lock:
            stored = self._rows.get(entry.case_id)
            if stored is None or stored[1] < version:
                self._rows[entry.case_id] = (entry, version)

    def written_with_events(self, entry: PersonEntry) -> object:
        return MemoryPersonRecord(self, entry)


def narrows_either(wanted: NameKeys, found: NameKeys) -> bool:
    """A shared part or phonetic code (the duplicate check's order)."""
    return bool(set(wanted.parts) & set(found.parts) or set(wanted.codes) & set(found.codes))


@dataclass(frozen=True)
class MemoryPersonRecord:
    index: MemoryPersonIndex
    entry: PersonEntry

    def check(self) -> None:
        """An upsert cannot conflict."""

    def write(self, saved: Saved, events: int) -> None:
        self.index.put(self.entry, saved.version)
