"""The behaviour suite on the in-memory store."""

from __future__ import annotations

import pytest

from shared.projection.store import CaseHistoryStore, InMemoryCaseHistoryStore
from shared.settings import Service
from tests.unit.projection_suite import CaseHistoryStoreSuite


class TestInMemoryStore(CaseHistoryStoreSuite):
    @pytest.fixture
    def store(self) -> CaseHistoryStore:
        return InMemoryCaseHistoryStore(Service.KOBIZ)
