"""One behaviour suite for the reach lookup's batched read (``ReachLookup.of_cases``), run on every backend.

A world of cases as a service knows them, built through the use cases and the projection
(as tests/support/walk.py does): a case with two files of the department (assignees, a
deputy standing in today, break-glass grants in force on the case and on a file), a case in
the view with no file (only its KIM case manager), an unknown id, a file not linked to any
case, and at intake a case whose index row is missing (saved before the index existed: its
aggregate is read). ``of_cases`` must answer for each exactly what ``of_case`` answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

from services.bootstrap import Container
from shared.access.break_glass import Approver
from shared.application.break_glass import RequestBreakGlass
from shared.clock import today
from shared.identity.roles import Role
from shared.service import Service
from tests.support.projection_suite import Feed
from tests.support.tokens import WORKERS
from tests.support.walk import command, know, open_file, run

FO = Service.FOREIGN_OFFICE
REASON = "Beschwerde der betroffenen Person: Akte für die Stellungnahme prüfen."
EMERGENCY = Approver("st-notfall1", frozenset({Role.FOREIGN_OFFICE_CASEWORKER}), frozenset({FO.value}))
SECOND = Approver("st-notfall2", frozenset({Role.FOREIGN_OFFICE_CASEWORKER}), frozenset({FO.value}))


@dataclass(frozen=True)
class ForeignOfficeWorld:
    staffed: UUID
    """Two files: the caseworker and a colleague assigned, a deputy today, grants on the case and on a file."""
    viewed_only: UUID
    """In the view, no file: only its KIM case manager."""
    unknown: UUID
    loose_file: UUID
    """A file linked to no case."""

    @property
    def ids(self) -> list[UUID]:
        return [self.staffed, self.viewed_only, self.unknown, self.loose_file]


def foreign_office_world(container: Container) -> ForeignOfficeWorld:
    app, glass, day = container.app, container.break_glass, today()
    feed = Feed(FO)
    staffed, viewed_only = know(container.store, feed), know(container.store, feed)
    first, second = open_file(app, FO, staffed), open_file(app, FO, staffed)
    run(app, FO, "assign_staff", second, command(FO, "assign_staff"))
    deputy = {"from_on": (day - timedelta(days=1)).isoformat(), "until_on": (day + timedelta(days=1)).isoformat()}
    run(app, FO, "name_deputy", first, command(FO, "name_deputy", **deputy))
    for who, subject in ((EMERGENCY, staffed), (EMERGENCY, second), (SECOND, second)):
        glass.request(who, RequestBreakGlass(subject_id=subject, reason=REASON, minutes=60, emergency=True))
    return ForeignOfficeWorld(staffed, viewed_only, uuid4(), open_file(app, FO, None))


def intake_case_without_index_row(container: Container) -> UUID:
    """An intake case saved while no index was written (as before the index existed)."""
    app, index = container.app, container.app.staffing_index
    app.staffing_index = None
    try:
        case_id = run(app, Service.INTAKE, "register_person", None, command(Service.INTAKE, "register_person")).case_id
        run(app, Service.INTAKE, "open_case", case_id, command(Service.INTAKE, "open_case"))
    finally:
        app.staffing_index = index
    assert index is not None and index.row_of(case_id) is None
    return case_id


def intake_case(container: Container) -> UUID:
    app = container.app
    case_id = run(app, Service.INTAKE, "register_person", None, command(Service.INTAKE, "register_person")).case_id
    run(app, Service.INTAKE, "open_case", case_id, command(Service.INTAKE, "open_case"))
    return case_id


def check_foreign_office(container: Container) -> None:
    world = foreign_office_world(container)
    reach = container.reach
    one_by_one = {case_id: reach.of_case(case_id) for case_id in world.ids}
    staffed = one_by_one[world.staffed]
    worker = WORKERS[FO].staff_id
    assert {worker, "st-kollege1", "st-vertret1"} <= staffed.assignees, "the world is what the suite says"
    assert set(staffed.break_glass) == {EMERGENCY.staff_id, SECOND.staff_id}
    assert one_by_one[world.viewed_only].assignees == frozenset() and one_by_one[world.viewed_only].known
    assert not one_by_one[world.unknown].known and one_by_one[world.loose_file].known

    assert reach.of_cases(world.ids) == one_by_one
    assert list(reach.of_cases([*reversed(world.ids), world.staffed])) == list(reversed(world.ids))
    assert reach.of_cases([]) == {}

    store = container.store  # what the batched read takes from the view: summaries and consents, read at once
    assert store.summaries(world.ids) == {c: s for c in world.ids if (s := store.summary(c)) is not None}
    assert set(store.summaries(world.ids)) == {world.staffed, world.viewed_only}
    assert store.consents_of_cases(world.ids) == {c: k for c in world.ids if (k := store.consents_of(c))}
    assert set(store.consents_of_cases(world.ids)) == {world.staffed, world.viewed_only}


def check_intake(container: Container) -> None:
    reach = container.reach
    ids = [intake_case(container), intake_case_without_index_row(container), uuid4()]
    one_by_one = {case_id: reach.of_case(case_id) for case_id in ids}
    assert [r.known for r in one_by_one.values()] == [True, True, False]
    assert WORKERS[Service.INTAKE].staff_id in one_by_one[ids[1]].assignees, "read from the aggregate"
    assert reach.of_cases(ids) == one_by_one
