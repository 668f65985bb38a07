"""Commands issued through the public HTTP APIs, as caseworkers would."""

from __future__ import annotations

import time
from collections import Counter
from functools import partial
from typing import Any
from uuid import uuid4

from kafka import KafkaConsumer, TopicPartition

from shared.bus.wire import Envelope, PoisonMessageError, decode
from shared.policy import sharing as policy
from shared.service import Service
from tests.conftest import person
from tests.stack import Stack, eventually


def post(stack: Stack, service: Service, path: str, body: dict[str, Any], expect: int | None = None) -> dict[str, Any]:
    """Send a command as a careful client does: with an Idempotency-Key of its own."""
    with stack.client(service) as client:
        response = client.post(path, json=body, headers={"Idempotency-Key": uuid4().hex})
    if expect is not None:
        assert response.status_code == expect, response.text
    else:
        assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


ALL_CATEGORIES = [
    "identity",
    "status",
    "case_management",
    "language_education",
    "work_income",
    "school_attendance",
    "health",
]
"""Every category a consent releases without the secrecy release."""
EVERYTHING = [*ALL_CATEGORIES, "counselling"]
"""Every category; counselling only with the secrecy release (Schweigepflichtentbindung)."""


def open_case(stack: Stack, *, share_all: bool = True, **person_overrides: Any) -> tuple[str, str]:
    """Register a person and open the case; return (case id, last position token).

    By default the person consents to sharing every category with every department, with
    the secrecy release (so the case's events reach all three views); ``share_all=False``
    records no consent.
    """
    reg = post(stack, Service.INTAKE, "/intake/cases", person(**person_overrides), 201)
    case_id = reg["case_id"]
    if share_all:
        grant_consent(stack, case_id)
    opened = post(
        stack,
        Service.INTAKE,
        f"/intake/cases/{case_id}/opening",
        {"opened_on": "2026-01-06"},
        200,
    )
    return case_id, opened["position"]["token"]


def grant_consent(
    stack: Stack,
    case_id: str,
    recipients: tuple[str, ...] = ("intake", "foreign_office", "kobiz"),
    categories: list[str] | None = None,
) -> str:
    """Record a consent releasing ``categories`` (default: all, with the secrecy release) to ``recipients``."""
    chosen = categories or EVERYTHING
    body = {
        "consent_id": str(uuid4()),
        "scopes": [
            {"recipient": r, "categories": chosen, "secrecy_release": "counselling" in chosen} for r in recipients
        ],
        "purpose": "prepare_application_25b",
        "valid_from": "2026-01-06",
        "valid_until": "2027-12-31",
        "form_version": "KIM-EW-2025-1",
        "language": "ar",
        "interpreter_used": True,
    }
    return str(post(stack, Service.INTAKE, f"/intake/cases/{case_id}/consents", body, 201)["position"]["token"])


FILES: dict[tuple[Service, str], str] = {}
"""Each department's file on a test case (opened and linked once per session)."""


def file_of(stack: Stack, service: Service, case_id: str) -> str:
    """The foreign office's or Kobiz's own file on the person of ``case_id``, linked to the case.

    The link needs the case known to the department's view (for the foreign office:
    through the consent), so this waits, bounded, until the view knows it.
    """
    if (service, case_id) in FILES:
        return FILES[(service, case_id)]
    slug = service.slug
    eventually(lambda: stack.history(service, case_id, wait=5), 60, 0.2, what=f"{slug} knows case {case_id}")
    if service is Service.FOREIGN_OFFICE:
        person_data = {"family_name": "INTERN-Testname", "given_names": "INTERN-Vorname", "birth_date": "1999-05-01"}
        file_id = post(stack, service, f"/{slug}/files", person_data, 201)["case_id"]
        link = {"case_id": case_id, "linked_on": "2026-01-06"}
        post(stack, service, f"/{slug}/files/{file_id}/kim-link", link, 200)
    else:
        opening = {"opened_on": "2026-01-06", "case_id": case_id}
        file_id = post(stack, service, f"/{slug}/files", opening, 201)["case_id"]
    FILES[(service, case_id)] = str(file_id)
    return str(file_id)


