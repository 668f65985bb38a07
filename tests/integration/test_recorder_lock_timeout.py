"""A write blocked on the events table's lock fails after one lock timeout (PostgreSQL)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import OperationalError

from services.intake.application import IntakeApplication
from services.intake.domain import Case
from shared.persistence.recorder import BoundedLockApplicationRecorder
from shared.service import Service
from shared.settings import get_settings

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(infra_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[IntakeApplication]:
    monkeypatch.setenv("KIM_INTAKE_PG_LOCK_TIMEOUT_MS", "1000")
    get_settings.cache_clear()
    application = IntakeApplication(env=get_settings(Service.INTAKE).eventsourcing_env())
    yield application
    application.close()
    get_settings.cache_clear()


def case() -> Any:
    return Case(
        person_id=uuid4(),
        registered_on=date(2026, 1, 5),
        family_name="T",
        given_names="A",
        birth_date=date(1999, 5, 1),
        languages=[],
        claimed_nationalities=[],
        contact=None,
    )


def test_a_write_blocked_on_the_events_lock_fails_after_one_lock_timeout(app: IntakeApplication) -> None:
    assert isinstance(app.recorder, BoundedLockApplicationRecorder), type(app.recorder)
    app.save(case())  # the table exists
    with psycopg.connect(get_settings(Service.INTAKE).pg_conninfo()) as holder:
        holder.execute("LOCK TABLE intake.intake_events IN EXCLUSIVE MODE")
        started = time.monotonic()
        with pytest.raises(OperationalError):
            app.save(case())
        waited = time.monotonic() - started
        holder.rollback()
    # One lock timeout (1 s), not the library's ten attempts (10 s and more).
    assert 0.8 <= waited < 3.0, waited
    app.save(case())  # and writes succeed again once the lock is gone
