"""Import of existing case files: one JSON object per line, each a backdated command.

A Kreis starts with thousands of running cases. Each line names a command of the
department's command table, the case, a stable ``ref`` of the row in the old
system, and the command's fields, whose dates are the facts' valid time (the
recorded time is the moment of the import). Each row runs through the same use
case as the HTTP API, with its ``ref`` as a never-expiring idempotency key of the
caller ``import``: importing a file again changes nothing, and a ref reused for a
different row is reported. A bad row is reported with its line number and field
and stops neither the other rows nor leaves anything half-written.

The import runs under the department's service account (``kim-import-<service>``,
client-credentials grant). Its token is verified like every API token and becomes the
:class:`Principal` every row is authorised for, with the HTTP API's decision: the
function level (the access table: may the account write the command's field group in
this service at all) and the object level (does its scope reach the case or file). A
refused row is reported and stores nothing. A service account has no staff id: the
actor fields of a row (``actor``, ``decided_by``, ``counsellor_id``, ``case_manager_id``,
…) are the historic system's pseudonymous staff ids from the row itself, validated by
the command model, while the access log names the service account
(``client:kim-import-<service>``). Each imported row writes its access-log entry in the
transaction of its events (correlation id ``import:<run id>:<line>``); a refusal is
logged as one, like a refused HTTP request.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.access import FieldGroup, Operation, Relation, command_group
from shared.access.decide import ReachLookup
from shared.access.log import AccessLog, ReadEntries
from shared.application.base import CaseApplication
from shared.application.catalogue import AnyCommand, NewCaseCommand
from shared.application.idempotency import Idempotency, IdempotencyScope, Outcome, fingerprint
from shared.application.recording import written_with
from shared.application.results import Saved
from shared.errors import CaseNotFoundError, KimError
from shared.http.access import Authorised, authorise, forbidden, rights_of
from shared.http.access_log import accessor_of, command_entries
from shared.identity.principal import Principal
from shared.identity.settings import IdentitySettings
from shared.identity.tokens import RENEW_BEFORE_S, Grant, TokenClient
from shared.identity.verifier import TokenVerifier
from shared.service import Service
from shared.settings import secret_from_env

Progress = Callable[[int], None]
IMPORT_CALLER = "import"
"""The idempotency scope of imported rows; their keys never expire."""
Identity = Callable[[], Principal]
"""The verified principal the rows are authorised for (renewed by the callable when its token expires)."""


def import_client_id(service: Service) -> str:
    """The department's import client in the realm: ``kim-import-intake``, ``kim-import-foreign-office``, …"""
    return f"kim-import-{service.slug}"


def import_secret_variable(service: Service) -> str:
    """``KIM_KEYCLOAK_IMPORT_<SERVICE>_SECRET``: the import client's secret (dev default refused in production)."""
    return f"KIM_KEYCLOAK_IMPORT_{service.value.upper()}_SECRET"


class ImportRefusedError(KimError):
    """The import as a whole may not run (a token that is not the department's service account)."""


class ServiceAccount:
    """The import's identity: a client-credentials token of ``kim-import-<service>``, verified as the API verifies.

    The principal is kept while its token is valid for more than ``RENEW_BEFORE_S``
    seconds; then a fresh token is fetched and verified again, so a long import never
    runs on an expired identity. Tokens are never logged.
    """

    def __init__(self, tokens: TokenClient, verifier: TokenVerifier, client_id: str) -> None:
        self.tokens, self.verifier, self.client_id = tokens, verifier, client_id
        self._lock = threading.Lock()
        self._principal: Principal | None = None

    @classmethod
    def for_import(cls, service: Service, verifier: TokenVerifier, identity: IdentitySettings) -> ServiceAccount:
        """The department's import account, its secret from ``KIM_KEYCLOAK_IMPORT_<SERVICE>_SECRET``."""
        client_id = import_client_id(service)
        secret = secret_from_env(import_secret_variable(service)).get_secret_value()
        return cls(TokenClient(identity.token_url, Grant(client_id, secret)), verifier, client_id)

    def __call__(self) -> Principal:
        with self._lock:
            now = datetime.now(UTC)
            if self._principal is None or self._principal.expires_at - now < timedelta(seconds=RENEW_BEFORE_S):
                principal = self.verifier.verify(self.tokens.token())
                if not principal.is_service_account or principal.client_id != self.client_id:
                    msg = f"Das Token gehört nicht zum Dienstkonto {self.client_id}."
                    raise ImportRefusedError(msg)
                self._principal = principal
            return self._principal


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
    run_id: str = ""
    """Names the run in the access log: correlation ids ``import:<run id>:<line>``."""
    actor: str = ""
    """Who imported, as the access log names it (``client:kim-import-kobiz``)."""

    @property
    def total(self) -> int:
        return self.imported + self.skipped + self.failed


class RowError(KimError):
    """A row that cannot be run (reported, not raised to the caller)."""


class RowRefusedError(KimError):
    """The service account may not write this row (the HTTP API's 403)."""


