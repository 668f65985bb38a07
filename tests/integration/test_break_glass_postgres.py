"""Break-glass on PostgreSQL: the index table written with the events, the grants in force, the grants.

Kobiz's container on the session's database (``kim migrate`` ran). What is proven here:
``kim migrate`` creates the index table and the event table of its own, which the runtime
role may only append to; each command writes the index row in the transaction of its
events; the index answers the grants in force on a subject at a given time, the open
requests, the grants in force and those awaiting review; no free text sits in the index;
and the service's own notification log (the relay's outbox) holds none of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg import sql

from services.bootstrap import Container, build_container
from shared.access.break_glass import Approver, BreakGlassRow
from shared.application.break_glass import RequestBreakGlass, ReviewBreakGlass
from shared.identity.roles import Role
from shared.persistence.break_glass import TABLE
from shared.service import Service
from shared.settings import get_settings

pytestmark = pytest.mark.postgres

COUNSELLOR = Approver("st-kc0002", frozenset({Role.KOBIZ_COUNSELLOR}), frozenset({"kobiz"}))
LEAD = Approver("st-lead03", frozenset({Role.TEAM_LEAD}), frozenset({"kobiz"}))
DPO = Approver("st-dsb001", frozenset({Role.DATA_PROTECTION_OFFICER}), frozenset())
REASON = "Beschwerde: die Akte muss für die Stellungnahme gelesen werden."


@pytest.fixture
def container(infra_env: dict[str, str]) -> Iterator[Container]:
    get_settings.cache_clear()
    container = build_container(Service.KOBIZ)
    container.break_glass.known = lambda _subject: True
    yield container
    container.close()


def at(minutes: int) -> datetime:
    return datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=minutes)


def rows_of(container: Container, grant_id: UUID) -> list[dict[str, object]]:
    query = sql.SQL("SELECT * FROM {} WHERE grant_id = %s").format(sql.Identifier(container.settings.pg_schema, TABLE))
    with container.postgres.connection() as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return list(cur.execute(query, (grant_id,)).fetchall())


def test_the_index_follows_the_grant_in_the_transaction_of_its_events(container: Container) -> None:
    glass = container.break_glass
    subject = uuid4()
    glass.now = lambda: at(0)
    outbox_before = container.app.recorder.max_notification_id()
    grant = glass.request(COUNSELLOR, RequestBreakGlass(subject_id=subject, reason=REASON, minutes=30))
    index = glass.index
    assert [r.grant_id for r in index.rows(at(1), "pending", None)].count(grant.id) == 1
    assert index.holders(subject, at(1)) == {}
    assert [r.grant_id for r in index.open_of(subject, COUNSELLOR.staff_id, at(1))] == [grant.id]

    glass.now = lambda: at(5)
    glass.approve(grant.id, LEAD)
    assert index.holders(subject, at(5)) == {COUNSELLOR.staff_id: grant.id}
    assert index.holders(subject, at(34)) == {COUNSELLOR.staff_id: grant.id}
    assert index.holders(subject, at(35)) == {}, "the minutes count from the approval"
    assert grant.id in {r.grant_id for r in index.rows(at(10), "active")}
    assert grant.id not in {r.grant_id for r in index.rows(at(10), "pending")}
    assert grant.id in {r.grant_id for r in index.rows(at(10), "to-review", COUNSELLOR.staff_id)}
    assert container.reach.of_subject(subject).known is False  # a subject the service does not hold: unknown

    (row,) = rows_of(container, grant.id)
    assert row["version"] == 2 and REASON not in {str(v) for v in row.values()}
    assert row["starts_at"] == at(5) and row["ends_at"] == at(35)

    glass.now = lambda: at(40)
    glass.review(grant.id, DPO, ReviewBreakGlass(note="Zugriff war begründet."))
    assert grant.id not in {r.grant_id for r in index.rows(at(40), "to-review")}
    assert container.app.recorder.max_notification_id() == outbox_before, "nothing in the relay's outbox"
    assert glass.get(grant.id, DPO).review_note == "Zugriff war begründet."  # the aggregate keeps the text


def test_ended_early_leaves_the_index_at_once(container: Container) -> None:
    glass = container.break_glass
    subject = uuid4()
    glass.now = lambda: at(0)
    grant = glass.request(COUNSELLOR, RequestBreakGlass(subject_id=subject, reason=REASON, minutes=60, emergency=True))
    assert glass.index.holders(subject, at(0)) == {COUNSELLOR.staff_id: grant.id}
    glass.now = lambda: at(10)
    glass.end(grant.id, LEAD)
    assert glass.index.holders(subject, at(10)) == {}
    assert glass.index.holders(subject, at(5)) == {COUNSELLOR.staff_id: grant.id}, "it was in force until then"


def test_the_runtime_role_may_only_append_break_glass_events(container: Container) -> None:
    recorder = container.break_glass.recorder
    table = str(getattr(recorder, "events_table_name", ""))
    assert table == "breakglass_events"
    schema = container.settings.pg_schema
    with container.postgres.connection() as conn, conn.transaction(), pytest.raises(psycopg.Error):
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(schema, table)))
    with container.postgres.connection() as conn:
        found = conn.execute(
            "SELECT has_table_privilege(current_user, %s, 'UPDATE')",
            (f"{schema}.{TABLE}",),
        ).fetchone()
    assert found is not None and found[0] is True, "the index itself is updated in place"


def test_a_row_round_trips(container: Container) -> None:
    glass = container.break_glass
    subject = uuid4()
    glass.now = lambda: at(0)
    grant = glass.request(COUNSELLOR, RequestBreakGlass(subject_id=subject, reason=REASON, minutes=10))
    (found,) = glass.index.open_of(subject, COUNSELLOR.staff_id, at(1))
    assert found == BreakGlassRow(
        grant_id=grant.id,
        subject_id=subject,
        requester=COUNSELLOR.staff_id,
        emergency=False,
        requested_at=at(0),
        starts_at=None,
        ends_at=None,
        closed=False,
        reviewed=False,
    )
