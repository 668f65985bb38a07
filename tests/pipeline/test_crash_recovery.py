"""Crashes and outages on the real stack: nothing lost, nothing doubled.

Each test kills or stops something for real — a SIGKILL at a named fault point, a
SIGKILL at a random moment, a broker stop, a rolled-back append — and then asserts
outcomes: what the Kafka topics, the event stores and the three projections hold.
Every case gets a consent naming all three departments for all categories, so every
projection may hold every event of it and the three histories must end up identical.

Each test leaves all nine processes and Kafka running for the rest of the session.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import date
from functools import partial
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from services import processes
from services.intake.application import IntakeApplication
from services.runner import ProcessKind
from shared.events.base import event_id
from shared.service import Service
from shared.settings import get_settings
from tests.conftest import person
from tests.pipeline.helpers import (
    EVENT_TABLES,
    ce_id_counts,
    clarify_identity,
    end_offsets,
    event_keys,
    expected_pairs,
    grant_consent,
    issue_toleration,
    max_notification_id,
    open_case,
    post,
    processed_count,
    published,
    record_counselling,
    relay_position,
    stored_offsets,
    timeline_counts,
    wait_projection_complete,
    wait_reached,
)
from tests.stack import Stack, eventually

pytestmark = [pytest.mark.pipeline, pytest.mark.crash]

RECOVERY_S = 90.0
"""Generous: a consumer-group rejoin or a broker restart on a loaded 2-core machine."""


def restart_normally(stack: Stack, service: Service, kind: ProcessKind) -> None:
    """Whatever state the process is in (faulty, dead, running), leave it running without faults."""
    stack.stop(service, kind)
    stack.start(service, kind)


def open_shared_case(stack: Stack) -> tuple[str, list[str]]:
    """Register, open and consent to sharing with all departments; return (case id, tokens)."""
    case_id, opened = open_case(stack)
    return case_id, [opened, grant_consent(stack, case_id)]


def cases_known_everywhere(stack: Stack, n: int) -> list[tuple[str, list[str]]]:
    cases = [open_shared_case(stack) for _ in range(n)]
    for case_id, tokens in cases:
        for service in Service:
            wait_reached(stack, service, case_id, tokens)
    return cases


def pair(token: str) -> tuple[str, int]:
    service, _, number = token.partition(":")
    return service, int(number)


def log_tails(stack: Stack, lines: int = 15) -> str:
    """The last lines of every relay's and projector's log, for a failure message."""
    parts = []
    for service in Service:
        for kind in (ProcessKind.RELAY, ProcessKind.PROJECTOR):
            path = processes.log_file(stack.run_dir, stack.spec(service, kind))
            text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
            parts.append(f"--- {path}\n" + "\n".join(text))
    return "\n".join(parts)


class LogWatch:
    """What a process wrote to its log since the watch began."""

    def __init__(self, stack: Stack, service: Service, kind: ProcessKind) -> None:
        self.path = processes.log_file(stack.run_dir, stack.spec(service, kind))
        self.start = self.path.stat().st_size if self.path.exists() else 0

    def new(self) -> str:
        with self.path.open("rb") as f:
            f.seek(self.start)
            return f.read().decode(errors="replace")

    def wait_started(self, timeout: float) -> None:
        """Until the process has come up: only then may its absence mean that it died."""
        eventually(lambda: " started" in self.new(), timeout, 0.05, what=f"{self.path.name}: started")

    def assert_killed(self) -> None:
        """It came up and then vanished without a clean stop or a traceback: SIGKILL."""
        text = self.new()
        assert " started" in text and " stopped" not in text and "Traceback" not in text, text


def latest_per_source(tokens: list[str]) -> list[str]:
    """The newest token of each source: a case's events of one source share a partition,
    so a projection that consumed the newest has consumed all before it."""
    newest: dict[str, int] = {}
    for token in tokens:
        source, number = pair(token)
        newest[source] = max(newest.get(source, 0), number)
    return [f"{source}:{number}" for source, number in newest.items()]


def assert_exactly_once_everywhere(
    stack: Stack, cases: dict[str, list[str]], timeout: float = RECOVERY_S
) -> dict[str, dict[Service, dict[str, Any]]]:
    """For each case: every projection consumed its tokens and shows every published event of
    the case exactly once, all three projections in the same order. Returns the histories."""
    deadline = time.monotonic() + timeout
    for case_id, tokens in cases.items():
        for service in Service:
            try:
                wait_reached(stack, service, case_id, latest_per_source(tokens), max(1.0, deadline - time.monotonic()))
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{log_tails(stack)}") from None

    def settled() -> dict[str, dict[Service, dict[str, Any]]] | None:
        records = published(stack)
        result = {}
        for case_id in cases:
            histories = {s: stack.history(s, case_id) for s in Service}
            for service, history in histories.items():
                shown = {(e["source"], e["sequence"]) for e in history["timeline"]}
                if shown != expected_pairs(records, service, case_id):
                    return None
            result[case_id] = histories
        return result

    # Reached means consumed; an event that waited for the consent may land a moment later.
    everything = eventually(
        settled,
        max(1.0, deadline - time.monotonic()),
        0.5,
        what="every projection shows every published event of the cases",
    )
    for case_id, histories in everything.items():
        for service, history in histories.items():
            pairs = [(e["source"], e["sequence"]) for e in history["timeline"]]
            assert len(pairs) == len(set(pairs)), f"{service} shows an event of {case_id} twice: {pairs}"
            assert {pair(t) for t in cases[case_id]} <= set(pairs), f"{service} lost a command's event"
            counts = timeline_counts(stack, service, case_id)
            n = len(pairs)
            assert counts == {"rows": n, "pairs": n, "ids": n, "summary": n}, (service, case_id, counts)
        reference = event_keys(histories[Service.INTAKE])
        for service in Service:
            assert event_keys(histories[service]) == reference, (service, case_id)
    return everything


# --- 1. relay: SIGKILL after the broker's acknowledgement, before the position is saved ---


def test_relay_killed_after_broker_ack_republishes_and_every_projection_shows_each_event_once(
    live_stack: Stack,
) -> None:
    stack = live_stack
    try:
        stack.stop(Service.INTAKE, ProcessKind.RELAY)
        position_before = relay_position(stack, Service.INTAKE)
        watch = LogWatch(stack, Service.INTAKE, ProcessKind.RELAY)
        stack.start(Service.INTAKE, ProcessKind.RELAY, extra_env={"KIM_FAULTS": "relay.after_ack"})
        case_id, tokens = open_shared_case(stack)
        stack.wait_dead(Service.INTAKE, ProcessKind.RELAY)
        watch.assert_killed()

        # The broker holds the acknowledged batch, but the position did not move.
        assert relay_position(stack, Service.INTAKE) == position_before
        acked = sum(ce_id_counts(published(stack, (Service.INTAKE,)), case_id).values())
        assert acked >= 1, "the crashed relay published nothing"

        # Stored while no relay runs; published after the restart.
        tokens.append(grant_consent(stack, case_id))
        stack.start(Service.INTAKE, ProcessKind.RELAY)
        histories = assert_exactly_once_everywhere(stack, {case_id: tokens})[case_id]
    finally:
        restart_normally(stack, Service.INTAKE, ProcessKind.RELAY)

    # At least once on Kafka: the acknowledged batch went out again, with the same ids ...
    counts = ce_id_counts(published(stack, (Service.INTAKE,)), case_id)
    duplicates = sum(n - 1 for n in counts.values())
    print(
        f"\nrelay crash: {acked} records acknowledged before the SIGKILL, "
        f"{duplicates} duplicate records on the topic ({sum(counts.values())} for {len(counts)} events)"
    )
    assert duplicates > 0, counts
    with stack.pg(Service.INTAKE) as conn:
        versions = [
            r[0]
            for r in conn.execute(
                f"SELECT originator_version FROM {EVENT_TABLES[Service.INTAKE]} WHERE originator_id = %s",  # noqa: S608
                (case_id,),
            ).fetchall()
        ]
    assert set(counts) <= {str(event_id(Service.INTAKE, UUID(case_id), v)) for v in versions}
    # ... and exactly once in every projection, under the same ids.
    for service in Service:
        shown = [e["event_id"] for e in histories[service]["timeline"] if e["source"] == "intake"]
        assert sorted(shown) == sorted(counts), service
    eventually(
        lambda: relay_position(stack, Service.INTAKE) == max_notification_id(stack, Service.INTAKE),
        30,
        0.1,
        what="intake relay position at the newest notification",
    )


# --- 2. projector: SIGKILL after writing a batch, before COMMIT; and at a random moment ---


def test_projector_killed_before_commit_keeps_nothing_of_the_batch_and_recovers_exactly_once(
    live_stack: Stack,
) -> None:
    stack = live_stack
    batch_size = 5
    cases = cases_known_everywhere(stack, 4)
    tokens = {case_id: list(t) for case_id, t in cases}
    try:
        stack.stop(Service.KOBIZ, ProcessKind.PROJECTOR)
        offsets_before = stored_offsets(stack, Service.KOBIZ)
        processed_before = processed_count(stack, Service.KOBIZ)
        # A backlog on all three topics while kobiz's projector is down.
        for case_id in tokens:
            tokens[case_id] += [
                grant_consent(stack, case_id),
                issue_toleration(stack, case_id),
                clarify_identity(stack, case_id),
                record_counselling(stack, case_id, "Notiz"),
            ]
        for case_id, case_tokens in tokens.items():  # the backlog is on Kafka
            wait_reached(stack, Service.INTAKE, case_id, case_tokens)
        backlog = sum(end - offsets_before.get(tp, 0) for tp, end in end_offsets(stack).items())
        assert backlog > 2 * batch_size, backlog

        watch = LogWatch(stack, Service.KOBIZ, ProcessKind.PROJECTOR)
        stack.start(
            Service.KOBIZ,
            ProcessKind.PROJECTOR,
            extra_env={"KIM_FAULTS": "projector.before_commit", "KIM_KOBIZ_PROJECTOR_BATCH_SIZE": str(batch_size)},
        )
        watch.wait_started(RECOVERY_S)
        stack.wait_dead(Service.KOBIZ, ProcessKind.PROJECTOR, RECOVERY_S)
        watch.assert_killed()
        # Killed after writing a batch's view rows and offsets, before COMMIT: none of it stays.
        assert stored_offsets(stack, Service.KOBIZ) == offsets_before
        assert processed_count(stack, Service.KOBIZ) == processed_before

        stack.start(Service.KOBIZ, ProcessKind.PROJECTOR)
        assert_exactly_once_everywhere(stack, tokens)
        distinct = wait_projection_complete(stack, Service.KOBIZ, RECOVERY_S)
        print(
            f"\nprojector crash before commit: backlog of {backlog} records (batches of {batch_size}); "
            f"kobiz then held each of the {distinct} distinct published events once"
        )
    finally:
        restart_normally(stack, Service.KOBIZ, ProcessKind.PROJECTOR)


def test_projector_sigkilled_at_a_random_moment_of_a_burst_loses_and_doubles_nothing(live_stack: Stack) -> None:
    stack = live_stack
    ((known, known_tokens),) = cases_known_everywhere(stack, 1)
    kill_after = random.randint(2, 8)  # noqa: S311 - a test's random moment
    burst: list[tuple[str, list[str]]] = []
    counselling: list[str] = []
    errors: list[BaseException] = []

    def commands() -> None:
        try:
            for _ in range(10):
                burst.append(open_shared_case(stack))
                counselling.append(record_counselling(stack, known, "Notiz"))
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)

    worker = threading.Thread(target=commands, name="burst")
    worker.start()
    try:
        # Kill once the projector has committed part of the burst, while commands keep coming.
        eventually(lambda: len(burst) >= kill_after, RECOVERY_S, 0.01, what="burst under way")
        case_id, case_tokens = burst[kill_after - 2]
        eventually(
            lambda: stack.history(Service.KOBIZ, case_id, after=case_tokens[-1], wait=5),
            RECOVERY_S,
            0.05,
            what="kobiz consumed part of the burst",
        )
        stack.kill(Service.KOBIZ, ProcessKind.PROJECTOR)
        killed_at = processed_count(stack, Service.KOBIZ)
        commands_at_kill = len(burst)
        stack.start(Service.KOBIZ, ProcessKind.PROJECTOR)
        worker.join(RECOVERY_S)
        assert not worker.is_alive() and not errors, errors
        assert len(burst) == 10

        assert_exactly_once_everywhere(stack, {**dict(burst), known: known_tokens + counselling})
        distinct = wait_projection_complete(stack, Service.KOBIZ, RECOVERY_S)
        print(
            f"\nrandom SIGKILL while case {commands_at_kill} of 10 was being opened: kobiz had processed "
            f"{killed_at} events, {distinct} after recovery, none twice"
        )
    finally:
        worker.join(RECOVERY_S)
        restart_normally(stack, Service.KOBIZ, ProcessKind.PROJECTOR)


# --- 4. a rolled-back append leaves a notification-id gap --------------------------


def test_a_rolled_back_append_leaves_a_gap_that_the_relay_steps_over_at_once(live_stack: Stack) -> None:
    stack = live_stack
    registered = post(stack, Service.INTAKE, "/intake/cases", person(), 201)
    case_id = registered["case_id"]
    wait_reached(stack, Service.INTAKE, case_id, [registered["position"]["token"]])

    # Two writers load the same version; the second append conflicts and rolls back
    # after PostgreSQL handed it a notification id.
    app = IntakeApplication(env=get_settings(Service.INTAKE).eventsourcing_env())
    try:
        first = app.get_case(UUID(case_id))
        second = app.get_case(UUID(case_id))
        first.open(opened_on=date(2026, 1, 6), case_manager_id="st-cmfirst")
        opened_id = app.save(first)[-1].notification.id
        second.open(opened_on=date(2026, 1, 7), case_manager_id="st-cmsecond")
        with pytest.raises(IntegrityError):
            app.save(second)
    finally:
        app.close()

    started = time.monotonic()
    token = grant_consent(stack, case_id)
    consent_id = int(token.split(":")[1])
    with stack.pg(Service.INTAKE) as conn:
        newer = [
            r[0]
            for r in conn.execute(
                f"SELECT notification_id FROM {EVENT_TABLES[Service.INTAKE]} "  # noqa: S608
                "WHERE notification_id > %s ORDER BY notification_id",
                (opened_id,),
            ).fetchall()
        ]
    assert newer == [consent_id]
    assert consent_id > opened_id + 1, "the rolled-back append left no gap"

    # The relay steps over the hole at once: the next event reaches every projection
    # within the ordinary read-your-write wait, not after some recovery deadline.
    histories = assert_exactly_once_everywhere(stack, {case_id: [f"intake:{opened_id}", token]}, timeout=15)[case_id]
    elapsed = time.monotonic() - started
    gap = set(range(opened_id + 1, consent_id))
    for service, history in histories.items():
        assert not {e["sequence"] for e in history["timeline"] if e["source"] == "intake"} & gap, service
    eventually(
        lambda: relay_position(stack, Service.INTAKE) == consent_id, 10, 0.1, what="intake relay position past the gap"
    )
    print(
        f"\ngap: notification id(s) {sorted(gap)} never committed; intake:{consent_id} in all "
        f"projections {elapsed:.1f}s after the command"
    )


# --- 3. Kafka down while commands keep arriving ------------------------------------


def test_commands_succeed_while_kafka_is_down_and_every_event_arrives_after_it_returns(live_stack: Stack) -> None:
    stack = live_stack
    ((case_id, tokens),) = cases_known_everywhere(stack, 1)
    kafka_stopped = False
    try:
        stack.kafka("stop")
        kafka_stopped = True
        # Every command answers while the broker is down: the events wait in PostgreSQL.
        tokens += [
            grant_consent(stack, case_id),
            issue_toleration(stack, case_id),
            clarify_identity(stack, case_id),
            issue_toleration(stack, case_id, valid_from="2026-06-01"),
            record_counselling(stack, case_id, "Notiz"),
        ]
        new_case, new_tokens = open_shared_case(stack)
        for service in Service:
            assert relay_position(stack, service) < max_notification_id(stack, service), service
        stack.kafka("start")
        kafka_stopped = False
        back = time.monotonic()

        assert_exactly_once_everywhere(stack, {case_id: tokens, new_case: new_tokens})
        for service in Service:
            eventually(
                partial(relay_caught_up, stack, service),
                RECOVERY_S,
                0.2,
                what=f"{service} relay caught up",
            )
        print(
            f"\nkafka outage: {len(tokens) - 2 + len(new_tokens)} commands accepted while down; "
            f"all projections complete {time.monotonic() - back:.1f}s after the broker was back"
        )
    finally:
        if kafka_stopped:
            stack.kafka("start")


def relay_caught_up(stack: Stack, service: Service) -> bool:
    """The relay's position is the store's last notification id."""
    return relay_position(stack, service) == max_notification_id(stack, service)
