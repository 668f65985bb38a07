"""Walking the command catalogue in unit tests.

- ``WALKS``: every command of every service, in an order whose invariants hold
  (a refusal needs its application, case management needs an open case, …);
  ``test_every_walk_is_the_whole_command_table`` keeps them equal to the command tables.
- ``body(name)``: a valid body per command (tests/samples.py plus the intake commands
  that need linked ids or create the case); ``command(service, name)`` the validated model.
- ``run(app, service, name, case_id, cmd)``: a command through the use case its table row
  names (no HTTP); ``walk(app, service, case_id)``: a whole walk that way (a department's
  on a file it opens and links to the case); ``starts_case``, ``status`` and ``route``:
  what its row says of it.
- ``share_everything`` / ``know``: how a department's projection comes to hold a case,
  the way its projector would from Kafka (a consent naming all three departments for
  every category, with the secrecy release, then CaseOpened, optionally CaseClosed).
- ``Api``: one service's FastAPI app in-process on POPO persistence and an in-memory view.
"""

from __future__ import annotations

import copy
import warnings
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx

from services.bootstrap import Container, build_container, create_app
from services.foreign_office.application import COMMANDS as FO_COMMANDS
from services.intake.application import COMMANDS as INTAKE_COMMANDS
from services.kobiz.application import COMMANDS as KOBIZ_COMMANDS
from shared.application.base import CaseApplication
from shared.application.catalogue import AnyCommand, NewCaseCommand
from shared.application.results import Saved
from shared.events import catalogue as ev
from shared.events.common import ConsentScope, DataCategory, Purpose
from shared.http.access import ACTOR_FIELDS
from shared.identity.http import get_token_verifier
from shared.projection.case_history_store import CaseHistoryStore
from shared.projection.records import ConsumedRecord
from shared.service import Service
from tests.samples import SAMPLES, SERVICE_SAMPLES
from tests.support import tokens
from tests.support.projection_suite import Feed, opened
from tests.support.tokens import Staff

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx in its test client
    from fastapi.testclient import TestClient

COMMANDS: dict[Service, tuple[AnyCommand[Any], ...]] = {
    Service.INTAKE: INTAKE_COMMANDS,
    Service.FOREIGN_OFFICE: FO_COMMANDS,
    Service.KOBIZ: KOBIZ_COMMANDS,
}
SPECS: dict[Service, dict[str, AnyCommand[Any]]] = {s: {spec.name: spec for spec in t} for s, t in COMMANDS.items()}

WALKS: dict[Service, list[str]] = {
    Service.INTAKE: [
        "register_person",
        "grant_consent",
        "open_case",
        "receive_referral",
        "record_household",
        "record_marital_status",
        "change_consent_scope",
        "agree_integration_plan",
        "hold_case_conference",
        "refer_to_return_counselling",
        "revoke_consent",
        "name_deputy",
        "hand_over",
        "close_case",
    ],
    Service.FOREIGN_OFFICE: [
        "open_file",
        "link_to_kim_case",
        "record_entry",
        "record_passport_cooperation",
        "record_asylum_permission",
        "record_asylum_decision",
        "issue_tolerated_stay",
        "notify_cooperation_duty",
        "submit_identity_document",
        "clarify_identity",
        "assess_identity",
        "establish_identity_deception",
        "apply_for_residence_permit",
        "issue_fiction_certificate",
        "refuse_residence_permit",  # needs the pending application, which a grant would close
        "grant_residence_permit",
        "grant_settlement_permit",
        "grant_employment_permission",
        "assess_employment_ban",
        "record_employment_agency_consent",
        "notify_criminal_conviction",
        "make_departure_enforceable",
        "assess_departure_obstacle",
        "assess_removal_measures",
        "schedule_removal",
        "record_departure",
        "apply_for_naturalisation",
        "assess_naturalisation_requirement",
        "record_declarations",
        "assess_renunciation",
        "assess_security",
        "assess_integration_prognosis",
        "record_family_member_status",
        "hand_over_naturalisation_certificate",
        "assign_staff",
        "release_staff",
        "name_deputy",
        "hand_over",
        "close_file",
    ],
    # Opened outside KIM, then linked: the walk takes both ways into a case.
    Service.KOBIZ: [spec.name for spec in KOBIZ_COMMANDS],
}
FILE_SERVICES = (Service.FOREIGN_OFFICE, Service.KOBIZ)
"""Departments that work on files of their own (``/<service>/files/{file_id}``), linked to KIM cases."""

INTERNAL_COMMANDS = frozenset(
    {
        "establish_identity_deception",
        "notify_criminal_conviction",
        "schedule_removal",
        "assess_naturalisation_requirement",
        "record_declarations",
        "assess_renunciation",
        "assess_security",
        "assess_removal_measures",
        "assess_integration_prognosis",
        "record_family_member_status",
    }
)
"""Commands whose events never leave the foreign office (docs/domain.md §3 rows 19, 24, 26, 29, and its own
assessments for its own evaluation)."""

