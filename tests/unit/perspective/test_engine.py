"""The engine: unknown is never met, versions tile time, results serve as JSON."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

import shared.perspective
from shared.perspective import (
    PATHWAYS,
    CaseFacts,
    LegalAssumptions,
    Pathway,
    PathwayStatus,
    Perspective,
    Status,
    evaluate,
    find_rule_version,
)
from shared.perspective.dates import ONE_DAY
from tests.unit.perspective.factories import D, cert, duldung, integrated, permit, yes
from tests.unit.perspective.personas import obliged, parent_of_youth, spouse, stranded

DATES = [D(2019, 6, 1), D(2022, 11, 15), D(2023, 6, 1), D(2024, 6, 1), D(2025, 6, 1), D(2026, 6, 1)]


@pytest.mark.parametrize("on", DATES, ids=[d.isoformat() for d in DATES])
def test_nothing_known_is_never_met(on: date) -> None:
    for result in evaluate(CaseFacts(), on).pathways:
        assert result.status != PathwayStatus.ELIGIBLE
        assert all(p.status != Status.MET for p in result.prerequisites), result.norm


# One eligible scenario per pathway (norm, facts, decision date).
ELIGIBLE_CASES = [
    pytest.param("AufenthG_104c", integrated(statuses=[duldung(D(2016, 1, 1))]), D(2025, 6, 1), id="104c"),
    pytest.param(
        "AufenthG_25a",
        integrated(birth_date=D(2002, 1, 1), statuses=[duldung(D(2019, 1, 1))]),
        D(2025, 6, 1),
        id="25a",
    ),
    pytest.param("AufenthG_25b", integrated(statuses=[duldung(D(2017, 1, 1))]), D(2025, 6, 1), id="25b"),
    pytest.param(
        "AufenthG_60c",
        integrated(entry_on=D(2015, 6, 1), statuses=[duldung(D(2024, 1, 1))]),
        D(2025, 6, 1),
        id="60c",
    ),
    pytest.param(
        "AufenthG_60d",
        integrated(statuses=[duldung(D(2016, 1, 1))], language_certificates=[cert("A2")]),
        D(2025, 6, 1),
        id="60d",
    ),
    pytest.param("AufenthG_19d", integrated(statuses=[duldung(D(2016, 1, 1))]), D(2025, 6, 1), id="19d"),
    pytest.param("AufenthG_26_4", integrated(statuses=[permit(D(2018, 1, 1))]), D(2025, 6, 1), id="26-4"),
    pytest.param("StAG_10", integrated(statuses=[permit(D(2018, 1, 1))]), D(2025, 11, 1), id="stag-10"),
    pytest.param("AufenthG_104c_2", spouse(), D(2025, 6, 1), id="104c-2"),
    pytest.param(
        "AufenthG_16g",
        integrated(entry_on=D(2015, 6, 1), statuses=[duldung(D(2024, 1, 1))]),
        D(2025, 6, 1),
        id="16g",
    ),
    pytest.param("AufenthG_25_5", stranded(D(2020, 1, 1)), D(2025, 6, 1), id="25-5"),
    pytest.param("AufenthG_60a_2b", parent_of_youth(D(2010, 1, 1)), D(2025, 6, 1), id="60a-2b"),
    pytest.param("AufenthG_50", obliged(), D(2025, 6, 1), id="departure"),
]


def test_every_pathway_has_an_eligible_scenario() -> None:
    assert {case.values[0] for case in ELIGIBLE_CASES} == {p.norm for p in PATHWAYS}


# Not prerequisites but inputs that shape the question: without an application the
# engine judges one filed on the decision date; a health exemption must be claimed.
NOT_MONOTONE = {"applications", "health_exemption_claimed"}


@pytest.mark.parametrize(("norm", "facts", "on"), ELIGIBLE_CASES)
def test_forgetting_a_fact_only_ever_turns_results_unknown(norm: str, facts: CaseFacts, on: date) -> None:
    chosen = [p for p in PATHWAYS if p.norm == norm]
    baseline = evaluate(facts, on, pathways=chosen).pathway(norm)
    assert baseline.status == PathwayStatus.ELIGIBLE, [p for p in baseline.prerequisites if p.status != Status.MET]
    for field in sorted(set(CaseFacts.model_fields) - NOT_MONOTONE):
        forgotten = evaluate(facts.model_copy(update={field: None}), on, pathways=chosen).pathway(norm)
        for before, after in zip(baseline.prerequisites, forgotten.prerequisites, strict=True):
            assert after.status in {before.status, Status.UNKNOWN}, (field, after)
        assert forgotten.status in {PathwayStatus.ELIGIBLE, PathwayStatus.OPEN}, field


@pytest.mark.parametrize("pathway", PATHWAYS, ids=[p.norm for p in PATHWAYS])
def test_versions_tile_time_without_gaps_or_overlaps(pathway: Pathway) -> None:
    versions = pathway.versions(LegalAssumptions())
    assert [v.norm for v in versions] == [pathway.norm] * len(versions)
    for earlier, later in zip(versions, versions[1:], strict=False):
        assert earlier.valid_to is not None and earlier.valid_to + ONE_DAY == later.valid_from
    assert versions[-1].valid_to is None
    assert len({v.id for v in versions}) == len(versions)


def test_a_recorded_rule_version_can_be_looked_up() -> None:
    version = find_rule_version("AufenthG_25b@2022-12-31")
    assert version is not None and version.valid_from == D(2022, 12, 31)
    assert find_rule_version("AufenthG_25b@1999-01-01") is None


def test_the_perspective_round_trips_as_json() -> None:
    perspective = evaluate(integrated(statuses=[duldung(D(2017, 1, 1))]), D(2025, 6, 1))
    assert Perspective.model_validate_json(perspective.model_dump_json()) == perspective
    body = perspective.model_dump(mode="json")
    assert body["pathways"][0]["prerequisites"][0]["status"] in {"met", "not_met", "unknown"}
    assert "Art. 22 DSGVO" in body["notice_de"]
    assert body["assumptions"]["ne_five_years_from"] == "2016-08-06"


def test_every_pathway_shows_the_version_and_references() -> None:
    perspective = evaluate(integrated(statuses=[duldung(D(2017, 1, 1))]), D(2025, 6, 1))
    assert [p.norm for p in perspective.pathways] == [p.norm for p in PATHWAYS]
    for result in perspective.pathways:
        assert result.rule_version_id and result.rule_version_id.startswith(result.norm + "@")
        assert all(p.legal_reference and p.label_de and p.detail_de for p in result.prerequisites)


def test_the_end_of_a_version_is_a_deadline() -> None:
    result = evaluate(integrated(statuses=[duldung(D(2017, 1, 1))]), D(2025, 6, 1)).pathway("StAG_10")
    assert ("rule_version_ends", D(2025, 10, 29)) in {(d.key, d.on) for d in result.deadlines}


def test_time_beyond_the_version_is_flagged() -> None:
    facts = integrated(
        statuses=[permit(D(2023, 1, 1), norm="AufenthG_25_2")],
        language_certificates=[cert("C1")],
        special_integration_achievements=yes(),
    )
    result = evaluate(facts, D(2025, 6, 1)).pathway("StAG_10")
    assert result.earliest_time_met_on == D(2026, 1, 1)  # three years, but the route ends on 29.10.2025
    assert any("nach dem Ende dieser Fassung" in n for n in result.notes_de)


def test_the_engine_reads_no_clock() -> None:
    # Callers pass "today in Europe/Berlin"; nothing in shared/perspective may ask the clock.
    root = Path(shared.perspective.__file__).parent
    clock = re.compile(r"\b(date|datetime)\.(today|now|utcnow)\(|\btime\.time\(")
    offenders = [str(f.relative_to(root)) for f in root.rglob("*.py") if clock.search(f.read_text(encoding="utf-8"))]
    assert offenders == []


def test_60c_has_a_version_from_16g() -> None:
    facts = integrated(entry_on=D(2015, 6, 1), statuses=[duldung(D(2023, 1, 1))])
    before = evaluate(facts, D(2024, 2, 29)).pathway("AufenthG_60c")
    after = evaluate(facts, D(2024, 3, 1)).pathway("AufenthG_60c")
    assert (before.rule_version_id, after.rule_version_id) == ("AufenthG_60c@2020-01-01", "AufenthG_60c@2024-03-01")
    assert any("§ 16g" in n for n in after.notes_de)
