"""The file import under a service account: authorised row by row like the HTTP API, and access-logged.

Proven on in-memory containers with locally minted tokens, verified by the production
verifier: the import runs only under a service account; every row passes the access
table's function level (403 → a refused row) and object level (404: unknown or out of
reach; a subject the import opened itself is its own); a refused row stores nothing and
is logged as a refusal; every imported row has one access-log entry naming the service
account, written with its events (none for a row that failed or was imported before);
the actor fields come from the row, not from the token. ``ServiceAccount`` verifies its
client-credentials token, refuses another client's and renews before expiry; the
import client's development secret is refused in production.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from services.bootstrap import Container, build_container, build_importer
from services.importer import IMPORT_CALLER, ImportRefusedError, ImportReport, ServiceAccount, import_client_id
from shared.access import FieldGroup, Operation, command_group
from shared.access.log import AccessEntry, Outcome
from shared.application.idempotency import IdempotencyScope
from shared.identity.roles import Role
from shared.identity.settings import IdentitySettings
from shared.identity.tokens import Grant, TokenClient
from shared.identity.verifier import InvalidTokenError
from shared.persistence.access_log import MemoryAccessLog
from shared.persistence.memory import InMemoryIdempotencyStore
from shared.service import Service
from shared.settings import ConfigurationError
from tests.support.projection_suite import Feed
from tests.support.tokens import IMPORTERS, WORKERS, Staff, import_identity, verifier
from tests.support.walk import know, open_file, sample


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def run(container: Container, path: Path, account: Staff | None = None) -> ImportReport:
    account = account or IMPORTERS[container.settings.service]
    return build_importer(container, import_identity(account)).import_file(path)


def log_of(container: Container) -> list[AccessEntry]:
    assert isinstance(container.access_log, MemoryAccessLog)
    return container.access_log.entries()


def stored(container: Container) -> int:
    return int(container.app.recorder.max_notification_id() or 0)


def imported(container: Container, ref: str, opening: str) -> Any:
    found = container.idempotency.store.find(
        IdempotencyScope(IMPORT_CALLER, f"{container.settings.service.slug}.{opening}", ref)
    )
    assert found is not None, ref
    return found.saved.case_id


INTAKE_ROWS: list[dict[str, Any]] = [
    {"ref": "alt-1", "command": "register_person", "data": sample("register_person", registered_on="2019-03-04")},
    {
        "ref": "alt-1-z",
        "command": "receive_referral",
        "case_ref": "alt-1",
        "data": {"received_on": "2019-03-04", "source": "school", "reason_codes": ["perspective"]},
    },
    {
        "ref": "alt-1-o",
        "command": "open_case",
        "case_ref": "alt-1",
        "data": {"opened_on": "2019-03-05", "case_manager_id": "st-cmalt03", "actor": "st-clerkalt1"},
    },
]


def test_each_imported_row_writes_one_entry_naming_the_service_account(tmp_path: Path) -> None:
    container = build_container(Service.INTAKE, in_memory=True)

    report = run(container, write(tmp_path / "rows.jsonl", INTAKE_ROWS))

    assert (report.imported, report.failed, report.actor) == (3, 0, "client:kim-import-intake")
    case_id = imported(container, "alt-1", "register_person")
    entries = log_of(container)
    assert [e.route for e in entries] == ["IMPORT register_person", "IMPORT receive_referral", "IMPORT open_case"]
    assert [e.accessor.correlation_id for e in entries] == [f"import:{report.run_id}:{n}" for n in (1, 2, 3)]
    assert [e.field_group for e in entries] == [
        command_group(Service.INTAKE, row["command"]).value for row in INTAKE_ROWS
    ]
    for entry in entries:
        assert (entry.operation, entry.outcome, entry.service) == (Operation.WRITE, Outcome.ALLOWED, Service.INTAKE)
        assert entry.accessor.actor == "client:kim-import-intake" and entry.accessor.client_id == "kim-import-intake"
        assert entry.accessor.roles == ("intake_clerk", "kim_case_manager")
        assert entry.accessor.departments == ("intake",)
        assert (entry.subject_id, entry.case_id) == (case_id, case_id), "the registration's entry gets its case"
        assert entry.grant == "intake_clerk+kim_case_manager/own", "the import's own registration"
        assert entry.basis == "own_task"
    # The actor fields are the historic system's staff ids from the row, never the service account.
    case: Any = container.app.repository.get(case_id)
    assert case.case_manager_id == "st-cmalt03"

    again = run(container, write(tmp_path / "rows.jsonl", INTAKE_ROWS))
    assert (again.skipped, len(log_of(container))) == (3, 3), "a row imported before writes no entry"


def test_a_row_whose_use_case_fails_writes_no_entry(tmp_path: Path) -> None:
    container = build_container(Service.FOREIGN_OFFICE, in_memory=True)
    opening = {"ref": "abh-1", "command": "open_file", "data": sample("open_file", Service.FOREIGN_OFFICE)}
    identity = sample("clarify_identity", clarified_on="2018-02-01")
    rows = [
        opening,
        {"ref": "abh-2", "command": "clarify_identity", "file_ref": "abh-1", "data": identity},
        {"ref": "abh-3", "command": "clarify_identity", "file_ref": "abh-1", "data": identity},  # rule broken
        {"ref": "abh-4", "command": "issue_tolerated_stay", "file_ref": "abh-1", "data": {"subtype": "61"}},  # invalid
    ]

    report = run(container, write(tmp_path / "rows.jsonl", rows))

    assert (report.imported, report.failed) == (2, 2)
    assert [e["line"] for e in report.errors] == [3, 4]
    assert [(e.route, e.outcome) for e in log_of(container)] == [
        ("IMPORT open_file", Outcome.ALLOWED),
        ("IMPORT clarify_identity", Outcome.ALLOWED),
    ]


def test_another_departments_account_is_refused_row_by_row_and_stores_nothing(tmp_path: Path) -> None:
    container = build_container(Service.FOREIGN_OFFICE, in_memory=True)
    file_id = open_file(container.app, Service.FOREIGN_OFFICE, None)
    before = stored(container)
    rows = [
        {"ref": "x-1", "command": "open_file", "data": sample("open_file", Service.FOREIGN_OFFICE)},
        {
            "ref": "x-2",
            "command": "issue_tolerated_stay",
            "file_id": str(file_id),
            "data": sample("issue_tolerated_stay"),
        },
    ]

    report = run(container, write(tmp_path / "rows.jsonl", rows), IMPORTERS[Service.KOBIZ])

    assert (report.imported, report.failed) == (0, 2)
    assert [(e["line"], e["ref"]) for e in report.errors] == [(1, "x-1"), (2, "x-2")]
    assert all(e["error"].startswith("RowRefusedError") for e in report.errors)
    assert stored(container) == before
    store = container.idempotency.store
    assert isinstance(store, InMemoryIdempotencyStore)
    assert not any(scope.caller == IMPORT_CALLER for scope in store.results()), "no ref kept for a refused row"
    refusals = log_of(container)
    assert [(e.outcome, e.field_group, e.subject_id) for e in refusals] == [
        (Outcome.DENIED, FieldGroup.IDENTITY_CORE.value, None),
        (Outcome.DENIED, FieldGroup.STATUS.value, file_id),
    ]
    assert {e.accessor.actor for e in refusals} == {"client:kim-import-kobiz"}
    assert [e.accessor.correlation_id for e in refusals] == [f"import:{report.run_id}:{n}" for n in (1, 2)]


def test_function_level_per_row_a_role_the_account_lacks_refuses_only_its_rows(tmp_path: Path) -> None:
    container = build_container(Service.FOREIGN_OFFICE, in_memory=True)
    abh_only = Staff(
        None, (Role.FOREIGN_OFFICE_CASEWORKER,), (Service.FOREIGN_OFFICE,), "kim-import-foreign-office", True
    )
    rows = [
        {"ref": "p-1", "command": "open_file", "data": sample("open_file", Service.FOREIGN_OFFICE)},
        {
            "ref": "p-2",
            "command": "apply_for_naturalisation",
            "file_ref": "p-1",
            "data": sample("apply_for_naturalisation"),
        },
        {"ref": "p-3", "command": "issue_tolerated_stay", "file_ref": "p-1", "data": sample("issue_tolerated_stay")},
    ]

    report = run(container, write(tmp_path / "rows.jsonl", rows), abh_only)

    assert (report.imported, report.failed) == (2, 1)
    ((error),) = report.errors
    assert error["line"] == 2 and error["error"].startswith("RowRefusedError") and "naturalisation" in error["error"]
    assert [(e.route, e.outcome) for e in log_of(container)] == [
        ("IMPORT open_file", Outcome.ALLOWED),
        ("IMPORT apply_for_naturalisation", Outcome.DENIED),
        ("IMPORT issue_tolerated_stay", Outcome.ALLOWED),
    ]


def test_object_level_kobiz_writes_only_files_the_import_opened(tmp_path: Path) -> None:
    """Kobiz counsellors write their own files only: the import's own are those it opened; others are 404."""
    container = build_container(Service.KOBIZ, in_memory=True)
    case_id = know(container.store, Feed(Service.KOBIZ))
    counsellors_file = open_file(container.app, Service.KOBIZ, case_id)  # opened over HTTP by a counsellor
    before = stored(container)
    certificate = sample("record_language_certificate")
    rows = [
        {"ref": "k-1", "command": "record_language_certificate", "file_id": str(counsellors_file), "data": certificate},
        {"ref": "k-2", "command": "open_file", "data": {"opened_on": "2019-11-01", "case_id": str(case_id)}},
        {"ref": "k-3", "command": "record_language_certificate", "file_ref": "k-2", "data": certificate},
    ]

    report = run(container, write(tmp_path / "rows.jsonl", rows))

    assert (report.imported, report.failed) == (2, 1)
    ((error),) = report.errors
    assert error["line"] == 1 and error["error"].startswith("CaseNotFoundError"), "404: the same as for an unknown file"
    assert stored(container) == before + 2
    entries = log_of(container)
    assert [(e.subject_id, e.outcome) for e in entries] == [
        (counsellors_file, Outcome.DENIED),
        (imported(container, "k-2", "open_file"), Outcome.ALLOWED),
        (imported(container, "k-2", "open_file"), Outcome.ALLOWED),
    ]
    assert entries[2].grant == "kobiz_counsellor/own" and entries[2].case_id == case_id