@dataclass(frozen=True)
class Importer:
    """Runs import rows through a service's use cases under a service account, once per row ref."""

    service: Service
    app: CaseApplication
    commands: tuple[AnyCommand[Any], ...]
    idempotency: Idempotency
    """Over the service's idempotency store, with no retention: imported refs are kept."""
    identity: Identity
    """The service account's verified principal (``ServiceAccount`` in production, a minted token in tests)."""
    reach: ReachLookup
    """Who works on which case here: the object-level check, as for the HTTP API."""
    access_log: AccessLog

    def import_file(self, path: Path, progress: Progress | None = None, run_id: str | None = None) -> ImportReport:
        """Import every row of ``path``; never stop on a bad or refused row."""
        principal = self.identity()  # before the first row: a bad account stops the run, not each row
        if not principal.is_service_account:
            msg = "Der Import läuft nur unter einem Dienstkonto (client credentials), nicht unter einer Person."
            raise ImportRefusedError(msg)
        report = ImportReport(run_id=run_id or uuid4().hex[:12], actor=principal.actor)
        for number, line in rows(path):
            outcome = self.import_line(line, number, report.run_id)
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

    def import_line(self, line: str, number: int = 0, run_id: str = "-") -> bool | dict[str, Any]:
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
        group = command_group(self.service, command.name)
        principal = self.identity()
        entries = ReadEntries(
            self.service,
            accessor_of(principal, f"import:{run_id}:{number}"),
            f"IMPORT {command.name}",
            datetime.now(UTC),
        )
        try:
            target, opened_here = (None, False) if isinstance(command, NewCaseCommand) else self._target(row)
        except KimError as exc:
            return {"ref": row.ref, "error": f"{type(exc).__name__}: {exc}"}
        try:
            who = self._authorise(principal, group, target, opened_here)
        except (RowRefusedError, CaseNotFoundError) as exc:
            # Refused like an HTTP request (403, or 404 for unknown or out of reach): logged, nothing stored.
            self.access_log.record([entries.denied(target, group, Operation.WRITE)])
            return {"ref": row.ref, "error": f"{type(exc).__name__}: {exc}"}
        try:
            cmd = command.model.model_validate(row.data)
            with written_with(self.access_log.written_with_command(command_entries(entries, who, group, target))):
                return not self._run(command, row, cmd, target).duplicate
        except ValidationError as exc:
            return {"ref": row.ref, "error": _first(exc)}
        except KimError as exc:
            return {"ref": row.ref, "error": f"{type(exc).__name__}: {exc}"}

    def _authorise(
        self, principal: Principal, group: FieldGroup, subject_id: UUID | None, opened_here: bool
    ) -> Authorised:
        """The HTTP API's two checks for a command on ``group`` of ``subject_id`` (None: it starts one).

        403 (no role of the account may write the group here) becomes :class:`RowRefusedError`;
        404 (unknown, or out of the account's reach) stays :class:`CaseNotFoundError`, the same
        answer for both. A subject the import opened itself (named by ``case_ref``/``file_ref``:
        the stored result of its opening row) is the account's own, as a case or file is its
        opener's over HTTP: a service account has no staff id to be assigned by.
        """
        try:
            if subject_id is None or not opened_here:
                return authorise(principal, self.service, group, Operation.WRITE, self.reach, subject_id)
            rights = rights_of(principal, self.service)
            if not rights.may_at_all(group, Operation.WRITE):
                raise forbidden()
            found = self.reach.of_subject(subject_id)
            relation = Relation.OWN if found.known else Relation.NONE
            if not rights.may(group, Operation.WRITE, relation):
                raise CaseNotFoundError(subject_id)
            return Authorised(principal, rights, relation, found)
        except HTTPException:
            msg = f"das Dienstkonto darf die Feldgruppe {group.value} hier nicht schreiben"
            raise RowRefusedError(msg) from None

    def _run(self, command: AnyCommand[Any], row: ImportRow, cmd: BaseModel, target: UUID | None) -> Outcome:
        scope = IdempotencyScope(IMPORT_CALLER, self._operation(command.name), row.ref)
        if isinstance(command, NewCaseCommand):

            def register() -> Saved:
                return command.handler(self.app, cmd)

            return self.idempotency.run(scope, fingerprint(scope.operation, None, cmd), register)
        assert target is not None

        def run() -> Saved:
            return command.handler(self.app, target, cmd)

        return self.idempotency.run(scope, fingerprint(scope.operation, target, cmd), run)

    def _target(self, row: ImportRow) -> tuple[UUID, bool]:
        """The case (intake) or the department's file the row acts on, by id or by the ref of its opening row,
        and whether the import opened it (named by ref)."""
        if self.service is Service.INTAKE:
            given, ref, wrong = row.case_id, row.case_ref, ("file_id", "file_ref")
            names, opening, label = ("case_id", "case_ref"), "register_person", "Registrierung"
        else:
            given, ref, wrong = row.file_id, row.file_ref, ("case_id", "case_ref")
            names, opening, label = ("file_id", "file_ref"), "open_file", "Aktenanlage"
        if any(getattr(row, name) is not None for name in wrong):
            raise RowError(f"{' / '.join(wrong)} gilt hier nicht: {names[0]} oder {names[1]} angeben")
        if given is not None:
            return given, False
        if ref is None:
            raise RowError(f"{names[0]} oder {names[1]} fehlt")
        stored = self.idempotency.store.find(IdempotencyScope(IMPORT_CALLER, self._operation(opening), ref))
        if stored is None:
            raise RowError(f"{names[1]} {ref}: keine importierte {label}")
        return stored.saved.case_id, True

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
