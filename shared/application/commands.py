"""The base of every command model: validated input of a use case, free of any transport.

Commands are validated as sent: no whitespace is stripped before the constraints
apply, so the schema's lengths and patterns are exactly what a use case accepts.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from shared.events.common import EARLIEST_DATE, LATEST_DATE, PLAUSIBLE_DATE_PATTERN

NOT_BLANK = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
"""Some character that is not whitespace (spelled out, so JSON Schema, pydantic and Python agree)."""


def _text(max_length: int) -> StringConstraints:
    return StringConstraints(min_length=1, max_length=max_length, pattern=NOT_BLANK)


# Required free text: not blank, at most N characters as sent; trimmed once valid.
Text200 = Annotated[str, _text(200), AfterValidator(str.strip)]
Text300 = Annotated[str, _text(300), AfterValidator(str.strip)]
Text500 = Annotated[str, _text(500), AfterValidator(str.strip)]
Text5000 = Annotated[str, _text(5000), AfterValidator(str.strip)]


ACROSS_FIELDS = "across_fields"
"""The error type of a rule across fields that is reported at the one field a person corrects (a form
version not in force on the consent's first day): valid alone, refused together; JSON Schema cannot say it."""


def across_fields(message: str) -> PydanticCustomError:
    """A rule across fields, reported at the field it is raised for, with its own (German) message."""
    return PydanticCustomError(ACROSS_FIELDS, message)


DATE_PAIRS: tuple[tuple[str, str], ...] = (
    ("valid_from", "valid_until"),
    ("issued_on", "valid_until"),
    ("starts_on", "ends_on"),
    ("starts_on", "terminated_on"),
    ("from_on", "until_on"),
    ("living_together_since", "living_together_until"),
)
"""Date fields that form a period wherever a command has both: the second may not lie before the first."""


def _check_dates(value: Any) -> Any:
    for day in value if isinstance(value, list) else [value]:
        if isinstance(day, date) and not EARLIEST_DATE <= day <= LATEST_DATE:
            msg = f"Datum zwischen {EARLIEST_DATE.isoformat()} und {LATEST_DATE.isoformat()} erwartet"
            raise ValueError(msg)
    return value


def _bound_dates(node: dict[str, Any]) -> None:
    if node.get("type") == "string" and node.get("format") == "date":
        node.setdefault("pattern", PLAUSIBLE_DATE_PATTERN)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(key, []):
            _bound_dates(sub)
    if isinstance(node.get("items"), dict):
        _bound_dates(node["items"])


class DatedModel(BaseModel):
    """A command or a part of one: every date lies in a plausible range and every period is ordered.

    The range (``EARLIEST_DATE``..``LATEST_DATE``) keeps period arithmetic far from the
    calendar's ends (a Duldung "valid until 9999-12-31" is refused, not evaluated); the
    pairs are :data:`DATE_PAIRS`. Both fail as 422 naming the field.
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _plausible_dates(cls, value: Any) -> Any:
        return _check_dates(value)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """The schema says what is taken: every date of the model carries the plausible range as its pattern."""
        schema = handler(core_schema)
        for prop in handler.resolve_ref_schema(schema).get("properties", {}).values():
            _bound_dates(prop)
        return schema

    @model_validator(mode="after")
    def _ordered_periods(self) -> Self:
        for first, second in DATE_PAIRS:
            start, end = getattr(self, first, None), getattr(self, second, None)
            if isinstance(start, date) and isinstance(end, date) and end < start:
                msg = f"{second} darf nicht vor {first} liegen"
                raise ValueError(msg)
        return self


class Command(DatedModel):
    """Base of every command body."""

    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(
        None, ge=0, description="Optimistic concurrency: the version the caller last saw (0: no file yet)."
    )
    actor: str | None = Field(
        None,
        exclude=True,
        pattern=r"^st-[a-z0-9]{4,32}$",
        description="The member of staff who sends the command (from the access token, never from the body).",
    )


class Correctable(Command):
    """A command whose event may correct an earlier one of the same kind."""

    corrects: UUID | None = Field(None, description="The event id (from the case history) this entry corrects.")
