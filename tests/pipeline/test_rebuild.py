"""A projection rebuilt from Kafka with one command equals the live one, without downtime."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shared.service import Service
from shared.settings import REPO_ROOT
from tests.pipeline.helpers import event_keys, issue_toleration, open_case, record_counselling, wait_known
from tests.stack import Stack

pytestmark = pytest.mark.pipeline


def test_rebuild_replaces_the_view_and_the_live_projector_carries_on(live_stack: Stack) -> None:
    stack = live_stack
    cases = []
    for _ in range(3):
        case_id, opened = open_case(stack)
        wait_known(stack, Service.FOREIGN_OFFICE, case_id, opened)
        issue_toleration(stack, case_id)
        cases.append((case_id, record_counselling(stack, case_id, "Notiz")))
    before = {c: event_keys(wait_known(stack, Service.FOREIGN_OFFICE, c, token)) for c, token in cases}
    with stack.pg(Service.FOREIGN_OFFICE) as conn:
        rows_before = conn.execute("SELECT count(*) FROM case_timeline").fetchone()

    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "rebuild", "foreign_office"],
        env=stack.env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Projektion neu aufbauen" in result.stdout

    with stack.pg(Service.FOREIGN_OFFICE) as conn:
        rows_after = conn.execute("SELECT count(*) FROM case_timeline").fetchone()
        leftovers = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'rebuild\\_%'").fetchone()
    assert rows_after == rows_before
    assert leftovers == (0,)
    for case_id, _ in cases:
        assert event_keys(stack.history(Service.FOREIGN_OFFICE, case_id)) == before[case_id]

    # The live projector resumes from the rebuilt offsets: new events still arrive, once.
    case_id, _ = cases[0]
    token = record_counselling(stack, case_id, "Notiz 2")
    after = event_keys(wait_known(stack, Service.FOREIGN_OFFICE, case_id, token))
    assert after[: len(before[case_id])] == before[case_id]
    assert len(after) == len(before[case_id]) + 1
