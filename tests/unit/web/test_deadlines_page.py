"""The page "Fristen" and the deadline filter of "Meine Fälle", on an in-memory foreign office.

The foreign office's view holds six KIM cases, each with a file of the foreign office:

- ``overdue``: the caseworker's; a Duldung that ended three days ago and a duty to cooperate due
  in 20 days (a deadline of the Perspektive, § 25 Abs. 5);
- ``colleague``: handed over to a colleague; a Duldung ending in 10 days;
- ``waiting``: nobody assigned (released); a consent ending in 20 days;
- ``consent``: the caseworker's; a consent ending in 20 days, nothing else within 30 days;
- ``pathway``: the caseworker's; a Duldung ending in 100 days and a duty to cooperate due in 25 days;
- ``later``: the caseworker's; a Duldung ending in 100 days.

What is proven here: the caseworker sees the deadlines of their own cases only, soonest first,
in words ("überfällig", "in 20 Tagen"), within the horizon chosen; the team lead sees the team's
(with who is responsible, a filter by person that brings in the Perspektive's deadlines of that
person's cases) and, apart, the unassigned case with its most pressing deadline; a role without a
read right gets the German 403 page, a horizon not offered a 422 naming the field; every case the
page shows is logged with the page's route, and no other; and "Meine Fälle" filtered by "Frist in
den nächsten 30 Tagen" finds a case by a consent's expiry and one by a deadline of the Perspektive,
and shows each case's next deadline.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from fastapi import FastAPI

from shared.access.log import AccessEntry
from shared.clock import today
from shared.events import catalogue as ev
from shared.events import foreign_office as fo
from shared.events.base import IntegrationEvent
from shared.service import Service
from shared.web.auth import WebContext
from tests.support.projection_suite import Feed, of_case, opened, toleration
from tests.support.tokens import OPERATOR, TEAM_LEADS, WORKERS, Staff
from tests.support.walk import apply, command, open_file, run, share_everything
from tests.unit.web.support import FakeProvider, log_in, web_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

FO = Service.FOREIGN_OFFICE
WORKER = WORKERS[FO]
LEAD = TEAM_LEADS[FO]
COLLEAGUE = "st-kollege2"  # the hand-over sample's new assignee
ROUTE = "GET /foreign-office/ui/fristen"
COOPERATION = "Frist für die geforderten Mitwirkungshandlungen"


@dataclass
class World:
    api: FastAPI
    ctx: WebContext
    provider: FakeProvider
    client: TestClient
    cases: dict[str, UUID]

    def act_as(self, staff: Staff) -> None:
        self.client.cookies.clear()
        self.provider.staff = staff
        log_in(self.client, self.ctx)

    def page(self, path: str = "/fristen", status: int = 200) -> str:
        answer = self.client.get(self.ctx.url(path))
        assert answer.status_code == status, answer.text
        return answer.text

    def logged(self, route: str = ROUTE) -> list[AccessEntry]:
        return [e for e in self.api.state.container.access_log.entries() if e.route == route]

    def name_of(self, case_id: UUID | None) -> str:
        return next(name for name, case in self.cases.items() if case == case_id)


def duldung_ending_in(case: UUID, days: int) -> fo.ToleratedStayIssued:
    return toleration(case, today() + timedelta(days=days - 180))


def cooperation_due_in(case: UUID, days: int) -> fo.CooperationDutyNotified:
    day = today()
    return of_case(
        fo.CooperationDutyNotified,
        case,
        notified_on=day - timedelta(days=5),
        required_act_codes=["attend_embassy"],
        deadline=day + timedelta(days=days),
    )


def consent_ending_in(case: UUID, days: int) -> ev.ConsentGranted:
    return share_everything(case).model_copy(update={"valid_until": today() + timedelta(days=days)})


FACTS: dict[str, Callable[[UUID], list[IntegrationEvent]]] = {
    "overdue": lambda c: [duldung_ending_in(c, -3), cooperation_due_in(c, 20)],
    "colleague": lambda c: [duldung_ending_in(c, 10)],
    "waiting": lambda c: [],
    "consent": lambda c: [],
    "pathway": lambda c: [duldung_ending_in(c, 100), cooperation_due_in(c, 25)],
    "later": lambda c: [duldung_ending_in(c, 100)],
}


def seeded(api: FastAPI) -> dict[str, UUID]:
    container = api.state.container
    feed = Feed(FO)
    cases: dict[str, UUID] = {}
    for n, (name, facts) in enumerate(FACTS.items()):
        case = cases[name] = uuid4()
        consent = consent_ending_in(case, 20) if name in ("waiting", "consent") else share_everything(case)
        events: list[IntegrationEvent] = [consent, opened(case), *facts(case)]
        apply(container.store, feed, [feed.record(e, seconds=10 * n + k) for k, e in enumerate(events)], today())
        file_id = open_file(container.app, FO, case)  # the caseworker opens it and is assigned
        if name == "colleague":
            run(container.app, FO, "hand_over", file_id, command(FO, "hand_over"))
        if name == "waiting":
            run(container.app, FO, "release_staff", file_id, command(FO, "release_staff", staff_id=WORKER.staff_id))
    return cases


@pytest.fixture
def world() -> Iterator[World]:
    api, ctx, provider = web_app(FO, WORKER)
    with TestClient(api) as client:
        yield World(api, ctx, provider, client, seeded(api))


def rows(html: str) -> list[str]:
    """The table rows of the deadlines' table, as text."""
    table = html.split('id="fristen"')[1].split("</section>")[0]
    return [row.split("</tr>")[0] for row in table.split('<tr class="kern-table__row">')[2:]]


