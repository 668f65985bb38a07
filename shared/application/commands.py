"""The base of every command model: validated input of a use case, free of any transport.

Commands are validated as sent: no whitespace is stripped before the constraints
apply, so the schema's lengths and patterns are exactly what a use case accepts.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

NOT_BLANK = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
"""Some character that is not whitespace (spelled out, so JSON Schema, pydantic and Python agree)."""


def _text(max_length: int) -> StringConstraints:
    return StringConstraints(min_length=1, max_length=max_length, pattern=NOT_BLANK)


# Required free text: not blank, at most N characters as sent; trimmed once valid.
Text200 = Annotated[str, _text(200), AfterValidator(str.strip)]
Text300 = Annotated[str, _text(300), AfterValidator(str.strip)]
Text500 = Annotated[str, _text(500), AfterValidator(str.strip)]
Text5000 = Annotated[str, _text(5000), AfterValidator(str.strip)]


class Command(BaseModel):
    """Base of every command body."""

    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(
        None, ge=0, description="Optimistic concurrency: the version the caller last saw (0: no file yet)."
    )


class Correctable(Command):
    """A command whose event may correct an earlier one of the same kind."""

    corrects: UUID | None = Field(None, description="The event id (from the case history) this entry corrects.")
