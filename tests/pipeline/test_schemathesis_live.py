"""Hostile input against the running services: Schemathesis over HTTP, every check, the stateful phase.

The in-process run (tests/schemathesis) stays the fast check; this one proves the same against the
real stack of the session (its own database, schemas and topic prefix, tests/stack.py): real
Keycloak tokens, PostgreSQL, the relays and projectors. Each service's OpenAPI document is loaded
from the running service (``/openapi.json``) and run as ``schemathesis run`` would (probing,
examples, coverage, fuzzing and the stateful phase over the links every command's answer
declares, which carry ``after``/``wait`` so a read after a write does not race the projector;
shared/http/commands.py). Before it, a case is opened, the foreign office's and Kobiz's files on it
are opened and linked, and facts recorded; path parameters hit them half of the time.

- **Bounded**: ``KIM_SCHEMATHESIS_LIVE_EXAMPLES`` (default 10) property-based examples per operation
  and phase, ``KIM_SCHEMATHESIS_LIVE_STATEFUL`` (default 100) stateful scenarios of at most 6 steps,
  derandomized and seeded (``KIM_SCHEMATHESIS_LIVE_SEED``), no shrinking, two workers.
- **Expected**: 0 server errors and 0 failures of any check (an undocumented status, a
  wrong body or header, accepted negative data, …). The one exemption is the in-process suite's:
  a 422 for a rule across the fields of a valid body (tests/support/live_schemathesis.py).
"""

from __future__ import annotations

import os
import time

import pytest
import schemathesis

from shared.service import Service
from tests.pipeline.helpers import file_of, issue_toleration, open_case, record_counselling, wait_known
from tests.stack import Stack
from tests.support.live_schemathesis import LiveRun, Outcome, Seeds, before_call_of

pytestmark = pytest.mark.pipeline

EXAMPLES = int(os.environ.get("KIM_SCHEMATHESIS_LIVE_EXAMPLES", "10"))
STATEFUL = int(os.environ.get("KIM_SCHEMATHESIS_LIVE_STATEFUL", "100"))
SEED = int(os.environ.get("KIM_SCHEMATHESIS_LIVE_SEED", "20260106"))


def seed(stack: Stack) -> Seeds:
    """A case shared with every department, each department's file linked to it, and facts on them."""
    case_id, _ = open_case(stack)
    files = {service: file_of(stack, service, case_id) for service in (Service.FOREIGN_OFFICE, Service.KOBIZ)}
    toleration = issue_toleration(stack, case_id)
    counselling = record_counselling(stack, case_id, "INTERN-Notiz")
    for service in Service:
        wait_known(stack, service, case_id, toleration)
    wait_known(stack, Service.KOBIZ, case_id, counselling)
    return Seeds(case_id=case_id, files=files)


@pytest.mark.timeout(900)
def test_schemathesis_against_the_running_services(live_stack: Stack) -> None:
    started = time.monotonic()
    run = LiveRun(seed(live_stack), EXAMPLES, STATEFUL, SEED)
    seeded = time.monotonic() - started
    hook = schemathesis.hook("before_call")(before_call_of(run))  # before_call is global-only in Schemathesis 4
    try:
        outcomes: list[Outcome] = [run.run(service, live_stack.url(service)) for service in Service]
    finally:
        schemathesis.hooks.unregister(hook)
    print(f"\nseeded in {seeded:.1f}s; Schemathesis against the running services in {time.monotonic() - started:.1f}s")
    for outcome in outcomes:
        print(outcome.line())
        for read in outcome.not_reached:
            print(f"  read after a write, not reached within its wait: {read}")
    problems = [f"{o.service.value}: {p}" for o in outcomes for p in (*o.failures, *o.errors)]
    server_errors = {op: n for o in outcomes for (op, status), n in o.statuses.items() if status >= 500}
    # A 503 is documented (with Retry-After) for a saturated waiter bound or database; a 500 never is.
    assert not [op for o in outcomes for (op, status) in o.statuses if status == 500], server_errors
    assert problems == [], "\n\n".join(problems)
    for outcome in outcomes:
        assert outcome.phases.get("stateful") == "success", outcome.line()
        accepted = [op for (op, status) in outcome.statuses if op.startswith("POST") and status in (200, 201)]
        assert accepted, f"{outcome.service.value}: no command was accepted"
