"""The cases and files the BOLA matrix runs on, made through the public APIs, and the run itself.

Per service, a subject per column of :mod:`tests.support.bola` (own, team, other, unknown). Made by the
pipeline test user (every role, every department group), who opens them and so works on them; the
matrix members are then made *own* where the column says so: assigned to the department's file,
deputy of the KIM case manager at intake, or the KIM case manager themself (a hand-over to them).

Commands that change who works on a subject or end it are sent with bodies that leave the matrix
subjects as they are: assignments name new staff ids, releases and hand-overs take staff the setup
assigned for that purpose, consent changes take consents granted for that purpose. Commands that can
succeed only once on a subject (opening, closing, the intake hand-over, the link) get a fresh subject
per allowed cell, made in the same relation to the member as the column says.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import uuid4

import httpx

from shared.clock import today
from shared.service import Service
from tests.support import walk
from tests.support.bola import MEMBERS, Cell, Member, Outcome, Route, cells

Send = Callable[[Service, str, str, str, dict[str, Any] | None], httpx.Response]
"""(service, username, method, path, JSON body) -> the answer."""

SETUP_USER = "test.pipeline"
SETUP_STAFF = "st-te5701"
FILLERS = 6
"""Staff assigned to each department file only to be released or handed over by matrix cells."""
SPARE_CONSENTS = 4
"""Consents granted on each intake case only to be narrowed or revoked by matrix cells."""
FRESH = {
    Service.INTAKE: frozenset({"open_case", "close_case", "hand_over"}),
    Service.FOREIGN_OFFICE: frozenset({"close_file", "link_to_kim_case"}),
    Service.KOBIZ: frozenset({"link_to_kim_case"}),
}
"""Commands that succeed once per subject (or end it): a fresh subject per allowed own/team cell."""


BREAK_GLASS_BODIES: dict[str, dict[str, Any]] = {
    "request": {"reason": "Beschwerde der betroffenen Person prüfen", "minutes": 30},
    "approve": {},
    "refuse": {"note": "nicht erforderlich"},
    "end": {},
    "review": {"note": "geprüft, ohne Befund"},
}


def new_staff() -> str:
    return f"st-{uuid4().hex[:12]}"


def _intake_only_consent() -> dict[str, Any]:
    return {
        "consent_id": str(uuid4()),
        "scopes": [{"recipient": "intake", "categories": ["case_management", "status"]}],
        "purpose": "prepare_application_25b",
        "valid_from": "2026-01-06",
        "valid_until": "2027-12-31",
        "form_version": "KIM-EW-2025-1",
        "language": "ar",
        "interpreter_used": False,
    }


def _searched() -> dict[str, Any]:
    """The person every intake case of the world registers: a search or duplicate check finds them."""
    registered = walk.body("register_person")
    return {k: registered[k] for k in ("family_name", "given_names", "birth_date")}


def _share_everything() -> dict[str, Any]:
    return walk.body("grant_consent") | {"consent_id": str(uuid4())}


@dataclass
class World:
    send: Send
    subjects: dict[tuple[Service, str], dict[str, str]] = field(default_factory=dict)
    """(service, subject kind) -> column -> id."""
    managers: dict[str, str] = field(default_factory=dict)
    """Intake case -> its KIM case manager's staff id."""
    fillers: dict[str, list[str]] = field(default_factory=dict)
    anchors: dict[str, str] = field(default_factory=dict)
    """Department file -> an assigned filler never released (the one deputies stand in for)."""
    spare: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """(intake case, change|revoke) -> consents granted for the matrix to narrow or revoke."""
    cases: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- commands as the setup user -------------------------------------------------------

    def post(self, service: Service, path: str, body: dict[str, Any], user: str = SETUP_USER) -> dict[str, Any]:
        answer = self.send(service, user, "POST", path, body)
        assert answer.status_code in (200, 201), f"setup POST {path}: {answer.status_code} {answer.text}"
        data: dict[str, Any] = answer.json()
        return data

    def wait_known(self, service: Service, case_id: str, after: str) -> None:
        """Until ``service``'s view has consumed ``after`` (a position token), bounded."""
        deadline = time.monotonic() + 60
        path = f"/{service.slug}/cases/{case_id}/history?after={after}&wait=10"
        while True:
            answer = self.send(service, SETUP_USER, "GET", path, None)
            if answer.status_code == 200 and answer.json()["projection"]["reached"]:
                return
            assert time.monotonic() < deadline, f"{service.value} view never reached {after}: {answer.text}"

    def intake_case(self, *, consent: bool = True, open_: bool = True) -> tuple[str, str]:
        """A registered person (with a consent to share everything, opened); the case id and last position."""
        answer = self.post(Service.INTAKE, "/intake/cases", walk.body("register_person"))
        case_id = str(answer["case_id"])
        if consent:
            answer = self.post(Service.INTAKE, f"/intake/cases/{case_id}/consents", _share_everything())
        if open_:
            answer = self.post(Service.INTAKE, f"/intake/cases/{case_id}/opening", {"opened_on": "2026-01-06"})
            self.managers[case_id] = SETUP_STAFF
        return case_id, str(answer["position"]["token"])

    def deputy(self, case_id: str, staff_id: str) -> None:
        """``staff_id`` stands in for the case manager from yesterday for a month: they work on the case."""
        body = {
            "deputy_id": staff_id,
            "for_staff_id": self.managers[case_id],
            "from_on": (today() - timedelta(days=1)).isoformat(),
            "until_on": (today() + timedelta(days=30)).isoformat(),
        }
        self.post(Service.INTAKE, f"/intake/cases/{case_id}/deputies", body)

    def file(self, service: Service, case_id: str | None, assign: list[str]) -> str:
        """A department file (opened by the setup user), linked to ``case_id``, ``assign`` assigned to it."""
        slug = service.slug
        file_id = str(self.post(service, f"/{slug}/files", walk.body("open_file", service))["case_id"])
        if case_id is not None:
            self.post(service, f"/{slug}/files/{file_id}/kim-link", {"case_id": case_id, "linked_on": "2026-01-06"})
        for staff_id in assign:
            body = {"staff_id": staff_id, "assigned_on": "2026-01-07"}
            self.post(service, f"/{slug}/files/{file_id}/assignments", body)
        return file_id

    # --- the subjects ---------------------------------------------------------------------

    def build(self) -> World:
        kcm = next(m for m in MEMBERS if m.key == "kim_case_manager").staff_id
        c_own, _ = self.intake_case()
        handed = self.post(
            Service.INTAKE,
            f"/intake/cases/{c_own}/handovers",
            {"from_staff_id": SETUP_STAFF, "to_staff_id": kcm, "handed_over_on": "2026-01-07"},
        )
        self.managers[c_own] = kcm
        for member in MEMBERS:
            if member.staff_id != kcm:
                self.deputy(c_own, member.staff_id)
        c_team, _ = self.intake_case()
        c_other, _ = self.intake_case(consent=False)
        c_sink, _ = self.intake_case()
        self.cases = {"own": c_own, "team": c_team, "other": c_other, "sink": c_sink}
        for case_id in (c_own, c_team):
            for purpose in ("change", "revoke"):
                consents = [_intake_only_consent() for _ in range(SPARE_CONSENTS)]
                for consent in consents:
                    self.post(Service.INTAKE, f"/intake/cases/{case_id}/consents", consent)
                self.spare[(case_id, purpose)] = [c["consent_id"] for c in consents]
        last = self.post(Service.INTAKE, f"/intake/cases/{c_sink}/referrals", walk.body("receive_referral"))
        for service in Service:  # every view has consumed every case (intake's events are in order)
            self.wait_known(service, c_sink, str(last["position"]["token"]))
        self.wait_known(Service.KOBIZ, c_own, str(handed["position"]["token"]))
        everyone = [m.staff_id for m in MEMBERS]
        files: dict[Service, dict[str, str]] = {}
        for service in walk.FILE_SERVICES:
            own_staff = [s for s in everyone if not (service is Service.KOBIZ and s == kcm)]  # KCM: as manager
            files[service] = {
                "own": self.file(service, c_own, own_staff),
                "team": self.file(service, c_team, []),
            }
            for file_id in files[service].values():
                fillers = [new_staff() for _ in range(FILLERS + 1)]
                for staff_id in fillers:
                    body = {"staff_id": staff_id, "assigned_on": "2026-01-07"}
                    self.post(service, f"/{service.slug}/files/{file_id}/assignments", body)
                self.anchors[file_id] = fillers[0]
                self.fillers[file_id] = fillers[1:]
        fo, kobiz = files[Service.FOREIGN_OFFICE], files[Service.KOBIZ]
        unknown = str(uuid4())
        self.subjects = {
            (Service.INTAKE, "case_id"): {"own": c_own, "team": c_team, "other": fo["team"], "unknown": unknown},
            (Service.INTAKE, "case"): {"own": c_own, "team": c_team, "other": fo["team"], "unknown": unknown},
            (Service.FOREIGN_OFFICE, "file_id"): {**fo, "other": kobiz["team"], "unknown": unknown},
            (Service.FOREIGN_OFFICE, "case"): {"own": c_own, "team": c_team, "other": c_other, "unknown": unknown},
            (Service.KOBIZ, "file_id"): {**kobiz, "other": fo["team"], "unknown": unknown},
            (Service.KOBIZ, "case"): {"own": c_own, "team": c_team, "other": fo["team"], "unknown": unknown},
        }
        return self

    def fresh(self, route: Route, member: Member, column: str) -> str:
        """A new subject for a command that succeeds once, in relation ``column`` to ``member``."""
        service = route.service
        if service is Service.INTAKE:
            if route.command == "open_case":
                return self.subjects[(service, "case_id")][column] if column == "own" else self.intake_case()[0]
            case_id, _ = self.intake_case(consent=False)
            if column == "own":
                self.deputy(case_id, member.staff_id)
            return case_id
        return self.file(service, None, [member.staff_id] if column == "own" else [])

    # --- bodies -----------------------------------------------------------------------------

    def take(self, pool: dict[Any, list[str]], key: Any, spare: Callable[[], str] = new_staff) -> str:
        with self.lock:
            left = pool.get(key, [])
            return left.pop() if left else spare()  # none left: the command's refusal (409) is the answer

    def body(self, route: Route, subject: str) -> dict[str, Any]:
        service, name = route.service, route.command
        assert name is not None
        if route.kind == "break-glass":
            return BREAK_GLASS_BODIES[name] | ({"subject_id": subject} if name == "request" else {})
        if name == "grant_consent":
            return _intake_only_consent()
        if name == "change_consent_scope":
            consent = self.take(self.spare, (subject, "change"), lambda: str(uuid4()))
            scopes = [{"recipient": "intake", "categories": ["case_management"]}]
            return {"consent_id": consent, "scopes": scopes, "effective_on": "2026-03-01"}
        if name == "revoke_consent":
            consent = self.take(self.spare, (subject, "revoke"), lambda: str(uuid4()))
            return {"consent_id": consent, "effective_on": "2026-04-01"}
        if name == "assign_staff":
            return {"staff_id": new_staff(), "assigned_on": "2026-02-01"}
        if name == "release_staff":
            return {"staff_id": self.take(self.fillers, subject), "released_on": "2026-03-01"}
        if name == "hand_over":
            giver = self.managers.get(subject) if service is Service.INTAKE else self.take(self.fillers, subject)
            return {"from_staff_id": giver or new_staff(), "to_staff_id": new_staff(), "handed_over_on": "2026-03-02"}
        if name == "name_deputy":
            holder = self.managers.get(subject) if service is Service.INTAKE else self.anchors.get(subject)
            period = {"from_on": "2026-03-01", "until_on": "2026-03-31"}
            return {"deputy_id": new_staff(), "for_staff_id": holder or new_staff(), **period}
        if name == "link_to_kim_case":
            return {"case_id": self.cases["sink"], "linked_on": "2026-01-06"}
        return walk.body(name, service)

    # --- the run ------------------------------------------------------------------------------

    def run_cell(self, cell: Cell) -> Outcome:
        route = cell.route
        subject: str | None = None
        if route.kind == "break-glass":
            subject = self.subjects[(route.service, "case")][cell.column] if route.subject else None
        elif route.subject is not None:
            subject = self.subjects[(route.service, route.subject)][cell.column]
            fresh = route.command in FRESH[route.service]
            if fresh and cell.expected.allowed and cell.column in ("own", "team"):
                subject = self.fresh(route, cell.member, cell.column)
        path = route.path
        for param in ("{case_id}", "{file_id}", "{grant_id}"):
            path = path.replace(param, subject or "")
        if route.kind == "list":
            path += "?limit=200"
        body: dict[str, Any] | None = None
        if route.kind == "search" and route.method == "GET":  # the person every intake case of the world registers
            path += "?" + urlencode(_searched())
        elif route.kind == "search":
            body = _searched()
        elif route.method == "POST":
            body = self.body(route, subject or "")
        answer = self.send(route.service, cell.member.username, route.method, path, body)
        try:
            content: Any = answer.json()
        except ValueError:
            content = answer.text
        return Outcome(cell, answer.status_code, content)

    def run_route(self, route: Route) -> list[Outcome]:
        return [self.run_cell(cell) for cell in cells(route)]

    def run(self, routes: list[Route]) -> dict[str, list[Outcome]]:
        """Every cell of ``routes``: the services in parallel, each service's routes in order."""
        by_service: dict[Service, list[Route]] = {}
        for route in routes:
            by_service.setdefault(route.service, []).append(route)

        def one(service: Service) -> dict[str, list[Outcome]]:
            return {route.id: self.run_route(route) for route in by_service[service]}

        results: dict[str, list[Outcome]] = {}
        with ThreadPoolExecutor(len(by_service)) as pool:
            for part in pool.map(one, by_service):
                results.update(part)
        return results
