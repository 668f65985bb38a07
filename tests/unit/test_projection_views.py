"""The operator's view of a projection over HTTP: dead letters, skipped records, consent unresolved."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from services.bootstrap import Container, build_container, create_app
from shared.bus.wire import encode
from shared.events import catalogue as ev
from shared.service import Service
from tests.support.projection_suite import INTAKE_TOPIC, KOBIZ_TOPIC, T0, Feed, consent
from tests.support.tokens import OPERATOR, WORKERS, client_for


@pytest.fixture
def container() -> Container:
    return build_container(Service.FOREIGN_OFFICE, in_memory=True)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with client_for(create_app(Service.FOREIGN_OFFICE, lambda: container), OPERATOR) as client:
        yield client


def test_an_operator_sees_why_without_any_content(container: Container, client: TestClient) -> None:
    feed, case, marker = Feed(Service.FOREIGN_OFFICE), uuid4(), f"marker-{uuid4().hex}"
    referral = ev.ReferralReceived(case_id=case, received_on=date(2026, 1, 2), source="self")
    msg = encode(referral, aggregate_id=case, aggregate_version=1, recorded_at=T0, notification_id=1)
    forged = encode(consent(case), aggregate_id=case, aggregate_version=2, recorded_at=T0, notification_id=2)
    records = [
        feed.poison(INTAKE_TOPIC, value=b"{" + marker.encode(), key=str(case).encode()),  # holds the case
        feed.poison(INTAKE_TOPIC, value=json.dumps({"note": marker}).encode(), headers=msg.headers, key=msg.key),
        feed.poison(KOBIZ_TOPIC, value=forged.value, headers=forged.headers, key=forged.key),  # foreign source
    ]
    container.store.apply_batch(records, {})

    status = client.get("/foreign-office/projection/status")
    assert status.status_code == 200, status.text
    body = status.json()
    assert body["dead_letters"] == {"total": 2, "open": 2, "foreign_source": 1}
    assert body["skipped"] == 1
    (letter,) = [d for d in client.get("/foreign-office/projection/dead-letters").json() if d["consent_hold"]]
    assert body["consent_holds"] == [{"case_id": str(case), "dead_letters": [letter["id"]]}]
    assert letter["case_id"] == str(case) and letter["cause"] == "invalid" and letter["type"] == "x"
    (noted,) = client.get("/foreign-office/projection/skipped").json()
    assert (noted["topic"], noted["offset"], noted["type"]) == (INTAKE_TOPIC, 1, referral.wire_type())
    answers = [client.get(f"/foreign-office/projection/{what}").text for what in ("status", "dead-letters", "skipped")]
    assert all(marker not in text for text in answers)


@pytest.mark.parametrize("what", ["status", "dead-letters", "skipped"])
def test_only_operators_see_the_projection_state(container: Container, what: str) -> None:
    app = create_app(Service.FOREIGN_OFFICE, lambda: container)
    with client_for(app, OPERATOR) as anonymous:
        del anonymous.headers["Authorization"]
        answer = anonymous.get(f"/foreign-office/projection/{what}")
        assert answer.status_code == 401 and answer.headers["www-authenticate"].startswith("Bearer")
    with client_for(app, WORKERS[Service.FOREIGN_OFFICE]) as caseworker:
        assert caseworker.get(f"/foreign-office/projection/{what}").status_code == 403
