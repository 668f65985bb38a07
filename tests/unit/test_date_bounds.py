"""Every date of every command lies in a plausible range and every period is ordered: 422 naming the field.

Generated over the command tables: a new command with a date field is covered without a new test.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from pydantic import BaseModel, ValidationError

from shared.application.commands import DATE_PAIRS
from shared.events.common import EARLIEST_DATE, LATEST_DATE
from shared.service import Service
from tests.support.walk import COMMANDS, sample

CASES = [(service, spec.name, spec.model) for service in Service for spec in COMMANDS[service]]


def valid_body(name: str, service: Service) -> dict[str, Any]:
    """The walk's sample, with a real id where it names the KIM case by a placeholder."""
    return {k: str(uuid4()) if v == "<the KIM case>" else v for k, v in sample(name, service).items()}


def date_fields(model: type[BaseModel], data: dict[str, Any]) -> list[str]:
    """The top-level fields of a valid body that hold a date."""
    return [name for name, value in data.items() if name in model.model_fields and _is_date(value)]


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def locs(exc: ValidationError) -> list[tuple[Any, ...]]:
    return [tuple(e["loc"]) for e in exc.errors()]


@pytest.mark.parametrize(("service", "name", "model"), CASES, ids=[f"{s.value}-{n}" for s, n, _ in CASES])
def test_dates_outside_the_plausible_range_are_refused_naming_the_field(
    service: Service, name: str, model: type[BaseModel]
) -> None:
    valid = valid_body(name, service)
    model.model_validate(valid)  # the sample itself is valid
    for field in date_fields(model, valid):
        for day in (date(9999, 12, 31), date(1, 1, 1), date(LATEST_DATE.year + 1, 1, 1)):
            with pytest.raises(ValidationError) as refused:
                model.model_validate(valid | {field: day.isoformat()})
            assert (field,) in locs(refused.value), (field, day, locs(refused.value))
        model.model_validate(valid | {field: valid[field]})


PAIRED = [
    (service, name, model, first, second)
    for service, name, model in CASES
    for first, second in DATE_PAIRS
    if first in model.model_fields and second in model.model_fields
]


@pytest.mark.parametrize(
    ("service", "name", "model", "first", "second"), PAIRED, ids=[f"{s.value}-{n}-{b}" for s, n, _, _, b in PAIRED]
)
def test_every_period_is_ordered(service: Service, name: str, model: type[BaseModel], first: str, second: str) -> None:
    valid = valid_body(name, service) | {first: "2026-03-10", second: "2026-03-09"}
    with pytest.raises(ValidationError) as refused:
        model.model_validate(valid)
    assert second in str(refused.value) and first in str(refused.value)
    model.model_validate(valid | {second: "2026-03-10"})  # a period of one day is fine


def test_there_are_periods_to_check() -> None:
    assert len(PAIRED) >= 8, PAIRED
    assert EARLIEST_DATE < LATEST_DATE
