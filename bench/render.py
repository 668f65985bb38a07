"""Page rendering (G12): the case page of a case with 200 timeline entries vs. the JSON history call.

One case is put into Kobiz's view on the run's PostgreSQL through the view's own
``apply_batch`` (records encoded exactly as the relays publish them, decoded by the
projector's ``classify``): intake's opening and consent, the foreign office's Duldungen
(released to Kobiz by the consent), and Kobiz's own entries (counselling sessions, some of
them corrections, language course and certificates, livelihood and pension records).

Kobiz's API process (``kim serve kobiz api``, uvicorn, web views mounted) then answers,
interleaved and over one HTTP connection, for the same member of staff with the same
Keycloak access token:

- ``GET /kobiz/cases/{case_id}/history`` with the token as bearer (the baseline);
- ``GET /kobiz/ui/cases/{case_id}`` with the cookie of a web session that the benchmark
  signs in directly in the service's session store (``web_sessions``), as the login's
  callback would, with that token: no browser is needed.

Both do the whole work of a real request: the token verified, the function- and
object-level checks, the access-log entries written; the page also looks up its session,
evaluates the Perspektive, builds the forms and renders the templates. Each request is
timed on its own; the order alternates from pair to pair, so a burst of load elsewhere on
the machine hits both. The answers are checked once (every entry in the JSON and on the
page), and the access log is counted afterwards (at least one entry per request).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Any
from uuid import UUID, uuid4

import httpx
from psycopg import sql

from bench.append import start_api
from bench.environment import BenchEnv
from bench.latency import kobiz_url
from bench.timing import Latency
from bench.workload import staff_token_client
from services.bootstrap import build_container
from services.processes import ProcessSpec
from services.runner import ProcessKind
from shared.bus.wire import encode
from shared.clock import today
from shared.events import catalogue as ev
from shared.events.base import IntegrationEvent, event_id
from shared.events.common import ConsentScope, DataCategory, Purpose
from shared.events.vocabulary import ToleranceGround
from shared.identity.settings import IdentitySettings
from shared.identity.verifier import TokenVerifier
from shared.projection.case_history_store import CaseHistoryStore
from shared.projection.consumer import classify
from shared.projection.records import ConsumedRecord
from shared.service import Service
from shared.web.mount import session_store_of
from shared.web.sessions import Sessions, Tokens
from shared.web.settings import WebSettings

SERVICE = Service.KOBIZ
ENTRIES = 200
"""The timeline entries of the measured case (the size G12 names)."""
RENEW_LEFT_S = 90.0
"""Sign the session in with a fresh token once the one in use has less than this left (the
page refreshes a token that expires within 30 s, which a password grant's token cannot do)."""
ENTRY_MARK = 'class="kern-card kim-timeline__entry'
PERSPECTIVE_MARK = 'id="perspektive"'


@dataclass
class RenderSizes:
    entries: int  # timeline entries of the case
    pairs: int  # history call + page per round
    rounds: int
    warm_up: int = 20


# --- the case --------------------------------------------------------------------


@dataclass
class _Record:
    """Encodes events like a relay: per owner a topic, offsets and notification ids; per aggregate versions."""

    prefix: str
    offsets: dict[Service, int] = field(default_factory=dict)
    versions: dict[UUID, int] = field(default_factory=dict)
    records: list[ConsumedRecord] = field(default_factory=list)

    def add(self, event: IntegrationEvent, recorded_at: datetime) -> UUID:
        """Append the event's record; return its CloudEvents id (what a correction names)."""
        owner, aggregate = event.owner, event.subject
        version = self.versions.get(aggregate, 0) + 1
        self.versions[aggregate] = version
        offset = self.offsets.get(owner, 0)
        self.offsets[owner] = offset + 1
        # Notification ids far above any real store's, so the view's dedupe never meets a real one.
        message = encode(
            event,
            aggregate_id=aggregate,
            aggregate_version=version,
            recorded_at=recorded_at,
            notification_id=2**40 + offset,
        )
        raw = _RawRecord(f"{self.prefix}.{owner.slug}.events", 0, offset, message.key, message.value, message.headers)
        self.records.append(classify(raw))
        return event_id(owner, aggregate, version)


@dataclass(frozen=True)
class _RawRecord:
    """A Kafka record as kafka-python hands it to the projector."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


def case_records(case_id: UUID, entries: int, until: date, prefix: str) -> list[ConsumedRecord]:
    """``entries`` records of one case, a week apart up to ``until``, every one of them for Kobiz's view."""
    feed = _Record(prefix)
    start = until - timedelta(weeks=entries)

    def at(day: date) -> datetime:
        return datetime.combine(day, day_time(9), tzinfo=UTC)

    def kobiz(cls: type[ev.KobizEvent], **values: Any) -> ev.KobizEvent:
        return cls.model_validate({"case_id": case_id, "file_id": kobiz_file, **values})

    kobiz_file, fo_file = uuid4(), uuid4()
    feed.add(ev.CaseOpened(case_id=case_id, person_id=uuid4(), opened_on=start, case_manager_id="st-cm0001"), at(start))
    scope = ConsentScope(recipient="kobiz", categories=[DataCategory.STATUS, DataCategory.IDENTITY])
    consent = ev.ConsentGranted(
        case_id=case_id,
        consent_id=uuid4(),
        scopes=[scope],
        purpose=Purpose.PREPARE_APPLICATION_25B,
        valid_from=start,
        valid_until=until + timedelta(days=730),
        form_version="v1",
        language="ar",
        interpreter_used=True,
    )
    feed.add(consent, at(start))
    last_counselling: UUID | None = None
    levels = iter(("A1", "A2", "B1", "B2"))
    for i in range(entries - 2):
        day = start + timedelta(weeks=i + 1)
        event: IntegrationEvent
        if i % 24 == 0:
            event = ev.ToleratedStayIssued(
                case_id=case_id,
                file_id=fo_file,
                subtype="60a",
                ground_code=ToleranceGround.NO_TRAVEL_DOCUMENTS,
                valid_from=day,
                valid_until=day + timedelta(days=180),
                work_permitted=True,
                residence_condition=False,
            )
        elif i % 12 == 6:
            event = kobiz(
                ev.LivelihoodAssessed, assessed_on=day, coverage_percent=min(120, 20 + i), receives_sgb2=i < 120
            )
        elif i % 48 == 30:
            event = kobiz(ev.PensionContributionsRecorded, recorded_on=day, months=i // 4)
        elif i == 3:
            event = kobiz(
                ev.LanguageCourseEnrolled,
                course_type="integration_course",
                provider_code="vhs-euskirchen",
                starts_on=day,
                mandatory=True,
            )
        elif i % 40 == 39:
            event = kobiz(ev.LanguageCertificateObtained, level=next(levels, "B2"), exam_body="telc", obtained_on=day)
        elif i == 100:
            event = kobiz(ev.IntegrationCourseCompleted, completed_on=day)
        elif i % 70 == 60:
            event = kobiz(ev.EmploymentTaken, since=day, hours_per_week=30, social_insurance=True, qualified=False)
        else:
            corrects = last_counselling if i % 10 == 9 else None
            event = kobiz(
                ev.PerspectiveCounsellingHeld,
                held_on=day,
                topic_codes=["residence_perspective", "language_course", "work"][: 1 + i % 3],
                pathways_discussed=["AufenthG_25b"] if i % 2 else ["AufenthG_25b", "AufenthG_19d"],
                next_step_codes=["apply_passport", "book_exam"][: 1 + i % 2],
                corrects=corrects,
            )
            last_counselling = feed.add(event, at(day) + timedelta(hours=1))
            continue
        feed.add(event, at(day) + timedelta(hours=1))
    return feed.records


def seed(store: CaseHistoryStore, entries: int, prefix: str) -> UUID:
    """Put a case with ``entries`` timeline entries into the view, as the projector would; return its id."""
    case_id = uuid4()
    # Topics of their own (named like service topics, so the projector's source check applies),
    # fresh for every attempt: no offsets stored yet.
    records = case_records(case_id, entries, today(), f"{prefix}.render-{case_id.hex[:8]}")
    store.apply_batch(records, {r.tp: None for r in records}, today=today())
    held = len(store.timeline(case_id))
    if held != entries:
        msg = f"the view holds {held} of the case's {entries} entries"
        raise RuntimeError(msg)
    return case_id


# --- the caller ------------------------------------------------------------------


class Caller:
    """One member of staff with one access token, as bearer for the API and in a web session for the page."""

    def __init__(self, sessions: Sessions, verifier: TokenVerifier) -> None:
        self.sessions = sessions
        self.verifier = verifier
        self.session_id: str | None = None
        self.token = ""
        self.expires_at = 0.0
        self.renewals = 0

    def fresh(self) -> None:
        """A token with at least :data:`RENEW_LEFT_S` left, in the session too (outside any timing)."""
        if self.expires_at - time.time() >= RENEW_LEFT_S:
            return
        token = staff_token_client().token()  # a new client: a new password grant, a full lifetime
        principal = self.verifier.verify(token)
        tokens = Tokens(token, None, None, principal.expires_at, None)
        now = datetime.now(UTC)
        if self.session_id is None:
            roles = tuple(sorted(principal.roles))
            self.session_id, _ = self.sessions.sign_in(None, tokens, principal.staff_id, roles, now)
        else:
            session = self.sessions.find(self.session_id, now)
            if session is None:
                msg = "the benchmark's web session has ended"
                raise RuntimeError(msg)
            self.sessions.update(self.session_id, session.refreshed(tokens).touched(now))
            self.renewals += 1
        self.token, self.expires_at = token, principal.expires_at.timestamp()

    def history(self, client: httpx.Client, case_id: UUID) -> httpx.Response:
        return _ok(
            client.get(f"/{SERVICE.slug}/cases/{case_id}/history", headers={"Authorization": f"Bearer {self.token}"})
        )

    def page(self, client: httpx.Client, case_id: UUID) -> httpx.Response:
        cookie = f"kim_session_{SERVICE.value}={self.session_id}"
        return _ok(client.get(f"/{SERVICE.slug}/ui/cases/{case_id}", headers={"Cookie": cookie}))


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code != 200:
        msg = f"GET {response.request.url.path} answered {response.status_code}"
        raise RuntimeError(msg)
    return response


# --- the measurement -------------------------------------------------------------


def run(bench: BenchEnv, sizes: RenderSizes) -> dict[str, Any]:
    container = build_container(SERVICE)
    api = ProcessSpec(SERVICE, ProcessKind.API)
    history, page = Latency(), Latency()
    try:
        case_id = bench.stable(
            lambda: seed(container.store, sizes.entries, bench.infra.topic_prefix), "seeding the case"
        )
        caller = Caller(Sessions(session_store_of(container), WebSettings().policy), TokenVerifier(IdentitySettings()))
        start_api(bench, SERVICE)
        with httpx.Client(base_url=kobiz_url(), timeout=60) as client:
            caller.fresh()
            sizes_seen = bench.stable(lambda: _warm_up(client, caller, case_id, sizes), "the warm-up of the pages")
            for n in range(1, sizes.rounds + 1):
                parts = bench.stable(
                    lambda: _pairs(client, caller, case_id, sizes.pairs), f"case page vs history, round {n}"
                )
                history.samples += parts[0]
                page.samples += parts[1]
        logged = _logged(container, case_id)
    finally:
        bench.stop_process(api)
        container.close()
    requests = sizes.warm_up + sizes.pairs * sizes.rounds
    if min(logged.values()) < requests:
        msg = f"{requests} requests of each kind wrote only {logged} access-log entries"
        raise RuntimeError(msg)
    for name, latency in (("history", history), ("page", page)):
        latency.extra.update(
            {"entries": sizes.entries, "bytes": sizes_seen[name], "requests": requests, "access_log_rows": logged[name]}
        )
    history.extra["route"] = f"GET /{SERVICE.slug}/cases/{{case_id}}/history"
    page.extra["route"] = f"GET /{SERVICE.slug}/ui/cases/{{case_id}}"
    page.extra["token_renewals"] = caller.renewals
    return {"render.history": history.as_json(), "render.page": page.as_json()}


def _warm_up(client: httpx.Client, caller: Caller, case_id: UUID, sizes: RenderSizes) -> dict[str, int]:
    """Connections, caches and code paths warm; both answers checked to show the whole case."""
    for _ in range(sizes.warm_up):
        caller.fresh()
        body = caller.history(client, case_id)
        html = caller.page(client, case_id)
    timeline = len(body.json()["timeline"])
    shown = html.text.count(ENTRY_MARK)
    if timeline != sizes.entries or shown != sizes.entries or PERSPECTIVE_MARK not in html.text:
        msg = f"of {sizes.entries} entries the history shows {timeline}, the page {shown} (or no Perspektive)"
        raise RuntimeError(msg)
    return {"history": len(body.content), "page": len(html.content)}


def _pairs(client: httpx.Client, caller: Caller, case_id: UUID, pairs: int) -> tuple[list[float], list[float]]:
    """``pairs`` times both requests, taking turns going first; each one timed on its own."""
    calls: list[Callable[[httpx.Client, UUID], httpx.Response]] = [caller.history, caller.page]
    samples: tuple[list[float], list[float]] = ([], [])
    for i in range(pairs):
        caller.fresh()
        for which in (0, 1) if i % 2 == 0 else (1, 0):
            started = time.perf_counter()
            calls[which](client, case_id)
            samples[which].append(time.perf_counter() - started)
    return samples


def _logged(container: Any, case_id: UUID) -> dict[str, int]:
    """Access-log entries of the case per route (every request must have written at least one)."""
    schema = container.settings.pg_schema
    query = sql.SQL("SELECT route, count(*) FROM {} WHERE case_id = %s GROUP BY route").format(
        sql.Identifier(schema, "access_log")
    )
    with container.pool.connection() as conn:
        rows = dict(conn.execute(query, (case_id,)).fetchall())
    return {
        "history": int(rows.get(f"GET /{SERVICE.slug}/cases/{{case_id}}/history", 0)),
        "page": int(rows.get(f"GET /{SERVICE.slug}/ui/cases/{{case_id}}", 0)),
    }