def on_file(stack: Stack, service: Service, case_id: str, resource: str, body: dict[str, Any], expect: int) -> str:
    """Post a command to the department's file of the case; return its position token."""
    path = f"/{service.slug}/files/{file_of(stack, service, case_id)}/{resource}"
    return str(post(stack, service, path, body, expect)["position"]["token"])


def issue_toleration(stack: Stack, case_id: str, valid_from: str = "2026-01-01") -> str:
    body = {
        "subtype": "60a",
        "ground_code": "no_travel_documents",
        "valid_from": valid_from,
        "valid_until": "2026-12-31",
        "work_permitted": True,
        "residence_condition": False,
        "remarks": "INTERN-ABH-Vermerk",
    }
    return on_file(stack, Service.FOREIGN_OFFICE, case_id, "tolerated-stays", body, 201)


def clarify_identity(stack: Stack, case_id: str) -> str:
    body = {"clarified_on": "2026-02-01", "method": "passport", "document_ref": "ABH-INTERN-4711"}
    return on_file(stack, Service.FOREIGN_OFFICE, case_id, "identity-clarification", body, 200)


def grant_permit(stack: Stack, case_id: str) -> str:
    body = {
        "norm": "AufenthG_25b",
        "granted_on": "2026-03-01",
        "valid_from": "2026-03-01",
        "valid_until": "2028-02-29",
        "employment_permitted": True,
        "conditions": "INTERN-Auflage",
        "rule_version_ids": ["AufenthG_25b@2026-01-01"],
    }
    return on_file(stack, Service.FOREIGN_OFFICE, case_id, "residence-permits", body, 201)


def record_counselling(stack: Stack, case_id: str, notes: str) -> str:
    body = {
        "held_on": "2026-02-15",
        "topic_codes": ["language_course"],
        "pathways_discussed": ["AufenthG_25b"],
        "next_step_codes": ["book_a2_exam"],
        "notes": notes,
    }
    return on_file(stack, Service.KOBIZ, case_id, "counselling-sessions", body, 201)


def wait_known(stack: Stack, service: Service, case_id: str, after: str) -> dict[str, Any]:
    """Wait until ``service``'s projection has consumed ``after``, return its history."""
    return stack.history(service, case_id, after=after, wait=30)


def event_keys(history: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(e["source"], e["sequence"], e["type"]) for e in history["timeline"]]


# --- outcome checks for the crash tests ----------------------------------------

EVENT_TABLES = {
    Service.INTAKE: "intake_events",
    Service.FOREIGN_OFFICE: "foreignoffice_events",
    Service.KOBIZ: "kobiz_events",
}


def header(record: Any, name: str) -> str | None:
    """One header of a Kafka record, decoded."""
    for key, value in record.headers or []:
        if key == name:
            return bytes(value).decode()
    return None


def published(stack: Stack, services: tuple[Service, ...] = tuple(Service)) -> list[tuple[Any, Envelope]]:
    """Every decodable record on the given service topics, with its envelope."""
    result: list[tuple[Any, Envelope]] = []
    for service in services:
        for record in stack.read_topic(service):
            try:
                envelope = decode(list(record.headers or []), record.key, record.value)
            except PoisonMessageError:
                continue
            result.append((record, envelope))
    return result


def ce_id_counts(records: list[tuple[Any, Envelope]], case_id: str) -> Counter[str]:
    """How often each CloudEvents id of one case is on the topics (duplicates > 1)."""
    return Counter(header(r, "ce_id") or "" for r, env in records if str(env.case_id) == case_id)


