"""The person index's behaviour suite on PostgreSQL (the session's database), and what ``kim migrate`` does."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

import pytest
from psycopg import Cursor, sql
from psycopg.rows import DictRow

from services.bootstrap import Container, build_container, migrate
from services.intake.application import IntakeApplication
from shared.application.recording import written_with
from shared.application.results import Saved
from shared.errors import ServiceUnavailableError
from shared.persistence.person_index import KEYS_VERSION, TABLE, PostgresPersonIndex
from shared.persons import PersonQuery
from shared.service import Service
from shared.settings import get_settings
from tests.support.person_index_suite import PersonIndexSuite, unique_day, unique_name

pytestmark = pytest.mark.postgres


@pytest.fixture
def container(infra_env: dict[str, str]) -> Iterator[Container]:
    get_settings.cache_clear()
    container = build_container(Service.INTAKE)
    yield container
    container.close()


def events_table(app: IntakeApplication) -> str:
    recorder: object = app.recorder
    return str(getattr(recorder, "events_table_name"))  # noqa: B009 - eventsourcing's recorder, untyped here


class TestPostgresPersonIndex(PersonIndexSuite):
    @pytest.fixture
    def app(self, container: Container) -> IntakeApplication:
        assert isinstance(container.app, IntakeApplication)
        return container.app

    def unfilled(self, app: IntakeApplication) -> list[UUID]:
        index = app.person_index
        assert isinstance(index, PostgresPersonIndex)
        return index.unfilled(events_table(app))

    def test_migrate_fills_missing_rows_and_keys_of_an_older_version_idempotently(
        self, app: IntakeApplication, container: Container
    ) -> None:
        index = app.person_index
        assert isinstance(index, PostgresPersonIndex)
        app.person_index = None  # stored by a version before the index
        try:
            missing = self.register(app, "Weiß", "Jürgen", unique_day())
        finally:
            app.person_index = index
        stale = self.register(app, "Çelik", "Ayşe", unique_day())
        table = sql.Identifier(container.settings.pg_schema, TABLE)
        with container.postgres.connection() as conn:
            conn.execute(
                sql.SQL("UPDATE {} SET keys_version = 0, family_key = '' WHERE case_id = %s").format(table), (stale,)
            )
        assert {missing, stale} <= set(index.unfilled(events_table(app)))
        migrate(Service.INTAKE)
        migrate(Service.INTAKE)  # again: nothing left to fill, nothing changes
        assert not {missing, stale} & set(index.unfilled(events_table(app)))
        with container.postgres.connection() as conn:
            rows = conn.execute(
                sql.SQL("SELECT case_id, family_key, keys_version FROM {} WHERE case_id = ANY(%s)").format(table),
                ([missing, stale],),
            ).fetchall()
        assert sorted(rows) == sorted([(missing, "weiss", KEYS_VERSION), (stale, "celik", KEYS_VERSION)])
        assert [
            m.entry.case_id for m in app.search_persons(_by_name("Weiss", "Juergen"), within=frozenset({missing}))
        ] == [missing]

    def test_the_runtime_role_reads_and_writes_the_index_but_cannot_drop_it(self, container: Container) -> None:
        table = sql.Identifier(container.settings.pg_schema, TABLE)
        with container.postgres.connection() as conn:
            assert conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone() is not None
            granted = conn.execute(
                "SELECT privilege_type FROM information_schema.role_table_grants "
                "WHERE table_schema = %s AND table_name = %s AND grantee = current_user",
                (container.settings.pg_schema, TABLE),
            ).fetchall()
        assert {r[0] for r in granted} == {"SELECT", "INSERT", "UPDATE", "DELETE"}
        with pytest.raises(Exception, match="must be owner"), container.postgres.connection() as conn:
            conn.execute(sql.SQL("DROP TABLE {}").format(table))


def _by_name(family: str, given: str) -> PersonQuery:
    return PersonQuery(family_name=family, given_names=given)


@dataclass(frozen=True)
class FailingRecord:
    """A side record that fails inside the database, as a taken unique key would."""

    table: str = "nowhere"

    def write(self, cursor: Cursor[DictRow], saved: Saved, events: int) -> None:
        cursor.execute("SELECT 1 / 0")


def test_the_row_exists_exactly_when_the_events_do(container: Container) -> None:
    app = container.app
    assert isinstance(app, IntakeApplication)
    name, born = unique_name(), unique_day()
    with pytest.raises(ServiceUnavailableError), written_with(FailingRecord()):
        PersonIndexSuite.register(app, name, "Eva", born)
    assert app.search_persons(PersonQuery(family_name=name, birth_date=born)) == []
    stored = PersonIndexSuite.register(app, name, "Eva", born)
    assert [m.entry.case_id for m in app.search_persons(PersonQuery(family_name=name, birth_date=born))] == [stored]