def test_the_import_runs_only_under_a_service_account(tmp_path: Path) -> None:
    container = build_container(Service.INTAKE, in_memory=True)
    path = write(tmp_path / "rows.jsonl", INTAKE_ROWS)
    with pytest.raises(ImportRefusedError):
        build_importer(container, import_identity(WORKERS[Service.INTAKE])).import_file(path)
    assert stored(container) == 0 and log_of(container) == []
    with pytest.raises(RuntimeError, match="identity"):
        build_importer(container)  # in memory there is no verifier to build the service account with


class MintedTokens(TokenClient):
    """A token client that hands out locally minted tokens of ``staff`` (counts its calls)."""

    def __init__(self, staff: Staff, lifetime_s: int = 3600) -> None:
        super().__init__("http://127.0.0.1:9/token", Grant(staff.client, "unused"))
        self.staff, self.lifetime_s, self.calls = staff, lifetime_s, 0

    def token(self) -> str:
        self.calls += 1
        return self.staff.token(self.lifetime_s)


def test_the_service_account_verifies_its_token_and_renews_it_before_expiry() -> None:
    account = IMPORTERS[Service.KOBIZ]
    tokens = MintedTokens(account)
    identity = ServiceAccount(tokens, verifier(), import_client_id(Service.KOBIZ))
    first = identity()
    assert (first.actor, first.is_service_account, first.staff_id) == ("client:kim-import-kobiz", True, None)
    assert identity() is first and tokens.calls == 1, "kept while valid"

    short = MintedTokens(account, lifetime_s=20)  # less than RENEW_BEFORE_S left: fetched and verified again
    renewing = ServiceAccount(short, verifier(), "kim-import-kobiz")
    renewing()
    renewing()
    assert short.calls == 2

    with pytest.raises(ImportRefusedError):  # a valid token, but of another client
        ServiceAccount(MintedTokens(IMPORTERS[Service.INTAKE]), verifier(), "kim-import-kobiz")()
    with pytest.raises(ImportRefusedError):  # a person's token is no service account
        ServiceAccount(MintedTokens(WORKERS[Service.KOBIZ]), verifier(), "kim-web")()
    with pytest.raises(InvalidTokenError):  # expired: refused by the verifier
        ServiceAccount(MintedTokens(account, lifetime_s=-120), verifier(), "kim-import-kobiz")()


