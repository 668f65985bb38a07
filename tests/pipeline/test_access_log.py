"""The access log on the running stack: a read and a command with real tokens, logged with who, what, why
and the request's correlation id, relayed to the service's internal access topic for the audit principal."""

from __future__ import annotations

import json
import time
from typing import Any
from uuid import uuid4

import pytest
from confluent_kafka import Consumer

from shared.service import Service
from shared.settings import KAFKA_AUDIT, kafka_credentials
from tests.pipeline.helpers import open_case
from tests.stack import Stack
from tests.support import realm

pytestmark = pytest.mark.pipeline


def audit_records(stack: Stack, service: Service, wanted: set[str], timeout_s: float = 60) -> dict[str, Any]:
    """Read the service's access topic as the audit principal until every correlation id in ``wanted`` came."""
    infra = stack.infra_settings
    consumer = Consumer(
        {
            "bootstrap.servers": infra.kafka_bootstrap,
            "group.id": f"{infra.topic_prefix}.audit.test-{uuid4().hex[:6]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            **kafka_credentials(KAFKA_AUDIT).confluent_config(),
        }
    )
    found: dict[str, Any] = {}
    try:
        consumer.subscribe([infra.access_topic(service)])
        deadline = time.monotonic() + timeout_s
        while not wanted <= set(found) and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error() is not None:
                continue
            data = json.loads(message.value() or b"{}")
            found.setdefault(data["correlation_id"], []).append((dict(message.headers() or []), data))
    finally:
        consumer.close()
    return found


def test_reads_and_commands_are_logged_and_relayed_to_the_audit_topic(stack: Stack) -> None:
    case_id, _ = open_case(stack, share_all=False)
    command_id, read_id = f"cmd-{uuid4().hex}", f"read-{uuid4().hex}"
    with stack.client(Service.INTAKE) as client:
        referral = {"received_on": "2026-01-04", "source": "foreign_office", "reason_codes": ["perspective"]}
        posted = client.post(f"/intake/cases/{case_id}/referrals", json=referral, headers={"X-Request-ID": command_id})
        assert posted.status_code == 201, posted.text
        read = client.get(f"/intake/cases/{case_id}/file", headers={"X-Request-ID": read_id})
        assert read.status_code == 200 and read.headers["x-request-id"] == read_id

    with stack.client(Service.INTAKE, realm.DPO_USER) as dpo:
        logged = dpo.get("/intake/access-log", params={"case_id": case_id, "limit": 1000})
    assert logged.status_code == 200, logged.text
    mine = {(e["correlation_id"], e["operation"], e["field_group"]) for e in logged.json()}
    assert (command_id, "write", "case_management") in mine
    assert {(read_id, "read", g) for g in ("identity_core", "case_management")} <= mine
    for entry in logged.json():
        assert entry["actor"] == realm.PIPELINE_STAFF_ID or entry["correlation_id"] not in (command_id, read_id)
        assert entry["case_id"] == case_id and entry["outcome"] == "allowed"

    relayed = audit_records(stack, Service.INTAKE, {command_id, read_id})
    assert {command_id, read_id} <= set(relayed), "the relay publishes every entry to the access topic"
    headers, data = relayed[read_id][0]
    assert headers["ce_type"] == b"de.nrw.kim.access.AccessLogged.v1"
    assert data["subject_id"] == case_id and data["actor"] == realm.PIPELINE_STAFF_ID
    assert "Testperson" not in json.dumps([d for _, d in relayed[read_id]]), "no personal data on the access topic"
