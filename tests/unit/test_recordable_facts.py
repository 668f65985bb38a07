"""Every prerequisite of every pathway and rule version is moved by facts a caseworker can record.

Generated, like tests/unit/perspective/test_declarations.py, from the pathway definitions
and the same witnesses (settings of only a prerequisite's declared facts, with the status
each must give on a day inside the version). Here each witness is recorded through the
use cases of the three services, built by the composition root and joined in memory
(tests/support/exchange.py): intake registers the person and records the consent, Kobiz
opens its counselling file, and only then is each fact recorded by the command of the
department that owns it (tests/support/recording.py). Proven for each prerequisite
decided by facts:

* before anything of the witness is recorded, the foreign office's view of the case
  leaves it unknown;
* once recorded, the Perspektive of the foreign office's own file gives the witness's
  status, so that the recorded facts move it from unknown to met, and others to not met
  (to open, for what the engine leaves to a person's discretion);
* a value no command can record fails, naming the field and the value.

Prerequisites the engine deliberately leaves to a person, or that the law fixes, name
their reason in their declaration (shared/perspective/rules/, checked there too).
"""

from __future__ import annotations

from datetime import date

import pytest

from shared.perspective import CaseFacts, EmploymentSpell, Pathway, RuleVersion, Status
from shared.perspective.results import Perspective
from shared.perspective.rules.model import Req
from tests.support.exchange import Exchange
from tests.support.recording import NoRecordingPath, plan
from tests.support.recording_fields import ENCODERS, JOINT
from tests.unit.perspective.test_declarations import TRIPLES, day_in
from tests.unit.perspective.witness_kit import Env
from tests.unit.perspective.witnesses import witnesses

BY_FACTS = [(p, v, r) for p, v, r in TRIPLES if r.facts]
IDS = [f"{v.id}:{r.key}" for _, v, r in BY_FACTS]


@pytest.fixture
def exchange() -> Exchange:
    """The three services for one prerequisite (cheap to build; the in-memory views copy their state per
    transaction, so one per prerequisite keeps them small); every witness is a person of its own."""
    return Exchange()


def status(result: Perspective, pathway: Pathway, version: RuleVersion, key: str) -> Status:
    judged = result.pathway(pathway.norm)
    assert judged.rule_version_id == version.id
    return next(Status(p.status) for p in judged.prerequisites if p.key == key)


@pytest.mark.parametrize(("pathway", "version", "req"), BY_FACTS, ids=IDS)
def test_recorded_facts_move_the_prerequisite(
    exchange: Exchange, pathway: Pathway, version: RuleVersion, req: Req
) -> None:
    on = day_in(version)
    witness = witnesses(pathway.norm, version.id, req.key)
    assert witness is not None, f"no witness for {version.id}:{req.key}"
    reached = []
    for setting, expected in witness(Env(on, pathway.application_norm, version.id)):
        recording = plan(setting, on)
        person = exchange.enter(recording)
        assert status(exchange.case_view(person, on), pathway, version, req.key) is Status.UNKNOWN, setting
        exchange.record(person, recording)
        got = status(exchange.file_view(person, on), pathway, version, req.key)
        assert got is expected, (setting, [(s.service.value, s.name, s.body) for s in recording.steps])
        reached.append(got)
    wanted = {Status.MET, Status.UNKNOWN} if req.discretion else {Status.MET, Status.NOT_MET}
    assert set(reached) >= wanted


def test_every_fact_has_a_recording_path() -> None:
    joint = {name for fields, _ in JOINT for name in fields}
    assert set(CaseFacts.model_fields) - set(ENCODERS) - joint == {"birth_date"}


def test_a_value_without_a_recording_path_fails_naming_the_fact_and_the_value() -> None:
    ended = EmploymentSpell(since=date(2020, 1, 1), until=date(2021, 1, 1), hours_per_week=40, social_insurance=True)
    with pytest.raises(NoRecordingPath, match=r"no command records employment = .*until=datetime.date\(2021, 1, 1\)"):
        plan({"employment": [ended]}, date(2026, 1, 1))


def test_discretion_is_listed_with_its_reason() -> None:
    left = {(v.id, r.key): r.discretion for _, v, r in TRIPLES if r.discretion}
    assert left, "the engine leaves some judgements to a person"
    assert all(reason.de and reason.en for reason in left.values())
