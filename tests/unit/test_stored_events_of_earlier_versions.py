"""Event stores written by earlier versions still load.

``tests/fixtures/stores-v0.1.json`` holds stored events (topic and stored state, as
the recorders keep them) written by version 0.1: HTTP registrations and imports
that recorded ``RowImported`` events and an ``import_ref`` in ``PersonRegistered``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from services.bootstrap import build_container
from services.foreign_office.domain import ResidenceFile
from services.intake.domain import Case
from services.kobiz.domain import CounsellingFile
from shared.service import Service

STORES: dict[str, list[dict[str, Any]]] = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "stores-v0.1.json").read_text()
)


def load(service: Service) -> Any:
    """A fresh in-memory application holding the stored events of version 0.1."""
    app = build_container(service, in_memory=True).app
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=UUID(e["originator_id"]),
                originator_version=e["originator_version"],
                topic=e["topic"],
                state=base64.b64decode(e["state"]),
            )
            for e in STORES[service.value]
        ]
    )
    return app


def aggregate_ids(service: Service) -> list[UUID]:
    return sorted({UUID(e["originator_id"]) for e in STORES[service.value]})


def test_intake_cases_of_earlier_versions_load_with_their_imported_refs() -> None:
    app = load(Service.INTAKE)
    cases = [app.get_aggregate(case_id, Case) for case_id in aggregate_ids(Service.INTAKE)]
    assert sorted(c.status for c in cases) == ["open", "open"]
    by_name = {c.family_name: c for c in cases}
    assert by_name["Import"].imported_refs == {"ALT-1", "ALT-1/open"}
    assert by_name["Alt"].imported_refs == {"http:legacy-key", "http:legacy-open"}
    assert by_name["Import"].registered_on.isoformat() == "2016-03-01"


@pytest.mark.parametrize(
    ("service", "cls"), [(Service.FOREIGN_OFFICE, ResidenceFile), (Service.KOBIZ, CounsellingFile)]
)
def test_department_files_of_earlier_versions_load(service: Service, cls: type[Any]) -> None:
    app = load(service)
    (case_id,) = aggregate_ids(service)
    file = app.get_aggregate(case_id, cls)
    assert file.version == 3
    assert file.imported_refs == {"http:legacy-k2"}
