"""Poison messages on a service topic: parked, logged, not blocking, and replayable by an operator.

Records are produced straight to a service topic with kafka-python, keyed by a real
case id so that they share a partition with that case's later valid events:
malformed bytes, an unknown type, an unknown version, and a valid CloudEvent with
an invalid body. Then an operator replays dead letters with
``kim dead-letters replay``: a mangled copy of a real event whose stored value the
operator corrected is applied; an unknown type stays parked with its reason.

These records are why the suite is a pytest session of its own (README.md).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast
from uuid import UUID, uuid4

import httpx
import pytest
from kafka import KafkaProducer

from services import processes
from services.bootstrap import application_class
from services.runner import ProcessKind
from shared.bus.wire import encode
from shared.service import Service
from shared.settings import REPO_ROOT, get_settings
from tests.faults import chaos
from tests.faults.checker import Checker, Report
from tests.faults.conftest import note, rounds_of
from tests.faults.load import Ledger, Load, Sent, send
from tests.pipeline.helpers import file_of
from tests.samples import SAMPLES
from tests.stack import Stack, eventually

pytestmark = [pytest.mark.faults, pytest.mark.timeout(240 + 30 * rounds_of("poison"))]

VALID_COMMAND = {
    Service.INTAKE: ("hold_case_conference", "case-conferences"),
    Service.FOREIGN_OFFICE: ("issue_tolerated_stay", "tolerated-stays"),
    Service.KOBIZ: ("hold_counselling", "counselling-sessions"),
}
"""A command per service whose event every department may hold for a case with full consent."""
INVALID_BODY = {
    Service.INTAKE: ("de.nrw.kim.intake.ReferralReceived.v1", {"received_on": "not-a-date", "source": "self"}),
    Service.FOREIGN_OFFICE: ("de.nrw.kim.foreign-office.IdentityClarified.v1", {"clarified_on": "yesterday"}),
    Service.KOBIZ: ("de.nrw.kim.kobiz.CivicTestPassed.v1", {"test": "no_such_test", "passed_on": "2026-01-14"}),
}


def ce_headers(service: Service, case_id: str, wire_type: str) -> list[tuple[str, bytes]]:
    """CloudEvents binary-mode headers as a foreign producer would write them."""
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", str(uuid4()).encode()),
        ("ce_source", f"/kim/{service.slug}".encode()),
        ("ce_type", wire_type.encode()),
        ("ce_subject", case_id.encode()),
        ("ce_time", datetime.now(UTC).isoformat().encode()),
        ("content-type", b"application/json"),
        ("ce_sequence", b"999999999"),
    ]


def poison_records(service: Service, case_id: str, subject: str) -> dict[str, tuple[list[tuple[str, bytes]], bytes]]:
    """kind -> (headers, value); ``subject`` is the case (intake) or the department's file on it."""
    prefix = f"de.nrw.kim.{service.slug}."
    wire_type, body = INVALID_BODY[service]
    return {
        "malformed": ([("ce_type", b"\xff\xfe"), ("junk", b"\x00")], b"\x00\xff{ not json"),
        "unknown type": (
            ce_headers(service, subject, prefix + "NoSuchThingHappened.v1"),
            json.dumps({"case_id": case_id}).encode(),
        ),
        "unknown version": (
            ce_headers(service, subject, prefix + VALID_EVENT_NAME[service] + ".v99"),
            json.dumps({"case_id": case_id}).encode(),
        ),
        "invalid body": (ce_headers(service, subject, wire_type), json.dumps({"case_id": case_id, **body}).encode()),
    }


VALID_EVENT_NAME = {
    Service.INTAKE: "CaseConferenceHeld",
    Service.FOREIGN_OFFICE: "ToleratedStayIssued",
    Service.KOBIZ: "PerspectiveCounsellingHeld",
}


class Poisoner:
    """Produces records straight to the service topics and tells the checker about them."""

    def __init__(self, stack: Stack, checker: Checker) -> None:
        self.stack = stack
        self.checker = checker
        self.producer = KafkaProducer(
            bootstrap_servers=stack.infra_settings.kafka_bootstrap,
            acks="all",
            client_id="kim-fault-poisoner",
            # The test-only principal (no service may write another's topic, deploy/README.md).
            **stack.infra_settings.kafka_test_admin().client_config(),
        )

    def produce(
        self, service: Service, key: str, headers: list[tuple[str, bytes]], value: bytes
    ) -> tuple[str, int, int]:
        meta = self.producer.send(self.stack.topic(service), key=key.encode(), value=value, headers=headers).get(30)
        position = (meta.topic, meta.partition, meta.offset)
        self.checker.injected.add(position)
        return position

    def close(self) -> None:
        self.producer.close()


