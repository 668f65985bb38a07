"""The commands that record the pathways' facts take explicit answers and refuse what cannot be true.

An assessment answers at least one of its questions (None: not assessed), so that an
empty one cannot pass for a "no"; a ban names its ground exactly when it bans; periods do
not end before they begin; a household names each member once. The answers given are
what the published event carries, grounds and references excluded.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from pydantic import BaseModel, ValidationError

from services.bootstrap import build_container
from services.foreign_office import fact_commands as fc
from services.intake import commands as ic
from services.kobiz import commands as kc
from shared.service import Service
from tests.support.walk import body, walk

ON = date(2026, 1, 5)


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (fc.AssessIdentity, {"assessed_on": ON}),
        (fc.AssessDepartureObstacle, {"assessed_on": ON}),
        (fc.AssessSecurity, {"assessed_on": ON}),
        (fc.RecordDeclarations, {"declared_on": ON}),
        (kc.AssessSchooling, {"assessed_on": ON}),
        (kc.AssessQualifications, {"assessed_on": ON}),
        (kc.AssessBasicKnowledge, {"assessed_on": ON}),
        (kc.AssessLivelihood, {"assessed_on": ON}),
    ],
    ids=lambda x: x.__name__ if isinstance(x, type) else "",
)
def test_an_assessment_answers_at_least_one_question(model: type[BaseModel], data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="mindestens eine Angabe"):
        model.model_validate(data)


def test_a_ban_names_its_ground_exactly_when_it_bans() -> None:
    fc.AssessEmploymentBan(assessed_on=ON, banned=False)
    with pytest.raises(ValidationError, match="ground"):
        fc.AssessEmploymentBan(assessed_on=ON, banned=True)
    with pytest.raises(ValidationError, match="ground"):
        fc.AssessEmploymentBan.model_validate({"assessed_on": ON, "banned": False, "ground": "entered_for_benefits"})


def test_periods_and_households_must_be_possible() -> None:
    with pytest.raises(ValidationError, match="valid_until"):
        fc.RecordAsylumPermission(valid_from=ON, valid_until=date(2025, 1, 1))
    fc.RecordAsylumPermission(valid_from=ON)  # the procedure still runs
    member = {"member_ref": str(uuid4()), "relation": "child", "birth_date": "2015-03-01"}
    with pytest.raises(ValidationError, match="member_ref"):
        ic.RecordHousehold.model_validate({"recorded_on": ON, "members": [member, member]})
    late = member | {"living_together_since": "2020-01-01", "living_together_until": "2019-01-01"}
    with pytest.raises(ValidationError, match="living_together_until"):
        ic.RecordHousehold.model_validate({"recorded_on": ON, "members": [late]})
    ic.RecordHousehold.model_validate({"recorded_on": ON, "members": []})  # lives alone


def test_the_foreign_office_publishes_answers_but_never_grounds_or_references() -> None:
    app = build_container(Service.FOREIGN_OFFICE, in_memory=True).app
    file_id, _ = walk(
        app, Service.FOREIGN_OFFICE, None, ["open_file", "assess_employment_ban", "record_employment_agency_consent"]
    )
    domain_events = [app.mapper.to_domain_event(s) for s in app.recorder.select_events(file_id)]
    published = [p.model_dump(mode="json") for e in domain_events if (p := app.translate(e, file_id)) is not None]
    assert [(p["banned"] if "banned" in p else p["consented"]) for p in published] == [True, True]
    assert "ground" not in str(published) and body("record_employment_agency_consent")["reference"] not in str(
        published
    )
