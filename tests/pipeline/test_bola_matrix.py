"""BOLA matrix on the real stack: every route of every service × every role × (own, team, other, unknown).

The cells and what each must answer are generated (tests/support/bola.py) from the routes' own access
rules (``x-kim-access`` in each app's OpenAPI) and the access table (shared/access/table.py, decided by
shared/access/decide.py); the subjects are made through the public APIs (tests/support/bola_world.py).
The members are real users of the running Keycloak (deploy/keycloak/realm-kim.test-client.json), one
per role and a team lead per department group, with real tokens.

Interpretation of the columns, as the current model has it (docs/access.md): a scope is *own* or *dept*,
and there is no team below the department, so

- *own*: the member works on the case or file in this service (assigned to the department's file,
  deputy of the KIM case manager at intake, the KIM case manager at intake and Kobiz);
- *team*: a case or file of the department that the member does not work on;
- *other*: an id that exists but is outside this service's reach: another service's file, or (the
  foreign office's case routes) a KIM case without consent and without a linked residence file;
- *unknown*: a random id; answered exactly as *other* (status and body), so ids cannot be probed.

Expected: no right on the operation in the service → 403; a right that does not reach the subject →
404; otherwise the route's success status or 409 (a domain refusal, which the route gives only after
both checks). Each route is one test; it lists every cell that answered otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from shared.access import Relation
from shared.service import Service
from tests.stack import Stack
from tests.support import bola
from tests.support.bola import Outcome, Route
from tests.support.bola_world import World

pytestmark = pytest.mark.timeout(600)

ROUTES = bola.all_routes()

KNOWN: dict[tuple[str, str, str], tuple[int, str]] = {}
"""Cells that answer otherwise than the table, each for a reason to be decided (reported); a cell listed here
must answer exactly the status named, so a change either way shows."""
KNOWN_LIST: dict[tuple[Service, str], str] = {}


class LiveSend:
    """Requests to the running services, one client per service and user (each with fresh Keycloak tokens)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.clients: dict[tuple[Service, str], httpx.Client] = {}

    def __call__(
        self, service: Service, user: str, method: str, path: str, body: dict[str, Any] | None
    ) -> httpx.Response:
        key = (service, user)
        if key not in self.clients:
            self.clients[key] = self.stack.client(service, user)
        return self.clients[key].request(method, path, json=body)

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


@dataclass
class Matrix:
    world: World
    results: dict[str, list[Outcome]]
    seconds: float


@pytest.fixture(scope="module")
def matrix(stack: Stack) -> Iterator[Matrix]:
    send = LiveSend(stack)
    try:
        world = World(send).build()
        started = time.monotonic()
        results = world.run(list(ROUTES))
        yield Matrix(world, results, time.monotonic() - started)
    finally:
        send.close()


def problems_of(route: Route, outcomes: list[Outcome], world: World) -> list[str]:
    """Every cell of the route that answered otherwise than the table says, and every probe-able 404."""
    found = []
    for o in outcomes:
        known = KNOWN.get((route.id, o.cell.member.key, o.cell.column))
        if (known is None and not o.ok) or (known is not None and o.status != known[0]):
            found.append(o.line() + (f"  (known deviation: {known[0]})" if known else ""))
    by_member: dict[str, dict[str, Outcome]] = {}
    for outcome in outcomes:
        by_member.setdefault(outcome.cell.member.key, {})[outcome.cell.column] = outcome
    for member, row in by_member.items():
        other, unknown = row.get("other"), row.get("unknown")
        if other and unknown and (other.status, other.body) != (unknown.status, unknown.body):
            found.append(
                f"  {member}: other answers {other.status} {other.body}, unknown {unknown.status} {unknown.body}"
            )
    if route.kind == "list":
        found += _list_problems(outcomes, world)
    return found


def _list_problems(outcomes: list[Outcome], world: World) -> list[str]:
    """Lists: a member who reads own cases only sees their case and never the team's."""
    found = []
    for outcome in outcomes:
        if outcome.status != 200:
            continue
        member, service = outcome.cell.member, outcome.cell.route.service
        listed = {c["case_id"] for c in outcome.body}
        rights = member.rights(service)
        if rights.readable(Relation.DEPARTMENT):
            if world.cases["team"] not in listed:
                found.append(f"  {member.key}: the department's case is missing from the list")
        else:
            if world.cases["team"] in listed:
                found.append(f"  {member.key}: lists a case of the department that is not theirs")
            missing = world.cases["own"] not in listed
            if rights.readable(Relation.OWN) and missing != ((service, member.key) in KNOWN_LIST):
                found.append(f"  {member.key}: own case {'missing from' if missing else 'now in'} the list")
        if service is Service.FOREIGN_OFFICE and world.cases["other"] in listed:
            found.append(f"  {member.key}: lists a case the foreign office may not hold")
    return found


@pytest.mark.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])
def test_route(route: Route, matrix: Matrix) -> None:
    outcomes = matrix.results[route.id]
    assert len(outcomes) == len(list(bola.cells(route)))
    problems = problems_of(route, outcomes, matrix.world)
    assert not problems, f"{route.id} ({route.kind}, {route.group}):\n" + "\n".join(problems)


def test_the_matrix_is_whole(matrix: Matrix) -> None:
    """Every route of every service ran, with every member and column; a summary for the log."""
    assert set(matrix.results) == {r.id for r in ROUTES}
    outcomes = [o for found in matrix.results.values() for o in found]
    allowed = [o for o in outcomes if o.cell.expected.allowed]
    refused = sum(1 for o in allowed if o.status == bola.DOMAIN_REFUSAL)
    print(
        f"\nBOLA matrix: {len(ROUTES)} routes, {len(outcomes)} cells in {matrix.seconds:.1f}s; "
        f"{len(allowed)} allowed ({refused} of them a domain refusal 409), "
        f"{sum(1 for o in outcomes if o.status == 403)} × 403, {sum(1 for o in outcomes if o.status == 404)} × 404"
    )
    assert len(outcomes) == sum(len(list(bola.cells(r))) for r in ROUTES)
    for (route, member, column), (status, reason) in sorted(KNOWN.items()):
        print(f"known deviation: {route} {member} {column} -> {status}: {reason}")
    for (service, member), reason in KNOWN_LIST.items():
        print(f"known deviation: {service.value} list of {member}: {reason}")
    assert all(o.status not in (401, 500) for o in outcomes)
