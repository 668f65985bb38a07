"""A steady load of valid commands through the public HTTP APIs, as caseworkers issue them.

One worker thread per service issues commands at a modest steady rate. Every
command carries an ``Idempotency-Key``; a command that got no answer (connection
error, timeout) or a 5xx is retried with the same key and the same body until the
API acknowledges it, so a retry can never store it twice. Each command is recorded
in the session's :class:`Ledger` — acknowledged with its position token, case id
and version, or not acknowledged — for the independent checker.
"""

from __future__ import annotations

import copy
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import httpx

from shared.service import Service
from tests.conftest import person
from tests.pipeline.helpers import ALL_CATEGORIES, file_of
from tests.samples import SAMPLES
from tests.stack import Stack, eventually
from tests.support.walk import without_actors

ROUTES: dict[str, tuple[Service, str]] = {
    "receive_referral": (Service.INTAKE, "referrals"),
    "hold_case_conference": (Service.INTAKE, "case-conferences"),
    "agree_integration_plan": (Service.INTAKE, "integration-plans"),
    "issue_tolerated_stay": (Service.FOREIGN_OFFICE, "tolerated-stays"),
    "notify_cooperation_duty": (Service.FOREIGN_OFFICE, "cooperation-duties"),
    "submit_identity_document": (Service.FOREIGN_OFFICE, "identity-documents"),
    "grant_employment_permission": (Service.FOREIGN_OFFICE, "employment-permissions"),
    "notify_criminal_conviction": (Service.FOREIGN_OFFICE, "criminal-convictions"),  # internal: never published
    "hold_counselling": (Service.KOBIZ, "counselling-sessions"),
    "record_civic_test": (Service.KOBIZ, "civic-tests"),
    "assess_livelihood": (Service.KOBIZ, "livelihood-assessments"),
    "take_employment": (Service.KOBIZ, "employments"),
    "enrol_in_language_course": (Service.KOBIZ, "language-courses"),
    "record_language_certificate": (Service.KOBIZ, "language-certificates"),
}
MIX: dict[Service, list[str]] = {s: [n for n, (svc, _) in ROUTES.items() if svc is s] for s in Service}


@dataclass
class Sent:
    """One command and what became of it."""

    service: Service
    name: str
    path: str
    body: dict[str, Any]
    key: str
    case_id: str | None
    creates_case: bool = False
    acknowledged: bool = False
    duplicate: bool = False
    """Acknowledged by a retry that found the command already stored."""
    status: int | None = None
    token: str | None = None
    version: int | None = None
    attempts: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    rejected: str | None = None
    """A 4xx answer outside the retry protocol: the command failed wrongly."""
    sent_at: float = 0.0
    acknowledged_at: float | None = None


