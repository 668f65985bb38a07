"""Import of existing case files: one JSON object per line, each a backdated command.

A Kreis starts with thousands of running cases. Each line names a command of the
department's API, the case, a stable ``ref`` of the row in the old system, and the
command's fields, whose dates are the facts' valid time (the recorded time is the
moment of the import). Importing a file again changes nothing: each aggregate
remembers the refs it imported. A bad row is reported with its line number and
field and stops neither the other rows nor leaves anything half-written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.application import CaseApplication
from shared.commands import CommandSpec
from shared.errors import ConcurrentModificationError, KimError
from shared.settings import Service

Progress = Callable[[int], None]


class ImportRow(BaseModel):
    """One line of an import file."""

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(min_length=1, max_length=200, description="Stable id of the row in the old system")
    command: str = Field(description="A command name of the department's API, e.g. issue_tolerated_stay")
    case_id: UUID | None = Field(None, description="The KIM case id")
    case_ref: str | None = Field(None, description="Intake only: the ref of the row that registered the person")
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


def commands_of(service: Service) -> dict[str, CommandSpec]:
    from services.foreign_office.schemas import COMMANDS as FO
    from services.intake.schemas import COMMANDS as INTAKE
    from services.kobiz.schemas import COMMANDS as KOBIZ

    table = {Service.INTAKE: INTAKE, Service.FOREIGN_OFFICE: FO, Service.KOBIZ: KOBIZ}[service]
    return {spec.name: spec for spec in table}


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def rows(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def import_file(service: Service, app: CaseApplication, path: Path, progress: Progress | None = None) -> ImportReport:
    """Import every row of ``path``; never stop on a bad row."""
    specs = commands_of(service)
    report = ImportReport()
    for number, line in rows(path):
        outcome = _import_line(service, app, specs, line)
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


def _import_line(
    service: Service, app: CaseApplication, specs: dict[str, CommandSpec], line: str
) -> bool | dict[str, Any]:
    try:
        row = ImportRow.model_validate(json.loads(line))
    except json.JSONDecodeError as exc:
        return {"ref": None, "error": f"kein gültiges JSON: {exc.msg}"}
    except ValidationError as exc:
        return {"ref": None, "error": _first(exc)}
    spec = specs.get(row.command)
    if spec is None:
        return {"ref": row.ref, "error": f"unbekannter Befehl: {row.command}"}
    try:
        cmd = spec.model.model_validate(row.data)
    except ValidationError as exc:
        return {"ref": row.ref, "error": _first(exc)}
    for _attempt in range(3):
        try:
            return _run(service, app, spec, row, cmd)
        except ConcurrentModificationError:
            continue  # someone worked on the case meanwhile: load it again
        except KimError as exc:
            return {"ref": row.ref, "error": f"{type(exc).__name__}: {exc}"}
    return {"ref": row.ref, "error": "Der Fall wurde wiederholt gleichzeitig geändert."}


def _run(service: Service, app: CaseApplication, spec: CommandSpec, row: ImportRow, cmd: Any) -> bool:
    if spec.creates_case:
        return app.import_registration(cmd, row.ref) is not None  # type: ignore[attr-defined]
    case_id = row.case_id
    if case_id is None and row.case_ref and service is Service.INTAKE:
        from services.intake.application import IMPORT_NAMESPACE

        case_id = uuid5(IMPORT_NAMESPACE, row.case_ref)
    if case_id is None:
        raise _RowError("case_id fehlt")
    return app.handle(spec.name, case_id, cmd, import_ref=row.ref) is not None


class _RowError(KimError):
    pass


def _first(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc']) or 'row'}: {err['msg']}"
