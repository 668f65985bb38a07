"""The recipient parties: the fixed departments and the registered partners of the seed file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.events.common import RecipientKind, kind_of, party_of_kind_v1
from shared.policy.parties import (
    SEED_FILE,
    SERVICE_PARTIES,
    Party,
    PartyRegistry,
    default_registry,
    is_reserved,
)
from shared.service import Service


def test_the_departments_are_fixed_and_always_known() -> None:
    bare = PartyRegistry()
    for party_id, name in (
        ("intake", "KIM-Fallmanagement (Fallannahme)"),
        ("foreign_office", "Ausländerbehörde"),
        ("naturalisation_authority", "Einbürgerungsbehörde"),
        ("kobiz", "Kobiz – Kommunales Bildungs- und Integrationszentrum"),
    ):
        party = bare.get(party_id)
        assert party is not None and party.department and party.active and not party.demo
        assert party.kind is RecipientKind(party_id) and bare.display_name(party_id) == name
    assert bare.of_kind(RecipientKind.JOBCENTER) == []  # no partner is ever assumed
    # Each department service's view is held for its parties; the EBB is served by the foreign office.
    assert SERVICE_PARTIES == {
        Service.INTAKE: ("intake",),
        Service.FOREIGN_OFFICE: ("foreign_office", "naturalisation_authority"),
        Service.KOBIZ: ("kobiz",),
    }


def test_the_seed_file_holds_demo_partners_of_every_partner_kind() -> None:
    raw = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    assert raw["demo"] is True and "DEMO-DATEN" in raw["hinweis"]
    registry = default_registry()
    for kind in (k for k in RecipientKind if not k.department):
        active = registry.of_kind(kind)
        assert len(active) >= 2, kind
        assert all(p.demo and "(Demo" in p.display_name and kind_of(p.id) is kind for p in active)
    vhs = registry.get("course_provider:vhs-euskirchen")
    assert vhs is not None and vhs.display_name == "Volkshochschule im Kreis Euskirchen (Demo)"
    assert registry.is_active("jobcenter:jc-euskirchen")
    assert "jobcenter:jc-schleiden" in registry and not registry.is_active("jobcenter:jc-schleiden")
    assert "jobcenter:jc-schleiden" not in registry.active_ids()
    assert not registry.is_active("jobcenter:jc-nirgendwo") and registry.get("jobcenter:jc-nirgendwo") is None
    assert registry.display_name("jobcenter:jc-nirgendwo") == "unbekannte Stelle jobcenter:jc-nirgendwo"


def test_an_earlier_consents_partner_kind_names_no_party_and_no_registry_holds_that_id() -> None:
    assert party_of_kind_v1("foreign_office") == "foreign_office"
    assert party_of_kind_v1("course_provider") == "course_provider:unbenannt"
    assert is_reserved("course_provider:unbenannt") and not is_reserved("course_provider:vhs-euskirchen")
    assert "course_provider:unbenannt" not in default_registry()
    assert "Einwilligung vor Version 2" in default_registry().display_name("course_provider:unbenannt")
    with pytest.raises(ValueError, match="reserved"):
        Party(id="course_provider:unbenannt", kind=RecipientKind.COURSE_PROVIDER, display_name="x")


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"id": "jobcenter:jc-x", "kind": "course_provider", "display_name": "X"}, "does not belong"),
        ({"id": "kobiz", "kind": "kobiz", "display_name": "Kobiz 2"}, "departments are fixed"),
        ({"id": "jobcenter", "kind": "jobcenter", "display_name": "Jobcenter"}, "string_pattern_mismatch"),
        ({"id": "jobcenter:jc-euskirchen", "kind": "jobcenter", "display_name": ""}, "string_too_short"),
    ],
)
def test_a_bad_seed_file_is_refused_when_it_loads(tmp_path: Path, entry: dict[str, str], reason: str) -> None:
    seed = tmp_path / "partners.json"
    seed.write_text(json.dumps({"parties": [entry]}), encoding="utf-8")
    with pytest.raises(ValueError, match=reason):
        PartyRegistry.from_file(seed)


def test_a_partner_registered_twice_is_refused(tmp_path: Path) -> None:
    entry = {"id": "jobcenter:jc-x", "kind": "jobcenter", "display_name": "Jobcenter X"}
    seed = tmp_path / "partners.json"
    seed.write_text(json.dumps({"parties": [entry, entry]}), encoding="utf-8")
    with pytest.raises(ValueError, match="twice"):
        PartyRegistry.from_file(seed)