STAFFING_AT_HOME = frozenset({"assign_staff", "release_staff", "name_deputy", "hand_over"})
"""Who works on a department's file stays in the department (intake's hand-over is published)."""
STAYS_HOME: dict[Service, frozenset[str]] = {
    Service.INTAKE: frozenset({"name_deputy"}),
    # The file itself, what never leaves (INTERNAL_COMMANDS) and what is not published yet.
    Service.FOREIGN_OFFICE: INTERNAL_COMMANDS | STAFFING_AT_HOME | {"open_file", "close_file"},
    # Kobiz's link is internal: from it on, the file's events name the case.
    Service.KOBIZ: STAFFING_AT_HOME | {"open_file", "link_to_kim_case"},
}
"""Commands whose events stay in their service even on a file linked to a KIM case (the answer's
``position.published`` is False); on a file not linked (yet), every command's events stay home."""

ALL_CATEGORIES = [c.value for c in DataCategory]
DEPARTMENTS = ("intake", "foreign_office", "kobiz")
CONSENT_ID = str(uuid4())

INTAKE_BODIES: dict[str, dict[str, Any]] = {
    # Names and contact never leave intake: they start with INTERN like every internal text.
    "register_person": {
        "family_name": "INTERN-Name",
        "given_names": "INTERN-Vorname",
        "birth_date": "1999-05-01",
        "registered_on": "2026-01-05",
        "languages": ["ar"],
        "claimed_nationalities": ["SYR"],
        "contact": "INTERN-Telefon 02251 4711",
    },
    "grant_consent": {
        "consent_id": CONSENT_ID,
        "scopes": [{"recipient": r, "categories": ALL_CATEGORIES, "secrecy_release": True} for r in DEPARTMENTS],
        "purpose": "prepare_application_25b",
        "valid_from": "2026-01-06",
        "valid_until": "2027-12-31",
        "form_version": "KIM-EW-2025-1",
        "language": "ar",
        "interpreter_used": True,
    },
    "change_consent_scope": {
        "consent_id": CONSENT_ID,
        "effective_on": "2026-03-01",
        "scopes": [{"recipient": "foreign_office", "categories": ["status", "case_management"]}],
    },
    "revoke_consent": {"consent_id": CONSENT_ID, "effective_on": "2026-04-01"},
    "open_case": {"opened_on": "2026-01-06", "case_manager_id": "st-cm0001"},
    "close_case": {"closed_on": "2026-12-31", "reason": "goal_reached"},
}
BODIES: dict[str, dict[str, Any]] = SAMPLES | INTAKE_BODIES