def test_the_import_clients_development_secret_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIM_ENVIRONMENT", "production")
    monkeypatch.delenv("KIM_KEYCLOAK_IMPORT_KOBIZ_SECRET", raising=False)
    settings = IdentitySettings()
    with pytest.raises(ConfigurationError, match="KIM_KEYCLOAK_IMPORT_KOBIZ_SECRET"):
        ServiceAccount.for_import(Service.KOBIZ, verifier(), settings)
    monkeypatch.setenv("KIM_KEYCLOAK_IMPORT_KOBIZ_SECRET", "kim-import-kobiz-dev-secret")
    with pytest.raises(ConfigurationError, match="development default"):
        ServiceAccount.for_import(Service.KOBIZ, verifier(), settings)
    monkeypatch.setenv("KIM_KEYCLOAK_IMPORT_KOBIZ_SECRET", "a-long-production-secret")
    made = ServiceAccount.for_import(Service.KOBIZ, verifier(), settings)
    assert made.tokens.grant == Grant("kim-import-kobiz", "a-long-production-secret")
    assert made.tokens.token_url == settings.token_url


def test_entries_carry_the_time_of_the_import_not_the_valid_time(tmp_path: Path) -> None:
    container = build_container(Service.INTAKE, in_memory=True)
    started = datetime.now(UTC)
    run(container, write(tmp_path / "rows.jsonl", INTAKE_ROWS[:1]))
    (entry,) = log_of(container)
    assert started <= entry.at <= datetime.now(UTC)
    assert entry.at.date() != date(2019, 3, 4)
