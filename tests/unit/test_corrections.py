"""``corrects`` names an earlier event of the same case or file, of the same source and kind, or it is 422 at the
field; and a correction never takes away another department's facts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from services.bootstrap import build_container, create_app
from shared.events.base import event_id
from shared.perspective.derive_common import current_entries
from shared.projection.records import TimelineEntry
from shared.service import Service
from tests.support.tokens import WORKERS, client_for
from tests.support.walk import body

FO = Service.FOREIGN_OFFICE


@pytest.fixture
def client() -> Iterator[TestClient]:
    container = build_container(FO, in_memory=True)
    with client_for(create_app(FO, lambda: container), WORKERS[FO]) as client:
        yield client


def open_file(client: TestClient) -> UUID:
    answer = client.post("/foreign-office/files", json=body("open_file", FO))
    assert answer.status_code == 201, answer.text
    return UUID(answer.json()["case_id"])


def toleration(client: TestClient, file_id: UUID, **overrides: Any) -> Any:
    return client.post(
        f"/foreign-office/files/{file_id}/tolerated-stays", json=body("issue_tolerated_stay", FO, **overrides)
    )


def refused_at_corrects(answer: Any) -> bool:
    return answer.status_code == 422 and [e["loc"] for e in answer.json()["detail"]] == [["body", "corrects"]]


def test_a_correction_replaces_an_earlier_event_of_its_own_file_and_kind(client: TestClient) -> None:
    file_id = open_file(client)
    first = toleration(client, file_id)
    assert first.status_code == 201
    corrected = event_id(FO, file_id, first.json()["version"])
    again = toleration(client, file_id, corrects=str(corrected), valid_until="2026-09-30")
    assert again.status_code == 201, again.text


def test_a_random_id_another_files_event_or_another_kind_is_refused_at_the_field(client: TestClient) -> None:
    file_id, other_file = open_file(client), open_file(client)
    stay = toleration(client, other_file).json()
    assert refused_at_corrects(toleration(client, file_id, corrects=str(uuid4())))
    assert refused_at_corrects(toleration(client, file_id, corrects=str(event_id(FO, other_file, stay["version"]))))
    opened = event_id(FO, file_id, 1)  # the file's opening: another kind of event
    assert refused_at_corrects(toleration(client, file_id, corrects=str(opened)))
    kobiz_event = event_id(Service.KOBIZ, file_id, 1)  # the same aggregate id and version, minted by Kobiz
    assert refused_at_corrects(toleration(client, file_id, corrects=str(kobiz_event)))
    versions = client.get(f"/foreign-office/files/{file_id}").json()["version"]
    assert versions == 1, "nothing was stored"


def entry(source: Service, type_: str, data: dict[str, Any], eid: UUID) -> TimelineEntry:
    return TimelineEntry(eid, source, 1, type_, datetime(2026, 1, 1, tzinfo=UTC), date(2026, 1, 1), data)


def test_a_correction_never_removes_another_departments_facts() -> None:
    permit = uuid4()
    granted = entry(FO, "de.nrw.kim.foreign-office.ResidencePermitGranted.v2", {"norm": "AufenthG_25b"}, permit)
    forged = entry(Service.KOBIZ, "de.nrw.kim.kobiz.PerspectiveCounsellingHeld.v3", {"corrects": str(permit)}, uuid4())
    held = current_entries([granted, forged])
    assert held("ResidencePermitGranted") == [granted.data], "a Kobiz entry cannot correct the foreign office's"
    own = entry(FO, granted.type, {"norm": "AufenthG_25a", "corrects": str(permit)}, uuid4())
    assert current_entries([granted, own])("ResidencePermitGranted") == [own.data], "its own source can"