def sample(name: str, service: Service | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid command for ``name`` of ``service`` (a fresh copy), with the actors an in-process caller names."""
    own = SERVICE_SAMPLES.get(service.value, {}) if service else {}
    if name not in own and name not in BODIES:
        msg = f"{name} needs its service: {sorted(SERVICE_SAMPLES)}"
        raise KeyError(msg)
    return copy.deepcopy(own.get(name) or BODIES[name]) | overrides


def body(name: str, service: Service | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid HTTP body for command ``name`` of ``service``; ``link_to_kim_case`` needs ``case_id``.

    Without the actor fields: over HTTP they come from the access token.
    """
    return without_actors(sample(name, service, **overrides))


def without_actors(data: dict[str, Any]) -> dict[str, Any]:
    """A command's data as an HTTP body: the actor fields (set from the token) left out."""
    return {k: v for k, v in data.items() if k not in ACTOR_FIELDS}


def command(service: Service, name: str, **overrides: Any) -> Any:
    """The validated command model of ``name`` (in process: the actors as the sample names them, sent by
    the service's worker, as a route sets ``actor`` from the token)."""
    model = SPECS[service][name].model
    sender = {"actor": tokens.WORKERS[service].staff_id} if "actor" in model.model_fields else {}
    return model.model_validate(sender | sample(name, service, **overrides))


def run(app: CaseApplication, service: Service, name: str, case_id: UUID | None, cmd: Any) -> Saved:
    """Run command ``name`` through its use case, as the table names it (no HTTP)."""
    spec = SPECS[service][name]
    if isinstance(spec, NewCaseCommand):
        return spec.handler(app, cmd)
    assert case_id is not None
    return spec.handler(app, case_id, cmd)


def starts_case(service: Service, name: str) -> bool:
    """Whether command ``name`` starts a case (``POST /<service>/cases``)."""
    return isinstance(SPECS[service][name], NewCaseCommand)


def status(service: Service, name: str) -> int:
    """The HTTP status command ``name`` answers when accepted: 201 if it adds an entry (or a case), else 200."""
    spec = SPECS[service][name]
    return 201 if isinstance(spec, NewCaseCommand) or spec.adds_entry else 200


# --- the departments' projections ----------------------------------------------------------


def share_everything(case_id: UUID, today: date | None = None, consent_id: UUID | None = None) -> ev.ConsentGranted:
    """A consent naming all three departments for every category (with the secrecy release), live today."""
    today = today or date.today()
    return ev.ConsentGranted(
        case_id=case_id,
        consent_id=consent_id or uuid4(),
        scopes=[ConsentScope(recipient=r, categories=list(DataCategory), secrecy_release=True) for r in DEPARTMENTS],
        purpose=Purpose.PREPARE_APPLICATION_25B,
        valid_from=today - timedelta(days=30),
        valid_until=today + timedelta(days=365),
        form_version="KIM-EW-2025-1",
        language="ar",
        interpreter_used=True,
    )


def closed(case_id: UUID) -> ev.CaseClosed:
    return ev.CaseClosed(case_id=case_id, closed_on=date(2026, 6, 30), reason="goal_reached")


def apply(store: CaseHistoryStore, feed: Feed, records: list[ConsumedRecord], today: date | None = None) -> int:
    """Apply records as the projector does, releasing what a consent now covers."""
    stored = store.load_offsets()
    outcome = store.apply_batch(records, {r.tp: stored.get(r.tp) for r in records}, today=today)
    if outcome.releasable:
        store.release(feed.fetch(outcome.releasable), today=today)
    return outcome.applied


def know(store: CaseHistoryStore, feed: Feed, case_id: UUID | None = None, *, close: bool = False) -> UUID:
    """Make a case known to a projection: consent for everything, CaseOpened (and CaseClosed)."""
    case_id = case_id or uuid4()
    records = [feed.record(share_everything(case_id), seconds=0), feed.record(opened(case_id), seconds=1)]
    if close:
        records.append(feed.record(closed(case_id), seconds=2))
    apply(store, feed, records)
    return case_id


def close_known(store: CaseHistoryStore, feed: Feed, case_id: UUID) -> None:
    """The case is closed in this projection (intake closed it)."""
    apply(store, feed, [feed.record(closed(case_id), seconds=2)])


# --- one service in-process ----------------------------------------------------------------


class Api:
    """One service's app in-process; every answer it gives is kept, to be checked for 5xx."""

    def __init__(self, service: Service, staff: Staff | None = None) -> None:
        self.service = service
        self.answers: list[httpx.Response] = []
        self.app = create_app(service, lambda: build_container(service, in_memory=True))
        # The production verifier over a locally minted key (tests/support/tokens.py).
        self.app.dependency_overrides[get_token_verifier] = tokens.verifier
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.client.event_hooks["response"] = [self.answers.append]
        self.act_as(staff or tokens.WORKERS[service])
        self.feed = Feed(service)

    def act_as(self, staff: Staff) -> None:
        """Send the following requests with an access token of ``staff``."""
        self.staff = staff
        self.client.headers["Authorization"] = f"Bearer {staff.token()}"

    @property
    def container(self) -> Container:
        """What the app built on startup (inside ``with api.client``)."""
        container: Container = self.app.state.container
        return container

    @property
    def store(self) -> CaseHistoryStore:
        return self.container.store

    def know(self, case_id: UUID | None = None, *, close: bool = False) -> UUID:
        """Feed the service's projection a case, as its projector would from Kafka."""
        return know(self.store, self.feed, case_id, close=close)

    def close_known(self, case_id: UUID) -> None:
        close_known(self.store, self.feed, case_id)

    def post(self, path: str, body: Any, expect: int) -> dict[str, Any]:
        response = self.client.post(path, json=body)
        assert response.status_code == expect, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def get(self, path: str, expect: int, **params: Any) -> Any:
        response = self.client.get(path, params=params)
        assert response.status_code == expect, response.text
        return response.json()

    def server_errors(self) -> list[str]:
        return [f"{r.request.method} {r.request.url} -> {r.status_code}" for r in self.answers if r.status_code >= 500]


def route(service: Service, name: str, subject_id: UUID | str | None = None) -> str:
    """The URL of command ``name`` (on a case for intake, on a file for the departments)."""
    spec = SPECS[service][name]
    collection = "files" if service in FILE_SERVICES else "cases"
    if isinstance(spec, NewCaseCommand):
        return f"/{service.slug}/{collection}"
    return f"/{service.slug}/{collection}/{subject_id}/{spec.resource}"


def open_file(app: CaseApplication, service: Service, case_id: UUID | None) -> UUID:
    """A department's file on a person, linked to ``case_id`` (its view must know the case)."""
    file_id = run(app, service, "open_file", None, command(service, "open_file")).case_id
    if case_id is not None:
        run(app, service, "link_to_kim_case", file_id, command(service, "link_to_kim_case", case_id=str(case_id)))
    return file_id


def walk(
    app: CaseApplication, service: Service, case_id: UUID | None = None, names: list[str] | None = None
) -> tuple[UUID, dict[str, Saved]]:
    """Run ``names`` (by default the whole walk of ``service``) through the use cases, as the API would.

    Intake works on the case its walk registers; a department on a file its walk opens and
    links to ``case_id`` (which its view must know). Returns the case's or file's id and
    each command's answer.
    """
    subject: UUID | None = None
    saved: dict[str, Saved] = {}
    for name in names or WALKS[service]:
        overrides = {"case_id": str(case_id)} if name == "link_to_kim_case" else {}
        saved[name] = run(app, service, name, subject, command(service, name, **overrides))
        subject = saved[name].case_id
    assert subject is not None
    return subject, saved