def case_of(row: str, world: World) -> str:
    return next(name for name, case in world.cases.items() if f"/cases/{case}" in row)


def test_a_caseworker_sees_the_deadlines_of_their_own_cases_soonest_first(world: World) -> None:
    world.act_as(WORKER)
    html = world.page()
    assert "<h1" in html and "Fristen" in html and "Ihre Fristen in den nächsten 30 Tagen" in html
    listed = rows(html)
    assert [case_of(r, world) for r in listed] == ["overdue", "consent", "overdue", "pathway"]
    overdue, consent, cooperation, pathway = listed
    assert "Ablauf der Duldung" in overdue and "überfällig seit 3 Tagen" in overdue and "<strong>" in overdue
    assert "Ablauf der Einwilligung" in consent and "in 20 Tagen" in consent and "Art. 7 DSGVO" in consent
    assert COOPERATION in cooperation and "§ 82 Abs. 1 AufenthG" in cooperation and "Perspektive" in cooperation
    assert COOPERATION in pathway and "in 25 Tagen" in pathway
    assert all(str(WORKER.staff_id) in r for r in listed)
    assert "Ohne Zuständigkeit" not in html

    wider = rows(world.page("/fristen?horizon=365"))
    assert {case_of(r, world) for r in wider} == {"overdue", "consent", "pathway", "later"}
    only = rows(world.page("/fristen?horizon=365&kind=consent"))
    assert {case_of(r, world) for r in only} == {"overdue", "consent", "pathway", "later"}  # every consent ends
    assert all("Ablauf der Einwilligung" in r for r in only)


def test_every_case_shown_is_logged_with_the_pages_route_and_no_other(world: World) -> None:
    world.act_as(WORKER)
    world.page()
    logged = world.logged()
    assert {world.name_of(e.case_id) for e in logged} == {"overdue", "consent", "pathway"}
    assert {e.accessor.actor for e in logged} == {WORKER.staff_id}
    overdue = {e.field_group for e in logged if e.case_id == world.cases["overdue"]}
    assert {"status", "consent", "case_management"} <= overdue
    assert all(e.outcome.value == "allowed" for e in logged)


def test_the_team_lead_sees_the_teams_deadlines_and_the_unassigned_case(world: World) -> None:
    world.act_as(LEAD)
    html = world.page()
    assert "Fristen im Team" in html
    team = rows(html)
    assert [case_of(r, world) for r in team] == ["overdue", "colleague", "consent"]
    assert COLLEAGUE in team[1] and str(WORKER.staff_id) in team[0]
    assert "wählen Sie eine zuständige Person" in html, "without a person: no deadlines of the Perspektive"
    assert COOPERATION not in html.split('id="ohne-zustaendigkeit"')[0]

    waiting = html.split('id="ohne-zustaendigkeit"')[1]
    assert f"/cases/{world.cases['waiting']}" in waiting
    assert "Ablauf der Einwilligung" in waiting and "in 20 Tagen" in waiting
    assert all(f"/cases/{world.cases[n]}" not in waiting for n in ("overdue", "colleague", "consent"))
    assert f'<option value="{COLLEAGUE}">' in html and f'<option value="{WORKER.staff_id}">' in html

    theirs = rows(world.page(f"/fristen?person={COLLEAGUE}"))
    assert [case_of(r, world) for r in theirs] == ["colleague"]
    mine = rows(world.page(f"/fristen?person={WORKER.staff_id}"))
    assert [case_of(r, world) for r in mine] == ["overdue", "consent", "overdue", "pathway"]
    assert COOPERATION in mine[2]

    logged = {world.name_of(e.case_id) for e in world.logged()}
    assert logged == {"overdue", "colleague", "consent", "waiting", "pathway"}
    assert {e.accessor.actor for e in world.logged()} == {LEAD.staff_id}


def test_a_role_without_a_read_right_gets_the_403_page_and_a_filter_not_offered_a_422(world: World) -> None:
    world.act_as(OPERATOR)
    assert "Kein Zugriff" in world.page(status=403)
    assert world.logged() == []
    world.act_as(WORKER)
    wrong = world.page("/fristen?horizon=7&kind=x", status=422)
    assert "Bitte einen der angebotenen Zeiträume wählen." in wrong and 'aria-describedby="horizon-fehler"' in wrong
    assert "Bitte eine der angebotenen Arten wählen." in wrong


def test_the_due_filter_of_my_cases_finds_a_consents_expiry_and_a_pathway_deadline(world: World) -> None:
    world.act_as(WORKER)
    html = world.page("/?due=30")
    table = html.split('id="faelle"')[1]
    found = {name for name, case in world.cases.items() if f"/cases/{case}" in table}
    assert found == {"overdue", "colleague", "waiting", "consent", "pathway"}
    assert "later" not in found  # its Duldung ends in 100 days
    assert "Nächste Frist" in table
    row = table.split(f"/cases/{world.cases['pathway']}")[1].split("</tr>")[0]
    assert COOPERATION in row and "in 25 Tagen" in row
    row = table.split(f"/cases/{world.cases['consent']}")[1].split("</tr>")[0]
    assert "Ablauf der Einwilligung" in row and "in 20 Tagen" in row
    logged = {world.name_of(e.case_id) for e in world.logged("GET /foreign-office/ui/")}
    assert logged == found

    all_cases = world.page("/").split('id="faelle"')[1]
    row = all_cases.split(f"/cases/{world.cases['later']}")[1].split("</tr>")[0]
    assert "Ablauf der Duldung" in row and "in 100 Tagen" in row
