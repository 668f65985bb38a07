"""What is stored and sent: intake's own events, and raw rows/messages of the same size."""

from __future__ import annotations

import os
from datetime import date
from typing import Any
from uuid import uuid4

from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Connection
from psycopg_pool import ConnectionPool

from services.bootstrap import Container, build_relay
from services.intake.commands import RegisterPerson
from services.intake.domain import Case
from shared.application.base import CaseApplication
from shared.bus.wire import WireMessage
from shared.identity.settings import IdentitySettings
from shared.identity.tokens import BearerAuth, Grant, TokenClient
from shared.outbox.relay import Producer

# The body of a ``POST /intake/cases``; also what the registrations stored in-process hold.
PERSON: dict[str, object] = {
    "family_name": "Testperson",
    "given_names": "Amina",
    "birth_date": "1999-05-01",
    "registered_on": "2026-01-05",
    "languages": ["ar"],
    "claimed_nationalities": ["SYR"],
}
REGISTRATION = RegisterPerson.model_validate(PERSON)

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


def pools(container: Container) -> list[ConnectionPool[Connection[Any]]]:
    """The container's pool and its application's own (eventsourcing's), to check after a restart of PostgreSQL."""
    found: list[ConnectionPool[Connection[Any]]] = [container.pool] if container.pool is not None else []
    recorder = container.app.recorder
    if isinstance(recorder, PostgresApplicationRecorder):
        found.append(recorder.datastore.pool)
    return found


def new_case() -> Case:
    """A registration: the event a ``POST /intake/cases`` stores (as ``register_person`` builds it)."""
    return Case(
        person_id=uuid4(),
        registered_on=REGISTRATION.registered_on,
        family_name=REGISTRATION.family_name,
        given_names=REGISTRATION.given_names,
        birth_date=REGISTRATION.birth_date,
        languages=list(REGISTRATION.languages),
        claimed_nationalities=list(REGISTRATION.claimed_nationalities),
        contact=None,
    )


def opened_case() -> Case:
    """A registered and opened case: two published events, as in the prefilled stores."""
    case = new_case()
    case.open(opened_on=date(2026, 1, 6), case_manager_id="st-bench01")
    return case


def stored_row(app: CaseApplication) -> tuple[str, bytes]:
    """Topic and state of a real stored registration, for raw rows of the same size."""
    case = new_case()
    stored = app.mapper.to_stored_event(case.collect_events()[0])
    return stored.topic, stored.state


def sample_messages(container: Container, limit: int = 1000) -> list[WireMessage]:
    """The wire messages of the store's first events, exactly as the service's relay encodes them."""
    translator = build_relay(container, producer_factory=_no_producer)
    notifications = container.app.recorder.select_notifications(start=1, limit=limit)
    messages = [m for o in map(translator.to_outgoing, notifications) for m in o.messages]
    if not messages:
        msg = "the store holds no published events"
        raise RuntimeError(msg)
    return messages


def _no_producer() -> Producer:
    msg = "the relay only translates here; it publishes nothing"
    raise RuntimeError(msg)


def setup_raw_table(conn: Connection[Any]) -> None:
    conn.execute(RAW_TABLE_SQL)


def raw_rows(n: int, topic: str, state: bytes) -> list[tuple[Any, ...]]:
    return [(uuid4(), 1, topic, state) for _ in range(n)]


def staff_token_client() -> TokenClient:
    """Tokens of the benchmark's member of staff: the development realm's test user ``test.pipeline``
    (deploy/keycloak/realm-kim.test-client.json); a new client asks Keycloak for a new token."""
    secret = os.environ.get("KIM_KEYCLOAK_TEST_SECRET", "kim-test-dev-secret")
    grant = Grant("kim-test", secret, username="test.pipeline", password=secret)
    return TokenClient(IdentitySettings().token_url, grant)


def staff_auth() -> BearerAuth:
    """httpx authentication of the benchmark's member of staff, a fresh token on every request."""
    return BearerAuth(staff_token_client())
