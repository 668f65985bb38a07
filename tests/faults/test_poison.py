"""Poison messages on a service topic: parked as pointers or skipped, logged, not blocking; consent fails
closed; an operator settles them.

Records are produced straight to a service topic with kafka-python, keyed by a real
case id so that they share a partition with that case's later valid events: malformed
bytes, an unknown type, an unknown version, a valid CloudEvent with an invalid body, and
a record whose ``source`` is another service. Each department parks a pointer (no
content: the test searches all its projection tables for the bodies) or, for a type it
may never hold, skips it. One on intake's topic holds the consents of its case in every
department: what is held only by a consent is withheld until the record is settled.
Then an operator replays (read again from Kafka: an unknown type stays parked) and
resolves the rest with ``kim dead-letters resolve``: the consent holds end and what the
consents cover comes back, read again from Kafka. Replay that applies a record is
proven against real Kafka in ``tests/pipeline/test_dead_letter_replay.py``.

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
from typing import Any
from uuid import uuid4

import pytest
from kafka import KafkaProducer
from psycopg import sql

from services import processes
from services.runner import ProcessKind
from shared.events import EVENTS_BY_WIRE_TYPE
from shared.policy.sharing import may_receive
from shared.projection.pg_schema import TABLES
from shared.service import Service
from shared.settings import REPO_ROOT
from tests.faults import chaos
from tests.faults.checker import Checker, Report
from tests.faults.conftest import note, rounds_of
from tests.faults.load import Ledger, Load, Sent, send
from tests.pipeline.helpers import file_of
from tests.samples import SAMPLES
from tests.stack import Stack, eventually
from tests.support import realm
from tests.support.walk import without_actors

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


def ce_headers(
    service: Service, case_id: str, wire_type: str, source: Service | None = None
) -> list[tuple[str, bytes]]:
    """CloudEvents binary-mode headers as a foreign producer would write them."""
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", str(uuid4()).encode()),
        ("ce_source", f"/kim/{(source or service).slug}".encode()),
        ("ce_type", wire_type.encode()),
        ("ce_subject", case_id.encode()),
        ("ce_time", datetime.now(UTC).isoformat().encode()),
        ("content-type", b"application/json"),
        ("ce_sequence", b"999999999"),
    ]


VALID_EVENT_NAME = {
    Service.INTAKE: "CaseConferenceHeld",
    Service.FOREIGN_OFFICE: "ToleratedStayIssued",
    Service.KOBIZ: "PerspectiveCounsellingHeld",
}
FOREIGN = {Service.INTAKE: Service.KOBIZ, Service.FOREIGN_OFFICE: Service.INTAKE, Service.KOBIZ: Service.FOREIGN_OFFICE}
"""Whose source a forged record on each service's topic claims."""


def poison_records(
    service: Service, case_id: str, subject: str, marker: str
) -> dict[str, tuple[list[tuple[str, bytes]], bytes]]:
    """kind -> (headers, value); ``subject`` is the case (intake) or the department's file on it.
    Every value carries ``marker``: no department may store it."""
    prefix = f"de.nrw.kim.{service.slug}."
    wire_type, body = INVALID_BODY[service]
    other = FOREIGN[service]
    content = {"case_id": case_id, "note": marker}
    return {
        "malformed": ([("ce_type", b"\xff\xfe"), ("junk", b"\x00")], b"\x00\xff{ not json " + marker.encode()),
        "unknown type": (ce_headers(service, subject, prefix + "NoSuchThingHappened.v1"), json.dumps(content).encode()),
        "unknown version": (
            ce_headers(service, subject, prefix + VALID_EVENT_NAME[service] + ".v99"),
            json.dumps(content).encode(),
        ),
        "invalid body": (ce_headers(service, subject, wire_type), json.dumps({**content, **body}).encode()),
        "foreign source": (
            ce_headers(service, subject, f"de.nrw.kim.{other.slug}.{VALID_EVENT_NAME[other]}.v1", source=other),
            json.dumps(content).encode(),
        ),
    }


def wire_type_of(headers: list[tuple[str, bytes]]) -> str:
    return next((v.decode("utf-8", "replace") for k, v in headers if k == "ce_type"), "")


