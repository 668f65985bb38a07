"""File import of running cases (services.importer) on in-memory containers.

Proven: backdated rows become events whose dates are the facts' valid time (the
recorded time is the import); importing the same file again changes nothing; a bad
row (bad JSON, unknown command, invalid field, unknown case, broken rule) is reported
with its line number and stops neither the other rows nor leaves anything behind; the
progress callback is called once per row; a row imported before stays skipped after
the case (intake, Kobiz) or the file (the foreign office) closed; a ref reused for a
different row is reported and stores nothing. Imported refs are idempotency keys of
the caller ``import`` (no RowImported events, random case and file ids). Intake's
rows name their case by ``case_id`` or ``case_ref`` (resolved through the stored
result of the registration row); a department's rows name its own file by
``file_id`` or ``file_ref`` (the ref of the row that opened the file), as
``ImportRow`` declares.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import DomainEvent

from services.bootstrap import Container, build_container, build_importer
from services.foreign_office.application import ForeignOfficeApplication
from services.importer import IMPORT_CALLER, ImportReport, count_lines
from services.intake.application import IntakeApplication
from services.kobiz.application import KobizApplication
from shared.application.idempotency import IdempotencyScope
from shared.persistence.memory import InMemoryIdempotencyStore
from shared.service import Service
from tests.support.projection_suite import Feed
from tests.support.tokens import IMPORTERS, import_identity
from tests.support.walk import close_known, know, open_file, sample


def write(path: Path, lines: list[Any]) -> Path:
    """One line per row; dicts become JSON, strings are written as they are."""
    path.write_text(
        "\n".join(json.dumps(line) if isinstance(line, dict) else line for line in lines) + "\n", encoding="utf-8"
    )
    return path


def notifications(container: Container) -> int:
    return int(container.app.recorder.max_notification_id() or 0)


def published_events(container: Container, aggregate_id: UUID, case_id: UUID | None = None) -> list[Any]:
    """The integration events the service would publish for its case or file, in stored order."""
    app = container.app
    found = []
    for n in app.recorder.select_notifications(start=1, limit=1000):
        if n.originator_id != aggregate_id:
            continue
        if (event := app.translate(app.mapper.to_domain_event(n), case_id or aggregate_id)) is not None:
            found.append(event)
    return found


def recorded_times(container: Container, case_id: UUID) -> list[datetime]:
    app = container.app
    events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start=1, limit=1000)]
    return [e.timestamp for e in events if isinstance(e, DomainEvent) and e.originator_id == case_id]


def run(container: Container, path: Path) -> tuple[ImportReport, int]:
    calls: list[int] = []
    identity = import_identity(IMPORTERS[container.settings.service])
    report = build_importer(container, identity).import_file(path, progress=calls.append)
    assert calls == [1] * report.total, "one progress step per row"
    return report, len(calls)


def imported_case(container: Container, ref: str, starting: str = "register_person") -> UUID:
    """The case registered (or the file opened: ``starting="open_file"``) by the imported row ``ref``."""
    scope = IdempotencyScope(IMPORT_CALLER, f"{container.settings.service.slug}.{starting}", ref)
    stored = container.idempotency.store.find(scope)
    assert stored is not None, ref
    return stored.saved.case_id


def imported_refs(container: Container) -> set[str]:
    """The refs of every row imported into the service (kept as idempotency keys of ``import``)."""
    store = container.idempotency.store
    assert isinstance(store, InMemoryIdempotencyStore)
    return {scope.key for scope in store.results() if scope.caller == IMPORT_CALLER}


def intake(container: Container) -> IntakeApplication:
    assert isinstance(container.app, IntakeApplication)
    return container.app


def foreign_office(container: Container) -> ForeignOfficeApplication:
    assert isinstance(container.app, ForeignOfficeApplication)
    return container.app


def kobiz(container: Container) -> KobizApplication:
    assert isinstance(container.app, KobizApplication)
    return container.app


INTAKE_ROWS: list[dict[str, Any]] = [
    {
        "ref": "alt-17",
        "command": "register_person",
        "data": sample("register_person", registered_on="2019-03-04", birth_date="1990-02-01"),
    },
    {
        "ref": "alt-17-z",
        "command": "receive_referral",
        "case_ref": "alt-17",
        "data": {"received_on": "2019-03-04", "source": "school", "reason_codes": ["perspective"]},
    },
    {
        "ref": "alt-17-e",
        "command": "grant_consent",
        "case_ref": "alt-17",
        "data": sample(
            "grant_consent",
            consent_id=str(uuid4()),
            valid_from="2019-03-05",
            valid_until="2021-03-04",
            form_version="KIM-EW-2019-1",  # the version in force when the person signed
        ),
    },
    {
        "ref": "alt-17-o",
        "command": "open_case",
        "case_ref": "alt-17",
        "data": {"opened_on": "2019-03-05", "case_manager_id": "st-cmalt03"},
    },
    {
        "ref": "alt-17-p",
        "command": "agree_integration_plan",
        "case_ref": "alt-17",
        "data": {"agreed_on": "2019-04-01", "target_pathway": "AufenthG_25b", "milestones": []},
    },
]


def test_backdated_rows_become_events_whose_dates_are_the_valid_time(tmp_path: Path) -> None:
    container = build_container(Service.INTAKE, in_memory=True)
    path = write(tmp_path / "intake.jsonl", INTAKE_ROWS)
    started = datetime.now(UTC)

    report, steps = run(container, path)

    assert (report.imported, report.skipped, report.failed, report.errors) == (5, 0, 0, [])
    assert steps == count_lines(path) == 5
    case_id = imported_case(container, "alt-17")  # the rows naming case_ref "alt-17" went to it
    assert case_id.version == 4, "a random case id, not derived from the row"
    case = intake(container).get_case(case_id)
    assert (case.status, case.opened_on, case.case_manager_id) == ("open", date(2019, 3, 5), "st-cmalt03")
    assert case.family_name == "INTERN-Name"
    events = published_events(container, case_id)
    assert [(type(e).__name__, e.valid_on()) for e in events] == [
        ("PersonRegistered", date(2019, 3, 4)),
        ("ReferralReceived", date(2019, 3, 4)),
        ("ConsentGranted", date(2019, 3, 5)),
        ("CaseOpened", date(2019, 3, 5)),
        ("IntegrationPlanAgreed", date(2019, 4, 1)),
    ]
    assert events[0].birth_date == date(1990, 2, 1)
    # Valid time is the fact's date; the recorded time is the moment of the import.
    assert all(started <= t <= datetime.now(UTC) for t in recorded_times(container, case_id))
    # The refs are kept as idempotency keys, not as events: nothing but the five facts was stored.
    assert notifications(container) == 5 and case.imported_refs == set()
    assert imported_refs(container) == {row["ref"] for row in INTAKE_ROWS}


def test_importing_the_same_file_again_changes_nothing(tmp_path: Path) -> None:
    container = build_container(Service.INTAKE, in_memory=True)
    path = write(tmp_path / "intake.jsonl", INTAKE_ROWS)
    first, _ = run(container, path)
    stored = notifications(container)
    case_id = imported_case(container, "alt-17")
    version = intake(container).get_case(case_id).version

    again, steps = run(container, path)

    assert (first.imported, again.imported, again.skipped, again.failed) == (5, 0, 5, 0)
    assert steps == 5
    assert notifications(container) == stored
    assert intake(container).get_case(case_id).version == version
    assert imported_case(container, "alt-17") == case_id, "the registration is not repeated under a new id"


def test_a_ref_reused_for_a_different_row_is_reported_and_stores_nothing(tmp_path: Path) -> None:
    container = build_container(Service.INTAKE, in_memory=True)
    run(container, write(tmp_path / "intake.jsonl", INTAKE_ROWS))
    stored = notifications(container)
    changed = [
        INTAKE_ROWS[0] | {"data": sample("register_person", family_name="INTERN-Andere")},  # alt-17, another person
        INTAKE_ROWS[3]
        | {"data": {"opened_on": "2019-03-06", "case_manager_id": "st-cmalt03"}},  # alt-17-o, another day
        INTAKE_ROWS[1] | {"ref": "alt-17-z2"},  # a new ref on the same case: imported
        {"ref": "alt-99-z", "command": "receive_referral", "case_ref": "alt-99", "data": sample("receive_referral")},
    ]

    report, _ = run(container, write(tmp_path / "changed.jsonl", changed))

    assert (report.imported, report.skipped, report.failed) == (1, 0, 3)
    errors = {e["line"]: (e["ref"], e["error"]) for e in report.errors}
    assert errors[1][0] == "alt-17" and errors[1][1].startswith("IdempotencyKeyReusedError")
    assert errors[2][0] == "alt-17-o" and errors[2][1].startswith("IdempotencyKeyReusedError")
    assert errors[4] == ("alt-99-z", "RowError: case_ref alt-99: keine importierte Registrierung")
    assert notifications(container) == stored + 1  # only the referral of the new ref
    case = intake(container).get_case(imported_case(container, "alt-17"))
    assert (case.family_name, case.opened_on) == ("INTERN-Name", date(2019, 3, 5))


def test_bad_rows_are_reported_with_their_line_and_do_not_stop_the_rest(tmp_path: Path) -> None:
    container, feed = build_container(Service.FOREIGN_OFFICE, in_memory=True), Feed(Service.FOREIGN_OFFICE)
    file_id = open_file(container.app, Service.FOREIGN_OFFICE, None)  # the foreign office's file needs no KIM case
    unknown = uuid4()  # a KIM case the foreign office's view does not know (yet)
    stay = sample("issue_tolerated_stay", valid_from="2018-01-01", valid_until="2018-06-30")
    identity = sample("clarify_identity", clarified_on="2018-02-01")
    link = {"case_id": str(unknown), "linked_on": "2018-07-01"}
    rows: list[Any] = [
        {"ref": "abh-1", "command": "issue_tolerated_stay", "file_id": str(file_id), "data": stay},  # 1
        '{"ref": "abh-2", "command": ',  # 2: not JSON
        "",  # 3: blank lines are no rows
        {"ref": "abh-4", "command": "deport_at_once", "file_id": str(file_id), "data": {}},  # 4
        {
            "ref": "abh-5",
            "command": "issue_tolerated_stay",
            "file_id": str(file_id),
            "data": stay | {"subtype": "61"},
        },  # 5: invalid field
        {"ref": "abh-6", "command": "link_to_kim_case", "file_id": str(file_id), "data": link},  # 6: unknown case
        {"ref": "abh-7", "command": "clarify_identity", "file_id": str(file_id), "data": identity},  # 7
        {"ref": "abh-8", "command": "clarify_identity", "file_id": str(file_id), "data": identity},  # 8: twice
        {"ref": "abh-9", "command": "record_departure", "data": sample("record_departure")},  # 9: no file
        {"ref": "abh-10", "command": "record_departure", "file_id": str(file_id), "name": "x", "data": {}},  # 10
        {
            "ref": "abh-11",
            "command": "apply_for_residence_permit",
            "file_id": str(file_id),
            "data": {"applied_on": "2018-05-01", "norm": "AufenthG_25b"},
        },  # 11
        {"ref": "abh-12", "command": "record_departure", "file_id": str(uuid4()), "data": sample("record_departure")},
    ]
    path = write(tmp_path / "abh.jsonl", rows)

    report, steps = run(container, path)

    assert steps == 11 and (report.imported, report.failed) == (3, 8), report.errors
    errors = {e["line"]: (e["ref"], e["error"]) for e in report.errors}
    assert sorted(errors) == [2, 4, 5, 6, 8, 9, 10, 12]
    assert errors[2][0] is None and "JSON" in errors[2][1]
    assert errors[4] == ("abh-4", "unbekannter Befehl: deport_at_once")
    assert errors[5][0] == "abh-5" and errors[5][1].startswith("subtype:")
    assert errors[6][0] == "abh-6" and "CaseNotFoundError" in errors[6][1]
    assert errors[8][0] == "abh-8" and "IdentityAlreadyClarifiedError" in errors[8][1]
    assert errors[9][0] == "abh-9" and errors[9][1].startswith("RowError") and "file_id" in errors[9][1]
    assert errors[10][0] is None and "name" in errors[10][1]
    assert errors[12][0] == "abh-12" and "CaseNotFoundError" in errors[12][1], "an unknown file"
    file = foreign_office(container).get_file(file_id)
    assert [s["valid_from"] for s in file.tolerated_stays] == [date(2018, 1, 1)]
    assert file.identity_clarified_on == date(2018, 2, 1)
    assert file.pending_applications == {"AufenthG_25b": date(2018, 5, 1)}
    assert file.kim_case_id is None, "nothing half-written"
    assert imported_refs(container) == {"abh-1", "abh-7", "abh-11"}
    assert file.imported_refs == set(), "no RowImported events any more"

    # Once the case is known (and the bad rows fixed), importing again adds only what is new.
    stored = notifications(container)
    know(container.store, feed, unknown)
    again, _ = run(container, path)
    assert (again.imported, again.skipped, again.failed) == (1, 3, 7)
    assert notifications(container) == stored + 1  # KimCaseLinked
    assert imported_refs(container) == {"abh-1", "abh-6", "abh-7", "abh-11"}
    assert foreign_office(container).get_file(file_id).kim_case_id == unknown


def test_a_department_import_opens_files_and_names_them_by_the_ref_of_the_opening_row(tmp_path: Path) -> None:
    container, feed = build_container(Service.FOREIGN_OFFICE, in_memory=True), Feed(Service.FOREIGN_OFFICE)
    case_id = know(container.store, feed)
    rows = [
        {"ref": "abh-p1", "command": "open_file", "data": sample("open_file", Service.FOREIGN_OFFICE)},
        {
            "ref": "abh-p1-v",
            "command": "notify_criminal_conviction",
            "file_ref": "abh-p1",
            "data": sample("notify_criminal_conviction"),
        },
        {
            "ref": "abh-p1-d",
            "command": "issue_tolerated_stay",
            "file_ref": "abh-p1",
            "data": sample("issue_tolerated_stay", valid_from="2016-01-01", valid_until="2016-06-30"),
        },
        {
            "ref": "abh-p1-k",
            "command": "link_to_kim_case",
            "file_ref": "abh-p1",
            "data": {"case_id": str(case_id), "linked_on": "2019-03-05"},
        },
        {"ref": "abh-p2", "command": "open_file", "data": sample("open_file", Service.FOREIGN_OFFICE)},
        {"ref": "abh-x", "command": "record_departure", "file_ref": "abh-p9", "data": sample("record_departure")},
    ]
    path = write(tmp_path / "abh.jsonl", rows)

    report, _ = run(container, path)

    assert (report.imported, report.failed) == (5, 1), report.errors
    (error,) = report.errors
    assert (error["line"], error["ref"]) == (6, "abh-x")
    assert error["error"].startswith("RowError") and "abh-p9" in error["error"]
    file_id, other = imported_case(container, "abh-p1", "open_file"), imported_case(container, "abh-p2", "open_file")
    assert file_id != other and file_id.version == 4, "random file ids, one per opening row"
    file = foreign_office(container).get_file(file_id)
    assert (file.kim_case_id, file.family_name) == (case_id, "INTERN-Name")
    assert [c["convicted_on"] for c in file.convictions] == [date(2025, 5, 5)], "internal: never published"
    assert foreign_office(container).get_file(other).version == 1
    events = published_events(container, file_id, case_id)
    assert [(type(e).__name__, e.valid_on()) for e in events] == [
        ("ToleratedStayIssued", date(2016, 1, 1)),
        ("ResidenceFileLinked", date(2019, 3, 5)),
    ]
    stored = notifications(container)
    again, _ = run(container, path)
    assert (again.imported, again.skipped, again.failed) == (0, 5, 1)
    assert notifications(container) == stored, "the files are not opened again under new ids"


def test_a_department_import_on_kobiz_records_the_rows_once(tmp_path: Path) -> None:
    container = build_container(Service.KOBIZ, in_memory=True)
    case_id = know(container.store, Feed(Service.KOBIZ))
    rows = [
        {
            "ref": "ki-0",
            "command": "open_file",
            "data": {"opened_on": "2019-10-01", "case_id": str(case_id), "actor": "st-kbalt01"},
        },
        {
            "ref": "ki-1",
            "command": "record_language_certificate",
            "file_ref": "ki-0",
            "data": sample("record_language_certificate", obtained_on="2020-06-30"),
        },
        {
            "ref": "ki-2",
            "command": "hold_counselling",
            "file_ref": "ki-0",
            "data": sample("hold_counselling", held_on="2020-01-15") | {"counsellor_id": "st-kbalt01"},
        },
        {
            "ref": "ki-3",
            "command": "open_file",
            "data": {"opened_on": "2019-11-01", "case_id": str(case_id)},
        },
    ]
    path = write(tmp_path / "kobiz.jsonl", rows)
    assert run(container, path)[0].imported == 4
    assert run(container, path)[0].skipped == 4
    file_id = imported_case(container, "ki-0", "open_file")
    events = published_events(container, file_id, case_id)
    assert [(type(e).__name__, e.valid_on()) for e in events] == [
        ("LanguageCertificateObtained", date(2020, 6, 30)),
        ("PerspectiveCounsellingHeld", date(2020, 1, 15)),
    ]
    assert {e.file_id for e in events} == {file_id} and {e.case_id for e in events} == {case_id}
    file = kobiz(container).get_file(file_id)
    assert [c["certificate_number"] for c in file.certificates] == ["INTERN-CERT-77"]
    assert len(file.sessions) == 1 and file.sessions[0]["counsellor_id"] == "st-kbalt01", "the row's staff id"
    assert dict(file.staffing.assignees) == {"st-kbalt01": date(2019, 10, 1)}, "the historic opener works on it"
    opened = kobiz(container).get_file(imported_case(container, "ki-3", "open_file"))
    assert (opened.opened_on, opened.kim_case_id) == (date(2019, 11, 1), case_id)


@pytest.mark.parametrize("service", [Service.FOREIGN_OFFICE, Service.KOBIZ], ids=lambda s: s.value)
def test_importing_again_after_the_file_or_its_case_closed_still_skips_what_was_imported(
    tmp_path: Path, service: Service
) -> None:
    container, feed = build_container(service, in_memory=True), Feed(service)
    case_id = know(container.store, feed)
    opening = {"ref": "r-open", "command": "open_file", "data": sample("open_file", service)}
    link = sample("link_to_kim_case", service, case_id=str(case_id))
    linking = {"ref": "r-link", "command": "link_to_kim_case", "file_ref": "r-open", "data": link}
    assert run(container, write(tmp_path / "open.jsonl", [opening, linking]))[0].imported == 2
    names = {
        Service.FOREIGN_OFFICE: ("issue_tolerated_stay", "apply_for_residence_permit", "grant_residence_permit"),
        Service.KOBIZ: ("hold_counselling", "record_language_certificate", "take_employment"),
    }[service]
    rows = [{"ref": f"r-{name}", "command": name, "file_ref": "r-open", "data": sample(name)} for name in names]
    path = write(tmp_path / "rows.jsonl", rows)
    assert run(container, path)[0].imported == 3
    close_known(container.store, feed, case_id)  # intake closed the KIM case
    if service is Service.FOREIGN_OFFICE:
        # Changed on purpose: the foreign office's file takes only corrections once the file, not the KIM case, closed.
        closing = {"ref": "r-close", "command": "close_file", "file_ref": "r-open", "data": sample("close_file")}
        assert run(container, write(tmp_path / "close.jsonl", [closing]))[0].imported == 1
    stored = notifications(container)

    again, _ = run(container, path)

    assert (again.imported, again.skipped, again.failed, again.errors) == (0, 3, 0, [])
    assert notifications(container) == stored
    # A new row on the closed file is refused like the same command over HTTP.
    name = "record_departure" if service is Service.FOREIGN_OFFICE else "assess_housing"
    extra = write(
        tmp_path / "more.jsonl", [{"ref": "r-new", "command": name, "file_ref": "r-open", "data": sample(name)}]
    )
    refused, _ = run(container, extra)
    expected = "FileClosedError" if service is Service.FOREIGN_OFFICE else "CaseClosedError"
    assert refused.failed == 1 and expected in refused.errors[0]["error"]
