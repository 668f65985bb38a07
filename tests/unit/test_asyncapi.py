"""The committed AsyncAPI document is generated from the models and up to date."""

from __future__ import annotations

from shared.bus.asyncapi import asyncapi_document, render
from shared.events import ALL_EVENTS
from shared.settings import REPO_ROOT


def test_committed_document_is_current() -> None:
    committed = (REPO_ROOT / "docs" / "asyncapi.json").read_text()
    assert committed == render(), "run: kim asyncapi > docs/asyncapi.json"


def test_every_published_event_is_described_with_its_schema() -> None:
    doc = asyncapi_document()
    names = {m["name"] for m in doc["components"]["messages"].values()}
    assert names == {e.wire_type() for e in ALL_EVENTS}
    schemas = doc["components"]["schemas"]
    assert "notes" not in schemas["PerspectiveCounsellingHeld"]["properties"]
    assert {c["address"] for c in doc["channels"].values()} == {
        "kim.intake.events",
        "kim.foreign-office.events",
        "kim.kobiz.events",
    }