def skips(viewer: Service, kind: str, headers: list[tuple[str, bytes]]) -> bool:
    """Whether ``viewer`` skips the record: an invalid event of its topic's owner that, in no version,
    the sharing policy lets it hold."""
    named = wire_type_of(headers).rpartition(".v")[0]
    current = next((t for t in EVENTS_BY_WIRE_TYPE if t.rpartition(".v")[0] == named), None)
    return kind == "invalid body" and current is not None and not may_receive(viewer, current)


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
    sent = Sent(service, name, url, without_actors(SAMPLES[name]), f"poison-{uuid4().hex}", subject)
    ledger.add(sent)
    with stack.client(service) as client:
        send(client, sent, threading.Event())
    assert sent.acknowledged and sent.token, sent
    return sent


def operator_view(stack: Stack, service: Service, what: str) -> Any:
    """``GET /<service>/projection/<what>`` as an operator reads it."""
    with stack.client(service, realm.OPERATOR_USER) as client:
        response = client.get(f"/{service.slug}/projection/{what}", params={"limit": 500})
    assert response.status_code == 200, response.text
    return response.json()


def dead_letters(stack: Stack, service: Service) -> dict[tuple[str, int, int], dict[str, Any]]:
    return {(d["topic"], d["partition"], d["offset"]): d for d in operator_view(stack, service, "dead-letters")}


def skipped(stack: Stack, service: Service) -> dict[tuple[str, int, int], dict[str, Any]]:
    return {(d["topic"], d["partition"], d["offset"]): d for d in operator_view(stack, service, "skipped")}


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


def stored_anywhere(stack: Stack, service: Service, marker: str) -> list[str]:
    """The projection tables of ``service`` in which ``marker`` occurs (any column of any row)."""
    found = []
    with stack.pg(service) as conn:
        for table in TABLES:
            query = sql.SQL("SELECT count(*) FROM {} AS t WHERE t::text LIKE %s").format(sql.Identifier(table))
            row = conn.execute(query, (f"%{marker}%",)).fetchone()
            if row and row[0]:
                found.append(table)
    return found


def held_by_consent(stack: Stack, service: Service, case_id: str) -> int:
    """How many events of the case ``service`` holds only by a consent."""
    with stack.pg(service) as conn:
        row = conn.execute(
            "SELECT count(*) FROM case_timeline WHERE case_id = %s AND basis LIKE 'consent:%%'", (case_id,)
        ).fetchone()
    return int(row[0]) if row else 0


