"""The checker is not vacuous: damage done by hand to the stores is reported, then repaired.

Damage: a stored request result deleted, a processed event forgotten, a summary counted
twice, and a record that should be parked but is not.

Runs last in the session (the stores are full by then); the damage is undone at once.
"""

from __future__ import annotations

import pytest

from shared.service import Service
from tests.faults.checker import Checker
from tests.faults.conftest import note
from tests.faults.load import Ledger, Sent
from tests.stack import Stack

pytestmark = [pytest.mark.faults]


def test_the_checker_reports_lost_commands_unkeyed_events_a_skipped_event_a_double_count_and_a_dead_letter(
    live_stack: Stack,
    checker: Checker,
    ledger: Ledger,
    cases: list[str],
) -> None:
    stack = live_stack
    commands = ledger.all()
    assert checker.check(commands, "before").ok
    acknowledged = {c.key for c in commands if c.acknowledged and c.service is Service.INTAKE}
    with stack.pg(Service.INTAKE) as keys, stack.pg(Service.KOBIZ) as conn:
        # A request's stored result removed: its command counts as lost, and its events as
        # stored without a result (what a second run of a command would look like).
        columns = "caller, operation, key, fingerprint, case_id, first_version, version, notification_id, published, "
        columns += "created_at, expires_at"
        result = next(
            r
            for r in keys.execute(f"SELECT {columns} FROM idempotency_keys ORDER BY created_at").fetchall()
            if r[2] in acknowledged
        )
        events = result[6] - result[5] + 1  # version - first_version + 1
        source, sequence = conn.execute(
            "SELECT source, sequence FROM processed_events ORDER BY sequence DESC LIMIT 1"
        ).fetchone()  # type: ignore[misc]
        case_id, count = conn.execute("SELECT case_id, event_count FROM case_summary LIMIT 1").fetchone()  # type: ignore[misc]
        fake = Sent(Service.INTAKE, "receive_referral", "/", {}, "never-sent", cases[0], acknowledged=True, version=1)
        fake.token = f"{Service.INTAKE.value}:999999999"  # a position that holds nothing
        try:
            keys.execute("DELETE FROM idempotency_keys WHERE caller = %s AND operation = %s AND key = %s", result[:3])
            conn.execute("DELETE FROM processed_events WHERE source = %s AND sequence = %s", (source, sequence))
            conn.execute("UPDATE case_summary SET event_count = event_count + 1 WHERE case_id = %s", (case_id,))
            checker.injected.add((stack.topic(Service.KOBIZ), 0, 10**9))
            damaged = checker.check([*commands, fake], "damaged on purpose")
        finally:
            keys.execute(f"INSERT INTO idempotency_keys ({columns}) VALUES ({', '.join(['%s'] * 11)})", result)
            checker.injected.discard((stack.topic(Service.KOBIZ), 0, 10**9))
            conn.execute(
                "INSERT INTO processed_events (source, sequence) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (source, sequence),
            )
            conn.execute("UPDATE case_summary SET event_count = %s WHERE case_id = %s", (count, case_id))
    note(damaged.line())
    assert damaged.lost == 2, damaged.details()
    assert damaged.duplicate_commands == events, damaged.details()
    assert damaged.projection_skipped == 1, damaged.details()
    assert damaged.duplicate_effects == 1, damaged.details()
    assert damaged.dead_letters_missing == 3, damaged.details()
    assert checker.check(commands, "repaired").ok
