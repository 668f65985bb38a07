"""The behaviour suites on the in-memory store."""

from __future__ import annotations

import pytest

from shared.projection.case_history_store import CaseHistoryStore
from shared.projection.memory import InMemoryCaseHistoryStore
from shared.service import Service
from tests.support.dead_letter_suite import DeadLetterSuite
from tests.support.projection_suite import CaseHistoryStoreSuite


class TestInMemoryStore(CaseHistoryStoreSuite):
    @pytest.fixture
    def store(self) -> CaseHistoryStore:
        return InMemoryCaseHistoryStore(Service.KOBIZ)


class TestInMemoryDeadLetters(DeadLetterSuite):
    @pytest.fixture
    def store(self) -> CaseHistoryStore:
        return InMemoryCaseHistoryStore(Service.KOBIZ)
