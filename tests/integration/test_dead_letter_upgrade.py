"""``kim migrate`` upgrades a view whose dead letters still hold the records themselves.

An earlier version stored key, headers and value of every parked record. The upgrade
keeps the pointer (and what it tells: the type, the case its key names, whether it holds
that case's consents), turns what the service may never hold into skipped records and
drops the content columns, in one transaction; a second run changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from psycopg import sql
from psycopg.types.json import Jsonb

from shared.persistence.pool import make_pool
from shared.projection.pg_store import PostgresCaseHistoryStore
from shared.projection.records import PoisonCause
from shared.service import Service
from shared.settings import get_settings
from tests.support.dead_letter_suite import stored_text
from tests.support.projection_suite import INTAKE_TOPIC, KOBIZ_TOPIC

pytestmark = pytest.mark.postgres

EARLIER_DEAD_LETTERS = """
CREATE TABLE {dead_letters} (
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
)
"""


@pytest.fixture(scope="module")
def pool(infra_env: dict[str, str]) -> Iterator[Any]:
    # The owner role, as ``kim migrate`` runs the upgrade.
    pool = make_pool(get_settings(Service.FOREIGN_OFFICE).as_owner().pg_conninfo(), max_size=2)
    pool.open(wait=True)
    yield pool
    pool.close()


def test_an_earlier_dead_letters_table_keeps_pointers_only_after_migrate(pool: Any) -> None:
    view = PostgresCaseHistoryStore(
        pool, "foreign_office", prefix=f"t{uuid4().hex[:8]}_", service=Service.FOREIGN_OFFICE
    )
    case, marker = uuid4(), f"marker-{uuid4().hex}"
    with pool.connection() as conn:
        conn.execute(sql.SQL(EARLIER_DEAD_LETTERS).format(dead_letters=view.t("dead_letters")))
        rows = [
            # an undecodable intake record keyed by its case: it may be a consent event
            (INTAKE_TOPIC, 3, str(case).encode(), {"ce_type": "de.nrw.kim.intake.ConsentRevoked.v7"}, None),
            # a referral the foreign office may never hold: skipped from now on
            (INTAKE_TOPIC, 4, str(case).encode(), {"ce_type": "de.nrw.kim.intake.ReferralReceived.v1"}, None),
            # a new version of a Kobiz event, replayed before: settled
            (KOBIZ_TOPIC, 9, b"file", {"ce_type": "de.nrw.kim.kobiz.HealthExemptionClaimed.v9"}, "now"),
        ]
        for topic, offset, key, headers, settled in rows:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (topic, kafka_partition, kafka_offset, message_key, headers, message_value, "
                    "reason, replayed_at) VALUES (%s, 0, %s, %s, %s, %s, %s, {})"
                ).format(view.t("dead_letters"), sql.SQL("now()" if settled else "NULL")),
                (
                    topic,
                    offset,
                    key,
                    Jsonb({**headers, "x-note": marker}),
                    json.dumps({"note": marker}).encode(),
                    "unknown event type or version",
                ),
            )
    try:
        view.setup()
        view.setup()  # idempotent
        with pool.connection() as conn:
            columns = {
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
                    ("foreign_office", f"{view.prefix}dead_letters"),
                )
            }
        assert not columns & {"message_key", "headers", "message_value"}, columns
        held, replayed = sorted(view.dead_letters(), key=lambda d: d.offset)
        assert (held.topic, held.offset, held.type) == (INTAKE_TOPIC, 3, "de.nrw.kim.intake.ConsentRevoked.v7")
        assert held.consent_hold and held.case_id == case and held.cause is PoisonCause.INVALID
        assert view.consent_holds().on(case) and not view.consent_holds().everywhere
        assert replayed.replayed_at is not None and replayed.resolution == "replayed" and not replayed.consent_hold
        (skipped,) = view.skipped()
        assert (skipped.topic, skipped.offset, skipped.type) == (
            INTAKE_TOPIC,
            4,
            "de.nrw.kim.intake.ReferralReceived.v1",
        )
        assert marker not in stored_text(view)
        assert view.counts()["dead_letters_open"] == 1 and view.counts()["skipped"] == 1
    finally:
        view.drop()
