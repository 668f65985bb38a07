"""The BOLA matrix's generator (tests/support/bola.py) without a stack: every route of every app has an access
rule the generator knows, and the expectations it derives from the table are whole and sane.

The matrix itself runs on the real stack: tests/pipeline/test_bola_matrix.py.
"""

from __future__ import annotations

import pytest

from shared.service import Service
from tests.support import bola


@pytest.mark.parametrize("service", list(Service), ids=[s.value for s in Service])
def test_every_route_has_a_rule_the_generator_knows(service: Service) -> None:
    found = bola.routes(service)  # fails on a route without x-kim-access or of an unknown kind
    assert found
    assert {r.kind for r in found} <= bola.KINDS


@pytest.mark.parametrize("route", bola.all_routes(), ids=[r.id for r in bola.all_routes()])
def test_every_route_is_open_to_some_member_and_closed_to_others(route: bola.Route) -> None:
    expected = [cell.expected for cell in bola.cells(route)]
    assert len(expected) == len(bola.MEMBERS) * len(bola.columns(route))
    if route.kind != "break-glass" or route.subject is None:  # break-glass runs on ids that name no request
        assert any(e.allowed for e in expected), f"{route.id}: no member of any role may use it"
    assert any(not e.allowed for e in expected), f"{route.id}: open to every role"


def test_unknown_and_other_ids_are_never_allowed() -> None:
    for route in bola.all_routes():
        for cell in bola.cells(route):
            if cell.column in ("other", "unknown"):
                assert not cell.expected.allowed and cell.expected.status in (403, 404), (route.id, cell.member.key)