class Ledger:
    """Every command of the session, for the checker (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: list[Sent] = []

    def add(self, sent: Sent) -> None:
        with self._lock:
            self._sent.append(sent)

    def all(self) -> list[Sent]:
        with self._lock:
            return list(self._sent)

    def acknowledged(self) -> int:
        return sum(s.acknowledged for s in self.all())


def consent_body() -> dict[str, Any]:
    return {
        "consent_id": str(uuid4()),
        "scopes": [{"recipient": r, "categories": ALL_CATEGORIES} for r in ("intake", "foreign_office", "kobiz")],
        "purpose": "prepare_application_25b",
        "valid_from": "2026-01-06",
        "valid_until": "2027-12-31",
        "form_version": "KIM-EW-2025-1",
        "language": "ar",
        "interpreter_used": True,
    }


def send(client: httpx.Client, sent: Sent, give_up: threading.Event, max_backoff: float = 1.0) -> Sent:
    """Send until acknowledged (retrying with the same key), rejected, or ``give_up`` is set."""
    backoff = 0.1
    sent.sent_at = sent.sent_at or time.monotonic()
    while True:
        sent.attempts += 1
        try:
            response = client.post(sent.path, json=sent.body, headers={"Idempotency-Key": sent.key})
        except httpx.HTTPError as exc:
            sent.errors[type(exc).__name__] += 1
            response = None
        if response is not None:
            sent.status = response.status_code
            if response.status_code in (200, 201):
                body = response.json()
                sent.acknowledged, sent.acknowledged_at = True, time.monotonic()
                sent.case_id = str(body["case_id"])
                sent.version = body["version"]
                sent.duplicate = bool(body.get("duplicate"))
                sent.token = (body.get("position") or {}).get("token")
                return sent
            if response.status_code >= 500 or (response.status_code == 409 and sent.attempts > 1):
                # Not stored (5xx), or an earlier attempt is still being stored (409 on a retry).
                sent.errors[str(response.status_code)] += 1
                retry_after = response.headers.get("Retry-After")
                if retry_after and retry_after.isdigit():
                    backoff = max(backoff, min(float(retry_after), max_backoff))
            else:
                sent.rejected = f"{response.status_code}: {response.text[:300]}"
                return sent
        if give_up.wait(backoff):
            return sent
        backoff = min(backoff * 2, max_backoff)


class Load:
    """Background workers issuing valid commands at a steady rate; use as a context manager."""

    def __init__(
        self,
        stack: Stack,
        ledger: Ledger,
        cases: list[str],
        *,
        rate_per_service: float = 5.0,
        seed: int | None = None,
        label: str = "load",
    ) -> None:
        self.stack = stack
        self.ledger = ledger
        self.department_cases = list(cases)
        self.intake_cases = list(cases)
        self.rate = rate_per_service
        self.rng = random.Random(seed)  # noqa: S311 - a test's load mix
        self.label = label
        self._stop = threading.Event()
        self._give_up = threading.Event()
        self._threads: list[threading.Thread] = []
        self._mine: list[Sent] = []
        self._lock = threading.Lock()
        self.run_id = uuid4().hex[:8]
        self._n = 0
        self.started = 0.0
        self.stopped = 0.0

    # --- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> Load:
        self.started = time.monotonic()
        for service in Service:
            thread = threading.Thread(target=self._work, args=(service,), name=f"load-{service.value}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self, drain_s: float = 90.0) -> None:
        """No new commands; let pending ones be retried until acknowledged or ``drain_s`` passes."""
        if self._stop.is_set():
            return
        self._stop.set()
        deadline = time.monotonic() + drain_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._give_up.set()
        for thread in self._threads:
            thread.join(10)
        self.stopped = time.monotonic()

    # --- observing -------------------------------------------------------------------------

    def sent(self) -> list[Sent]:
        with self._lock:
            return list(self._mine)

    def acknowledged(self, service: Service | None = None) -> int:
        return sum(s.acknowledged and (service is None or s.service is service) for s in self.sent())

    def wait_acknowledged(self, more: int, service: Service | None = None, timeout: float = 60.0) -> None:
        """Wait until ``more`` further commands (of ``service``) were acknowledged: a moment in the load."""
        target = self.acknowledged(service) + more
        eventually(
            lambda: self.acknowledged(service) >= target,
            timeout,
            0.02,
            what=f"{more} more acknowledged commands{f' of {service.value}' if service else ''}",
        )

    def summary(self) -> dict[str, int]:
        mine = self.sent()
        return {
            "sent": len(mine),
            "acknowledged": sum(s.acknowledged for s in mine),
            "by_retry": sum(s.acknowledged and s.attempts > 1 for s in mine),
            "found_stored_on_retry": sum(s.duplicate for s in mine),
            "not_acknowledged": sum(not s.acknowledged and not s.rejected for s in mine),
            "rejected": sum(bool(s.rejected) for s in mine),
            "failed_attempts": sum(sum(s.errors.values()) for s in mine),
        }

    def line(self) -> str:
        s = self.summary()
        duration = (self.stopped or time.monotonic()) - self.started
        return (
            f"[load] {self.label}: {s['acknowledged']} acknowledged in {duration:.0f}s "
            f"({s['acknowledged'] / max(duration, 1):.1f}/s), {s['by_retry']} only after retries "
            f"({s['found_stored_on_retry']} found already stored), {s['not_acknowledged']} never acknowledged, "
            f"{s['rejected']} rejected, {s['failed_attempts']} failed attempts"
        )

    def rejected(self) -> list[str]:
        return [f"{s.service.value} {s.name} {s.rejected}" for s in self.sent() if s.rejected]

    # --- the workers --------------------------------------------------------------------

    def _key(self) -> str:
        with self._lock:
            self._n += 1
            return f"fault-{self.run_id}-{self._n}"

    def _record(self, sent: Sent) -> Sent:
        with self._lock:
            self._mine.append(sent)
        self.ledger.add(sent)
        return sent

    def _commands(self, service: Service) -> Iterator[Sent | list[Sent]]:
        rng = random.Random(self.rng.random())  # noqa: S311 - one stream per worker
        n = 0
        while True:
            n += 1
            if service is Service.INTAKE and n % 8 == 1:
                yield self._new_case()
                continue
            name = rng.choice(MIX[service])
            case_id = rng.choice(self.intake_cases if service is Service.INTAKE else self.department_cases)
            body = without_actors(copy.deepcopy(SAMPLES[name]))
            if name == "enrol_in_language_course" and rng.random() < 0.5:
                body["course_type"] = "integration_course"  # refined by the policy (§ 88a)
            if name == "notify_criminal_conviction":
                body = {"convicted_on": "2025-05-05", "court": "INTERN AG", "sanction_code": "fine", "day_fines": 30}
            if service is Service.INTAKE:
                path, subject = f"/intake/cases/{case_id}/{ROUTES[name][1]}", case_id
            else:  # the department's own file on the person (the answer names the file)
                subject = file_of(self.stack, service, case_id)
                path = f"/{service.slug}/files/{subject}/{ROUTES[name][1]}"
            yield Sent(service, name, path, body, self._key(), subject)

    def _new_case(self) -> list[Sent]:
        key = self._key()
        return [
            Sent(
                Service.INTAKE,
                "register_person",
                "/intake/cases",
                person(family_name="Lastprobe", given_names="Ada"),
                key,
                None,
                creates_case=True,
            )
        ]

    def _work(self, service: Service) -> None:
        interval = 1.0 / self.rate
        commands = self._commands(service)
        next_at = time.monotonic()
        with self.stack.client(service) as client:
            while not self._stop.is_set():
                item = next(commands)
                for sent in item if isinstance(item, list) else [item]:
                    self._record(sent)
                    send(client, sent, self._give_up)
                    if sent.creates_case and sent.acknowledged:
                        self._follow_up(client, str(sent.case_id))
                next_at += interval
                # Pacing the load (not waiting for a condition): a steady rate per service.
                if self._stop.wait(max(0.0, next_at - time.monotonic())):
                    break
                next_at = max(next_at, time.monotonic() - interval)

    def _follow_up(self, client: httpx.Client, case_id: str) -> None:
        """A new case gets a consent naming all departments and is opened."""
        for name, path, body in (
            ("grant_consent", "consents", consent_body()),
            ("open_case", "opening", {"opened_on": "2026-01-06"}),
        ):
            sent = self._record(
                Sent(Service.INTAKE, name, f"/intake/cases/{case_id}/{path}", body, self._key(), case_id)
            )
            send(client, sent, self._give_up)
            if not sent.acknowledged:
                return
        self.intake_cases.append(case_id)