def command(stack: Stack, ledger: Ledger, service: Service, case_id: str) -> Sent:
    """Issue a valid command through the API (acknowledged, with its position)."""
    name, path = VALID_COMMAND[service]
    if service is Service.INTAKE:
        url, subject = f"/intake/cases/{case_id}/{path}", case_id
    else:  # the department's own file on the person
        subject = file_of(stack, service, case_id)
        url = f"/{service.slug}/files/{subject}/{path}"
    sent = Sent(service, name, url, SAMPLES[name], f"poison-{uuid4().hex}", subject)
    ledger.add(sent)
    with httpx.Client(base_url=stack.url(service), timeout=30) as client:
        send(client, sent, threading.Event())
    assert sent.acknowledged and sent.token, sent
    return sent


def dead_letters(stack: Stack, service: Service) -> dict[tuple[str, int, int], dict[str, Any]]:
    """What the service's API shows an operator."""
    response = httpx.get(
        f"{stack.url(service)}/{service.slug}/projection/dead-letters", params={"limit": 500}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {(d["topic"], d["partition"], d["offset"]): d for d in response.json()}


def projector_log(stack: Stack, service: Service) -> str:
    return processes.log_file(stack.run_dir, stack.spec(service, ProcessKind.PROJECTOR)).read_text(errors="replace")


def kafka_position(stack: Stack, holder: Service, token: str) -> tuple[int, int]:
    """Where a consumed event sat on Kafka, from a projection that holds it."""
    source, _, number = token.partition(":")
    with stack.pg(holder) as conn:
        row = conn.execute(
            "SELECT kafka_partition, kafka_offset FROM case_timeline WHERE source = %s AND sequence = %s",
            (source, int(number)),
        ).fetchone()
    assert row is not None, f"{holder.value} does not hold {token}"
    return row[0], row[1]


def replay(stack: Stack, service: Service, *ids: int) -> subprocess.CompletedProcess[str]:
    """``kim dead-letters replay <service> --id ...`` as an operator runs it."""
    argv = [sys.executable, "-m", "services.cli", "dead-letters", "replay", service.value]
    for i in ids:
        argv += ["--id", str(i)]
    return subprocess.run(
        argv,
        env={**stack.env, "COLUMNS": "200"},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_poison_is_parked_logged_and_does_not_block_its_partition_and_an_operator_can_replay_it(
    live_stack: Stack,
    make_load: Callable[..., Load],
    verify: Callable[..., Report],
    checker: Checker,
    ledger: Ledger,
    cases: list[str],
    seed: int,
) -> None:
    rounds = rounds_of("poison")
    stack = live_stack
    rng = random.Random(f"{seed}-poison")  # noqa: S311
    poisoner = Poisoner(stack, checker)
    parked: dict[str, int] = {}
    unknown_type: tuple[str, int, int] | None = None
    try:
        with make_load() as load:
            # --- 1. poison does not block: later valid events of the same case (same partition) arrive ---
            for _ in range(rounds):
                service, case_id = rng.choice(list(Service)), rng.choice(cases)
                subject = case_id if service is Service.INTAKE else file_of(stack, service, case_id)
                produced = {
                    kind: poisoner.produce(service, subject, headers, value)
                    for kind, (headers, value) in poison_records(service, case_id, subject).items()
                }
                unknown_type = produced["unknown type"]
                later = command(stack, ledger, service, case_id)
                for viewer in Service:  # every projector consumed the later event ...
                    eventually(
                        partial(stack.history, viewer, case_id, later.token, 5),
                        chaos.RECOVERY_S,
                        0.2,
                        what=f"{viewer.value} consumed {later.token} behind the poison",
                    )
                assert later.token is not None
                partition, offset = kafka_position(stack, service, later.token)
                assert {p for _, p, _ in produced.values()} == {partition}, "poison not on the case's partition"
                assert all(o < offset for _, _, o in produced.values())
                for viewer in Service:  # ... parked every poison record, visible to an operator, and logged it
                    shown = eventually(
                        partial(_shows_all, stack, viewer, list(produced.values())),
                        30,
                        0.2,
                        what=f"{viewer.value} shows the dead letters",
                    )
                    log = projector_log(stack, viewer)
                    for kind, (topic, p, o) in produced.items():
                        assert f"parked record {topic}/{p}@{o} as dead letter" in log, (viewer, kind)
                        assert shown[(topic, p, o)]["replayed_at"] is None
                    reasons = {kind: shown[pos]["reason"] for kind, pos in produced.items()}
                    assert "not a CloudEvent" in reasons["malformed"], reasons
                    assert "unknown event type or version" in reasons["unknown type"], reasons
                    assert "unknown event type or version" in reasons["unknown version"], reasons
                    assert reasons["invalid body"].startswith("invalid "), reasons
                for kind in produced:
                    parked[kind] = parked.get(kind, 0) + 1

            # --- 2. replay: a mangled copy of a real event, corrected by the operator, is applied ------------
            service, case_id = rng.choice(list(Service)), rng.choice(cases)
            stack.stop(service, ProcessKind.RELAY)  # so that the real event is not consumed first
            try:
                sent = command(stack, ledger, service, case_id)
                genuine = genuine_message(service, sent.token)
                mangled = json.loads(genuine.value)
                mangled["case_id"] = "not-a-uuid"
                copy = poisoner.produce(service, genuine.key.decode(), genuine.headers, json.dumps(mangled).encode())
                outcomes = []
                for viewer in Service:
                    eventually(
                        partial(_shows, stack, viewer, copy),
                        chaos.RECOVERY_S,
                        0.2,
                        what=f"{viewer.value} parked the mangled copy",
                    )
                    assert "invalid" in dead_letters(stack, viewer)[copy]["reason"]
                    assert unknown_type is not None
                    fixed_id = fix_stored_value(stack, viewer, copy, genuine.value)
                    invalid_id = dead_letter_id(stack, viewer, unknown_type)
                    result = replay(stack, viewer, fixed_id, invalid_id)
                    # One stays parked, so the command says so with its exit code.
                    assert result.returncode == 1, result.stdout + result.stderr
                    assert f"dead letter {fixed_id}: applied {sent.token}" in result.stdout, result.stdout
                    assert f"dead letter {invalid_id}: still_invalid" in result.stdout, result.stdout
                    rows = dead_letter_rows(stack, viewer)
                    assert rows[fixed_id][0] is not None and rows[invalid_id][0] is None, rows
                    assert "unknown event type or version" in rows[invalid_id][1]
                    history = stack.history(viewer, case_id, after=sent.token, wait=5)
                    assert [e for e in history["timeline"] if f"{e['source']}:{e['sequence']}" == sent.token]
                    outcomes.append(f"{viewer.value}: {result.stdout.strip().splitlines()[0]}")
            finally:
                chaos.start(stack, service, ProcessKind.RELAY)  # the real event follows: a duplicate, absorbed
            load.wait_acknowledged(5)
        report = verify(load)
    finally:
        poisoner.close()
    note(
        f"[faults] poison: records parked and logged by each of the 3 projectors, none blocking: {parked}; "
        f"replayed {sent.token} from its corrected dead letter ({'; '.join(outcomes)}); "
        f"the unknown type stayed parked; Kafka duplicates so far {report.kafka_duplicates}"
    )


def _shows_all(stack: Stack, viewer: Service, positions: list[Any]) -> dict[tuple[str, int, int], Any] | None:
    """The dead letters ``viewer`` shows, once it shows every one of ``positions``."""
    shown = dead_letters(stack, viewer)
    return shown if all(p in shown for p in positions) else None


def _shows(stack: Stack, viewer: Service, position: Any) -> bool:
    return position in dead_letters(stack, viewer)


def genuine_message(service: Service, token: str | None) -> Any:
    """The CloudEvent the relay publishes for a stored event (read from the event store)."""
    assert token is not None
    number = int(token.partition(":")[2])
    app = application_class(service)(env=get_settings(service).eventsourcing_env())
    try:
        (notification,) = app.recorder.select_notifications(start=number, limit=1)
        assert notification.id == number
        domain_event = app.mapper.to_domain_event(notification)
        link = app.link_of(UUID(str(notification.originator_id)))
        assert link is not None, "the token names an event of a case"
        integration = app.translate(domain_event, link.case_id)
        assert integration is not None, "the token names a published event"
        return encode(
            integration,
            aggregate_id=UUID(str(notification.originator_id)),
            aggregate_version=notification.originator_version,
            # Every stored event has a timestamp; the library's protocol type does not say so.
            recorded_at=cast(Any, domain_event).timestamp,
            notification_id=notification.id,
        )
    finally:
        app.close()


def fix_stored_value(stack: Stack, service: Service, position: tuple[str, int, int], value: bytes) -> int:
    """What an operator does: correct the parked record's value from the owner's event store."""
    with stack.pg(service) as conn:
        row = conn.execute(
            "UPDATE dead_letters SET message_value = %s "
            "WHERE topic = %s AND kafka_partition = %s AND kafka_offset = %s RETURNING id",
            (value, *position),
        ).fetchone()
    assert row is not None
    return int(row[0])


def dead_letter_id(stack: Stack, service: Service, position: tuple[str, int, int]) -> int:
    with stack.pg(service) as conn:
        row = conn.execute(
            "SELECT id FROM dead_letters WHERE topic = %s AND kafka_partition = %s AND kafka_offset = %s", position
        ).fetchone()
    assert row is not None
    return int(row[0])


def dead_letter_rows(stack: Stack, service: Service) -> dict[int, tuple[Any, str]]:
    with stack.pg(service) as conn:
        return {r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, replayed_at, reason FROM dead_letters")}
