"""Every prerequisite of every pathway and rule version declares what moves it, proven.

Generated from the pathway definitions under the default LegalAssumptions, at the engine
level (CaseFacts built directly): a new prerequisite without a declaration, or with one
that does not move it, fails here. For each prerequisite:

* decided by facts: with nothing known, and with everything known except its declared
  facts, it is unknown; its witnesses (witnesses.py: settings of only its declared
  facts) give a met and a not-met result; each declared fact changes some witness's
  result when it is forgotten (no dead declarations);
* discretion the engine leaves to a person: never not met; if the facts can establish
  it, a witness meets it and another leaves it open; it names its reason in German and
  English;
* fixed by law: the same result whatever is known.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from shared.perspective import (
    PATHWAYS,
    CaseFacts,
    CooperationDuty,
    Departure,
    DepartureObligation,
    LegalAssumptions,
    Pathway,
    Relation,
    RuleVersion,
    Status,
)
from shared.perspective.engine import evaluate_pathway
from shared.perspective.rules.model import Req
from tests.unit.perspective.factories import D, applied, duldung, granted, integrated, member, no, yes
from tests.unit.perspective.witness_kit import Case, Env
from tests.unit.perspective.witnesses import WITNESSES, witnesses

DEFAULT = LegalAssumptions()
ONE_YEAR = timedelta(days=365)

# Everything known: each CaseFacts field holds a value (asserted below).
KNOWN = integrated(
    statuses=[duldung(D(2000, 1, 1))],
    household_members=[member(Relation.SPOUSE, granted("AufenthG_104c", D(2000, 1, 1)), birth=D(1980, 1, 1))],
    unmarried=no(),
    departure_impossible=yes(),
    departure_obstacle_lasting=yes(),
    cooperation_duties=[CooperationDuty(notified_on=D(2000, 1, 1), deadline=D(2000, 2, 1), fulfilled=True)],
    departure_obligations=[DepartureObligation(enforceable_since=D(2000, 1, 1))],
    departures=[Departure(departed_on=D(1999, 1, 1))],
    health_exemption_claimed=no(),
    applications=[applied("AufenthG_25b", D(2000, 1, 1))],
)


def test_the_known_case_knows_every_fact() -> None:
    assert [name for name, value in KNOWN if value is None] == []


def day_in(version: RuleVersion) -> date:
    """A day inside the version: a year after it starts, or its last day."""
    day = version.valid_from + ONE_YEAR
    return min(day, version.valid_to) if version.valid_to else day


def _triples() -> list[tuple[Pathway, RuleVersion, Req]]:
    return [(p, v, pre.req) for p in PATHWAYS for v in p.versions(DEFAULT) for pre in v.predicates]


TRIPLES = _triples()
IDS = [f"{v.id}:{r.key}" for _, v, r in TRIPLES]


def judge(pathway: Pathway, version: RuleVersion, key: str, facts: CaseFacts) -> Status:
    """One prerequisite's status as the engine evaluates the pathway."""
    result = evaluate_pathway(pathway, facts, day_in(version), DEFAULT)
    assert result.rule_version_id == version.id
    return next(p.status for p in result.prerequisites if p.key == key)


def facts_of(setting: dict[str, Any]) -> CaseFacts:
    return CaseFacts(**setting)


def _cases(pathway: Pathway, version: RuleVersion, req: Req) -> list[Case]:
    witness = witnesses(pathway.norm, version.id, req.key)
    assert witness is not None, f"no witness for {version.id}:{req.key} in witnesses.py"
    cases = witness(Env(day_in(version), pathway.application_norm, version.id))
    for setting, _ in cases:
        assert set(setting) <= set(req.facts), f"witness sets undeclared facts {set(setting) - set(req.facts)}"
    return cases


def test_keys_are_unique_within_a_version() -> None:
    for pathway in PATHWAYS:
        for version in pathway.versions(DEFAULT):
            keys = [p.req.key for p in version.predicates]
            assert len(keys) == len(set(keys)), version.id


@pytest.mark.parametrize(("pathway", "version", "req"), TRIPLES, ids=IDS)
def test_every_prerequisite_declares_what_moves_it(pathway: Pathway, version: RuleVersion, req: Req) -> None:
    assert req.declared, "declare facts=(...), discretion=Reason(...) or fixed_by_law=Reason(...)"
    for reason in (req.discretion, req.fixed_by_law):
        assert reason is None or (reason.de and reason.en)


@pytest.mark.parametrize(("pathway", "version", "req"), TRIPLES, ids=IDS)
def test_the_declaration_moves_the_prerequisite(pathway: Pathway, version: RuleVersion, req: Req) -> None:
    nothing = judge(pathway, version, req.key, CaseFacts())
    if req.fixed_by_law:
        assert nothing != Status.UNKNOWN
        assert judge(pathway, version, req.key, KNOWN) == nothing
        return
    forgotten = KNOWN.model_copy(update=dict.fromkeys(req.facts))
    assert (nothing, judge(pathway, version, req.key, forgotten)) == (Status.UNKNOWN, Status.UNKNOWN)
    if not req.facts:
        assert req.discretion and judge(pathway, version, req.key, KNOWN) == Status.UNKNOWN
        return
    cases = _cases(pathway, version, req)
    judged = [(setting, expected, judge(pathway, version, req.key, facts_of(setting))) for setting, expected in cases]
    assert [(s, got) for s, expected, got in judged if got != expected] == []
    wanted = {Status.MET, Status.UNKNOWN} if req.discretion else {Status.MET, Status.NOT_MET}
    assert {expected for _, expected in cases} >= wanted
    assert not req.discretion or Status.NOT_MET not in {expected for _, expected in cases}
    for fact in req.facts:
        moved = [
            s
            for s, expected, _ in judged
            if fact in s and judge(pathway, version, req.key, facts_of(s | {fact: None})) != expected
        ]
        assert moved, f"forgetting {fact} changes no witness: declared but not shown to move {req.key}"


def test_no_witness_is_stale() -> None:
    known = {(v.id, r.key) for _, v, r in TRIPLES} | {(p.norm, r.key) for p, _, r in TRIPLES}
    assert set(WITNESSES) <= known


def test_counts() -> None:
    """The size of the walk (reported with the change): pathways × versions × prerequisites."""
    versions = {v.id for _, v, _ in TRIPLES}
    discretion = [r.key for _, _, r in TRIPLES if r.discretion]
    fixed = [r.key for _, _, r in TRIPLES if r.fixed_by_law]
    assert (len(PATHWAYS), len(versions), len(TRIPLES), len(discretion), len(fixed)) == (13, 24, 167, 3, 2)
