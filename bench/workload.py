"""What is stored and sent: intake's own events, and raw rows/messages of the same size."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from psycopg import Connection

from services.intake.application import IntakeApplication
from services.intake.domain import Case
from shared.settings import Service, get_settings

PERSON = {
    "family_name": "Testperson",
    "given_names": "Amina",
    "birth_date": "1999-05-01",
    "registered_on": "2026-01-05",
    "languages": ["ar"],
    "claimed_nationalities": ["SYR"],
}

# The same shape as eventsourcing 9.5.6's PostgresApplicationRecorder table.
RAW_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS bench_raw_events (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text,
    state bytea,
    notification_id bigserial,
    PRIMARY KEY (originator_id, originator_version)
);
CREATE UNIQUE INDEX IF NOT EXISTS bench_raw_events_notification_id ON bench_raw_events (notification_id);
"""
RAW_INSERT = "INSERT INTO bench_raw_events (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)"


def intake_app() -> IntakeApplication:
    """Intake's application exactly as the service builds it (its settings' environment)."""
    return IntakeApplication(get_settings(Service.INTAKE).eventsourcing_env())


def new_case() -> Case:
    """A registration: the event a ``POST /intake/cases`` stores."""
    return Case(
        person_id=uuid4(),
        registered_on=date(2026, 1, 5),
        family_name=PERSON["family_name"],
        given_names=PERSON["given_names"],
        birth_date=date(1999, 5, 1),
        languages=list(PERSON["languages"]),
        claimed_nationalities=list(PERSON["claimed_nationalities"]),
        contact=None,
    )


def opened_case() -> Case:
    """A registered and opened case: two published events, as in the prefilled stores."""
    case = new_case()
    case.open(opened_on=date(2026, 1, 6), case_manager_id="cm-bench-1")
    return case


def stored_row(app: IntakeApplication) -> tuple[str, bytes]:
    """Topic and state of a real stored registration, for raw rows of the same size."""
    case = new_case()
    stored = app.mapper.to_stored_event(case.collect_events()[0])
    return stored.topic, stored.state


def sample_messages(app: IntakeApplication, limit: int = 1000) -> list[Any]:
    """The wire messages of the store's first events, exactly as the relay encodes them."""
    from shared.relay import Relay

    translator = Relay(app, "-", None, lambda: None)  # type: ignore[arg-type]
    notifications = app.recorder.select_notifications(start=1, limit=limit)
    messages = [o.message for o in map(translator.to_outgoing, notifications) if o.message is not None]
    if not messages:
        msg = "the store holds no published events"
        raise RuntimeError(msg)
    return messages


def setup_raw_table(conn: Connection[Any]) -> None:
    conn.execute(RAW_TABLE_SQL)


def raw_rows(n: int, topic: str, state: bytes) -> list[tuple[Any, ...]]:
    return [(uuid4(), 1, topic, state) for _ in range(n)]
