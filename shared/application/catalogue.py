"""A service's command table: each command model with the use case that handles it.

The HTTP API, the file import and the tests read the same table, so a new command
needs one domain method, one command model, one use case and one line in its
service's ``COMMANDS``. Handlers are the Application's methods themselves, named
directly, so a reader (and the type checker) can follow a route to its use case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel

from shared.application.commands import Command
from shared.application.results import Saved

App = TypeVar("App")
C = TypeVar("C", bound=Command)
N = TypeVar("N", bound=BaseModel)


@dataclass(frozen=True)
class CaseCommand(Generic[App, C]):
    """A use case on an existing case: ``handler(app, case_id, command)``."""

    resource: str
    """The collection the command adds to, e.g. ``counselling-sessions`` (its address under the case)."""
    model: type[C]
    handler: Callable[[App, UUID, C], Saved]
    summary_de: str
    adds_entry: bool = True
    """Adds an entry to the case (HTTP 201), rather than changing its state (200)."""

    @property
    def name(self) -> str:
        """The use case's name, as import files and logs call it."""
        return self.handler.__name__


@dataclass(frozen=True)
class NewCaseCommand(Generic[App, N]):
    """A use case that starts a case: ``handler(app, command)``."""

    model: type[N]
    handler: Callable[[App, N], Saved]
    summary_de: str

    @property
    def name(self) -> str:
        """The use case's name, as import files and logs call it."""
        return self.handler.__name__


AnyCommand = CaseCommand[App, Any] | NewCaseCommand[App, Any]
"""One row of a command table."""
