"""The checker is not vacuous: damage done by hand to the stores is reported, then repaired.

Runs last in the session (the stores are full by then); the damage is undone at once.
"""

from __future__ import annotations

import pytest

from shared.settings import Service
from tests.faults.checker import Checker
from tests.faults.conftest import note
from tests.faults.load import Ledger, Sent
from tests.stack import Stack

pytestmark = [pytest.mark.faults]


def test_the_checker_reports_a_lost_command_a_skipped_event_a_double_count_and_a_missing_dead_letter(
    live_stack: Stack,
    checker: Checker,
    ledger: Ledger,
    cases: list[str],
) -> None:
    stack = live_stack
    commands = ledger.all()
    assert checker.check(commands, "before").ok
    with stack.pg(Service.KOBIZ) as conn:
        source, sequence = conn.execute(
            "SELECT source, sequence FROM processed_events ORDER BY sequence DESC LIMIT 1"
        ).fetchone()  # type: ignore[misc]
        case_id, count = conn.execute("SELECT case_id, event_count FROM case_summary LIMIT 1").fetchone()  # type: ignore[misc]
        fake = Sent(Service.INTAKE, "receive_referral", "/", {}, "never-sent", cases[0], acknowledged=True, version=1)
        fake.token = f"{Service.INTAKE.value}:999999999"  # a position that holds nothing
        try:
            conn.execute("DELETE FROM processed_events WHERE source = %s AND sequence = %s", (source, sequence))
            conn.execute("UPDATE case_summary SET event_count = event_count + 1 WHERE case_id = %s", (case_id,))
            checker.injected.add((stack.topic(Service.KOBIZ), 0, 10**9))
            damaged = checker.check([*commands, fake], "damaged on purpose")
        finally:
            checker.injected.discard((stack.topic(Service.KOBIZ), 0, 10**9))
            conn.execute(
                "INSERT INTO processed_events (source, sequence) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (source, sequence),
            )
            conn.execute("UPDATE case_summary SET event_count = %s WHERE case_id = %s", (count, case_id))
    note(damaged.line())
    assert damaged.lost == 1, damaged.details()
    assert damaged.projection_skipped == 1, damaged.details()
    assert damaged.duplicate_effects == 1, damaged.details()
    assert damaged.dead_letters_missing == 3, damaged.details()
    assert checker.check(commands, "repaired").ok