def kim(stack: Stack, *argv: str) -> subprocess.CompletedProcess[str]:
    """``kim ...`` as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *argv],
        env={**stack.env, "COLUMNS": "200"},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_poison_is_parked_or_skipped_without_content_holds_consents_and_an_operator_settles_it(
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
    placed: dict[str, int] = {}
    held: set[str] = set()
    unknown_type: tuple[str, int, int] | None = None
    try:
        with make_load() as load:
            # --- 1. poison does not block: later valid events of the same case (same partition) arrive ---
            for round_no in range(rounds):
                # The first round on intake's topic, so that consents are held at least once.
                service = Service.INTAKE if round_no == 0 else rng.choice(list(Service))
                case_id = rng.choice(cases)
                subject = case_id if service is Service.INTAKE else file_of(stack, service, case_id)
                marker = f"poison-{uuid4().hex}"
                records = poison_records(service, case_id, subject, marker)
                produced = {kind: poisoner.produce(service, subject, h, v) for kind, (h, v) in records.items()}
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
                for viewer in Service:  # ... parked or skipped every poison record, visible and logged
                    parked, noted = eventually(
                        partial(_placed, stack, viewer, list(produced.values())),
                        30,
                        0.2,
                        what=f"{viewer.value} shows the poison records",
                    )
                    log = projector_log(stack, viewer)
                    for kind, position in produced.items():
                        topic, p, o = position
                        if skips(viewer, kind, records[kind][0]):
                            assert position in noted and position not in parked, (viewer, kind)
                            assert f"skipped record {topic}/{p}@{o}" in log, (viewer, kind)
                            placed[f"{kind} (skipped)"] = placed.get(f"{kind} (skipped)", 0) + 1
                            continue
                        letter = parked[position]
                        assert position not in noted and letter["replayed_at"] is None, (viewer, kind)
                        assert f"parked record {topic}/{p}@{o} as dead letter" in log, (viewer, kind)
                        holds = service is Service.INTAKE and kind != "foreign source"
                        assert letter["consent_hold"] is holds, (viewer, kind, letter)
                        assert letter["case_id"] == (case_id if holds else None), (viewer, kind, letter)
                        placed[kind] = placed.get(kind, 0) + 1
                    reasons = {kind: (parked.get(pos) or noted[pos])["reason"] for kind, pos in produced.items()}
                    assert "not a CloudEvent" in reasons["malformed"], reasons
                    assert "unknown event type or version" in reasons["unknown type"], reasons
                    assert "unknown event type or version" in reasons["unknown version"], reasons
                    assert reasons["invalid body"].startswith("invalid "), reasons
                    assert "does not belong to topic" in reasons["foreign source"], reasons
                    assert parked[produced["foreign source"]]["cause"] == "foreign_source"
                    assert operator_view(stack, viewer, "status")["dead_letters"]["foreign_source"] >= 1
                    assert stored_anywhere(stack, viewer, marker) == [], f"{viewer.value} stores a poison body"
                if service is Service.INTAKE:
                    held.add(case_id)

            # --- 2. consent fails closed: nothing of a held case is held only by a consent ----------------
            for viewer in Service:
                status = operator_view(stack, viewer, "status")
                assert {h["case_id"] for h in status["consent_holds"]} == held, status
                for case_id in held:
                    assert held_by_consent(stack, viewer, case_id) == 0, (viewer, case_id)

            # --- 3. the operator replays (read again from Kafka) and resolves the rest -----------------------
            settled = []
            for viewer in Service:
                assert unknown_type is not None
                invalid_id = dead_letters(stack, viewer)[unknown_type]["id"]
                result = kim(stack, "dead-letters", "replay", viewer.value, "--id", str(invalid_id))
                assert result.returncode == 1, result.stdout + result.stderr  # it stays parked: exit 1
                assert f"dead letter {invalid_id}: still_invalid" in result.stdout, result.stdout
                assert "unknown event type or version" in dead_letters(stack, viewer)[unknown_type]["reason"]
                holding = [
                    i for h in operator_view(stack, viewer, "status")["consent_holds"] for i in h["dead_letters"]
                ]
                argv = ["dead-letters", "resolve", viewer.value, "--reason", "im Ereignisspeicher geprüft"]
                result = kim(stack, *argv, *(a for i in holding for a in ("--id", str(i))))
                assert result.returncode == 0, result.stdout + result.stderr
                assert all(f"dead letter {i}: dismissed" in result.stdout for i in holding), result.stdout
                assert operator_view(stack, viewer, "status")["consent_holds"] == []
                for case_id in held:  # what the consents cover is read again from Kafka
                    eventually(
                        partial(held_by_consent, stack, viewer, case_id),
                        chaos.RECOVERY_S,
                        0.2,
                        what=f"{viewer.value} released the consent data of {case_id}",
                    )
                settled.append(f"{viewer.value}: {len(holding)} resolved")
            load.wait_acknowledged(5)
        report = verify(load)
    finally:
        poisoner.close()
    note(
        f"[faults] poison: records parked as pointers or skipped by each of the 3 projectors, none blocking, "
        f"no body stored: {placed}; consents of {len(held)} case(s) held until resolved ({'; '.join(settled)}); "
        f"the unknown type stayed parked on replay; Kafka duplicates so far {report.kafka_duplicates}"
    )


def _placed(
    stack: Stack, viewer: Service, positions: list[tuple[str, int, int]]
) -> tuple[dict[tuple[str, int, int], Any], dict[tuple[str, int, int], Any]] | None:
    """What ``viewer`` parked and skipped, once every one of ``positions`` is one or the other."""
    parked, noted = dead_letters(stack, viewer), skipped(stack, viewer)
    return (parked, noted) if all(p in parked or p in noted for p in positions) else None