def expected_pairs(records: list[tuple[Any, Envelope]], service: Service, case_id: str) -> set[tuple[str, int]]:
    """The (source, sequence) pairs of one case that ``service`` may see, from the topics."""
    return {
        (env.source.value, env.sequence)
        for _, env in records
        if str(env.case_id) == case_id and policy.may_receive(service, env.type)
    }


def wait_reached(
    stack: Stack, service: Service, case_id: str, tokens: list[str], timeout: float = 60.0
) -> dict[str, Any]:
    """Wait (bounded) until ``service``'s projection consumed every token; return the history."""
    deadline = time.monotonic() + timeout
    for token in tokens:
        eventually(
            partial(stack.history, service, case_id, token, 5),
            max(1.0, deadline - time.monotonic()),
            0.2,
            what=f"{service} consumed {token} of {case_id}",
        )
    return stack.history(service, case_id)


def timeline_counts(stack: Stack, service: Service, case_id: str) -> dict[str, int]:
    """Rows, distinct (source, sequence) and distinct event ids of a case in a view, and its summary count."""
    with stack.pg(service) as conn:
        row = conn.execute(
            "SELECT count(*), count(DISTINCT (source, sequence)), count(DISTINCT event_id) "
            "FROM case_timeline WHERE case_id = %s",
            (case_id,),
        ).fetchone()
        summary = conn.execute("SELECT event_count FROM case_summary WHERE case_id = %s", (case_id,)).fetchone()
    assert row is not None
    return {"rows": row[0], "pairs": row[1], "ids": row[2], "summary": summary[0] if summary else -1}


def stored_offsets(stack: Stack, service: Service) -> dict[tuple[str, int], int]:
    with stack.pg(service) as conn:
        rows = conn.execute("SELECT topic, kafka_partition, next_offset FROM projection_offsets").fetchall()
    return {(r[0], r[1]): r[2] for r in rows}


def processed_count(stack: Stack, service: Service) -> int:
    with stack.pg(service) as conn:
        row = conn.execute("SELECT count(*) FROM processed_events").fetchone()
    return int(row[0]) if row else 0


def end_offsets(stack: Stack) -> dict[tuple[str, int], int]:
    """The end offset of every partition of every service topic."""
    consumer = KafkaConsumer(
        bootstrap_servers=stack.infra_settings.kafka_bootstrap,
        group_id=None,
        **stack.infra_settings.kafka_test_admin().client_config(),
    )
    try:
        partitions = [
            TopicPartition(stack.topic(s), p)
            for s in Service
            for p in sorted(consumer.partitions_for_topic(stack.topic(s)) or [])
        ]
        return {(tp.topic, tp.partition): off for tp, off in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()


def wait_projection_complete(stack: Stack, service: Service, timeout: float = 60.0) -> int:
    """Wait until ``service``'s stored offsets are at the end of every non-empty partition.

    Then every published event is consumed: the projection must have recorded each
    distinct (source, sequence) on the topics exactly once. Returns that number.
    """

    def caught_up() -> bool:
        ends = end_offsets(stack)
        stored = stored_offsets(stack, service)
        return all(stored.get(tp) == end for tp, end in ends.items() if end > 0)

    eventually(caught_up, timeout, 0.2, what=f"{service} projection at the end of every partition")
    distinct = {(env.source.value, env.sequence) for _, env in published(stack)}
    assert processed_count(stack, service) == len(distinct), service
    return len(distinct)


def relay_position(stack: Stack, service: Service) -> int:
    with stack.pg(service) as conn:
        row = conn.execute("SELECT notification_id FROM relay_position WHERE name = 'kafka'").fetchone()
    return int(row[0]) if row else 0


def max_notification_id(stack: Stack, service: Service) -> int:
    with stack.pg(service) as conn:
        table = EVENT_TABLES[service]
        row = conn.execute(f"SELECT coalesce(max(notification_id), 0) FROM {table}").fetchone()  # noqa: S608
    return int(row[0]) if row else 0
