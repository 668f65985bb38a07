"""Import of existing case files: one JSON object per line, each a backdated command.

A Kreis starts with thousands of running cases. Each line names a command of the
department's command table, the case, a stable ``ref`` of the row in the old
system, and the command's fields, whose dates are the facts' valid time (the
recorded time is the moment of the import). Each row runs through the same use
case as the HTTP API, with its ``ref`` as a never-expiring idempotency key of the
caller ``import``: importing a file again changes nothing, and a ref reused for a
different row is reported. A bad row is reported with its line number and field
and stops neither the other rows nor leaves anything half-written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.application.base import CaseApplication
from shared.application.catalogue import AnyCommand, NewCaseCommand
from shared.application.idempotency import Idempotency, IdempotencyScope, Outcome, fingerprint
from shared.application.results import Saved
from shared.errors import KimError
from shared.service import Service

Progress = Callable[[int], None]
IMPORT_CALLER = "import"
"""The idempotency scope of imported rows; their keys never expire."""


class ImportRow(BaseModel):
    """One line of an import file."""

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(min_length=1, max_length=200, description="Stable id of the row in the old system")
    command: str = Field(description="A command name of the department, e.g. issue_tolerated_stay")
    case_id: UUID | None = Field(None, description="Intake: the KIM case id")
    case_ref: str | None = Field(None, description="Intake: the ref of the row that registered the person")
    file_id: UUID | None = Field(None, description="Foreign office, Kobiz: the department's file id")
    file_ref: str | None = Field(None, description="Foreign office, Kobiz: the ref of the row that opened the file")
    data: dict[str, Any] = Field(default_factory=dict)


@dataclass
class ImportReport:
    """What an import did, row by row."""

    imported: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.imported + self.skipped + self.failed


class RowError(KimError):
    """A row that cannot be run (reported, not raised to the caller)."""


@dataclass(frozen=True)
class Importer:
    """Runs import rows through a service's use cases, once per row ref."""

    service: Service
    app: CaseApplication
    commands: tuple[AnyCommand[Any], ...]
    idempotency: Idempotency
    """Over the service's idempotency store, with no retention: imported refs are kept."""

    def import_file(self, path: Path, progress: Progress | None = None) -> ImportReport:
        """Import every row of ``path``; never stop on a bad row."""
        report = ImportReport()
        for number, line in rows(path):
            outcome = self.import_line(line)
            if outcome is True:
                report.imported += 1
            elif outcome is False:
                report.skipped += 1
            else:
                report.failed += 1
                report.errors.append({"line": number, **outcome})
            if progress:
                progress(1)
        return report

    def import_line(self, line: str) -> bool | dict[str, Any]:
        """True: imported; False: imported before; else the error to report."""
        try:
            row = ImportRow.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            return {"ref": None, "error": f"kein gültiges JSON: {exc.msg}"}
        except ValidationError as exc:
            return {"ref": None, "error": _first(exc)}
        command = next((c for c in self.commands if c.name == row.command), None)
        if command is None:
            return {"ref": row.ref, "error": f"unbekannter Befehl: {row.command}"}
        try:
            cmd = command.model.model_validate(row.data)
            return not self._run(command, row, cmd).duplicate
        except ValidationError as exc:
            return {"ref": row.ref, "error": _first(exc)}
        except KimError as exc:
            return {"ref": row.ref, "error": f"{type(exc).__name__}: {exc}"}

    def _run(self, command: AnyCommand[Any], row: ImportRow, cmd: BaseModel) -> Outcome:
        scope = IdempotencyScope(IMPORT_CALLER, self._operation(command.name), row.ref)
        if isinstance(command, NewCaseCommand):

            def register() -> Saved:
                return command.handler(self.app, cmd)

            return self.idempotency.run(scope, fingerprint(scope.operation, None, cmd), register)
        target = self._target(row)

        def run() -> Saved:
            return command.handler(self.app, target, cmd)

        return self.idempotency.run(scope, fingerprint(scope.operation, target, cmd), run)

    def _target(self, row: ImportRow) -> UUID:
        """The case (intake) or the department's file the row acts on, by id or by the ref of its opening row."""
        if self.service is Service.INTAKE:
            given, ref, wrong = row.case_id, row.case_ref, ("file_id", "file_ref")
            names, opening, label = ("case_id", "case_ref"), "register_person", "Registrierung"
        else:
            given, ref, wrong = row.file_id, row.file_ref, ("case_id", "case_ref")
            names, opening, label = ("file_id", "file_ref"), "open_file", "Aktenanlage"
        if any(getattr(row, name) is not None for name in wrong):
            raise RowError(f"{' / '.join(wrong)} gilt hier nicht: {names[0]} oder {names[1]} angeben")
        if given is not None:
            return given
        if ref is None:
            raise RowError(f"{names[0]} oder {names[1]} fehlt")
        stored = self.idempotency.store.find(IdempotencyScope(IMPORT_CALLER, self._operation(opening), ref))
        if stored is None:
            raise RowError(f"{names[1]} {ref}: keine importierte {label}")
        return stored.saved.case_id

    def _operation(self, name: str) -> str:
        return f"{self.service.slug}.{name}"


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def rows(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def _first(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc']) or 'row'}: {err['msg']}"
