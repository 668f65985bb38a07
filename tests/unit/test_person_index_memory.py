"""The person index's behaviour suite in memory (tests/support/person_index_suite.py)."""

from __future__ import annotations

from uuid import UUID

import pytest

from services.bootstrap import build_container
from services.intake.application import IntakeApplication
from shared.service import Service
from shared.settings import get_settings
from tests.support.person_index_suite import PersonIndexSuite


class TestMemoryPersonIndex(PersonIndexSuite):
    @pytest.fixture
    def app(self) -> IntakeApplication:
        app = build_container(Service.INTAKE, get_settings(Service.INTAKE), in_memory=True).app
        assert isinstance(app, IntakeApplication)
        return app

    def unfilled(self, app: IntakeApplication) -> list[UUID]:
        index = app.person_index
        assert index is not None
        stored = app.recorder.select_notifications(start=1, limit=100_000)
        created = [UUID(str(n.originator_id)) for n in stored if n.originator_version == 1]
        return [case_id for case_id in created if index.entry(case_id) is None]
