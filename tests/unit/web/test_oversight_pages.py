"""The operator's and the data-protection officer's pages: roles, what they show, the replay and review actions."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi import FastAPI
from kafka import TopicPartition

from shared.access.break_glass import Approver
from shared.application.break_glass import RequestBreakGlass
from shared.errors import ServiceUnavailableError
from shared.identity.admin_events import AdminEvent, AdminEventQuery
from shared.identity.roles import Role
from shared.projection.records import ConsumedRecord
from shared.service import Service
from tests.support.dead_letter_suite import parked_copy
from tests.support.projection_suite import FakeRecord, Feed, opened, toleration
from tests.support.tokens import AUDITOR, DATA_PROTECTION_OFFICER, OPERATOR, TEAM_LEADS, WORKERS, Staff
from tests.unit.web.support import log_in, seed_case, web_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

FO = Service.FOREIGN_OFFICE
DPO = DATA_PROTECTION_OFFICER
PAGES = ("/betrieb", "/datenschutz/zugriffe", "/datenschutz/break-glass", "/datenschutz/admin-events")


def csrf_of(text: str) -> str:
    return text.split('name="csrf_token" value="')[1].split('"')[0]


class FakeFetcher:
    """A consumer without a group over the feed's raw records: what Kafka hands out again."""

    def __init__(self, raw: dict[tuple[str, int, int], FakeRecord]) -> None:
        self.raw, self.closed = raw, False
        self.read: list[tuple[str, int, int]] = []
        self.tp: TopicPartition | None = None
        self.offset = 0

    def assign(self, partitions: list[TopicPartition]) -> None:
        self.tp = partitions[0]

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.offset = offset

    def poll(self, timeout_ms: int = 0, max_records: int = 1) -> dict[TopicPartition, list[FakeRecord]]:
        assert self.tp is not None
        key = (self.tp.topic, self.tp.partition, self.offset)
        self.read.append(key)
        return {self.tp: [self.raw[key]]}

    def close(self) -> None:
        self.closed = True


def park(api: FastAPI) -> tuple[UUID, Feed, ConsumedRecord]:
    """A case opened, and a Duldung an older decoder parked as a dead letter."""
    store = api.state.container.store
    feed, case = Feed(FO), uuid4()
    first = feed.record(opened(case))
    parked = parked_copy(feed, feed.record(toleration(case, date(2026, 1, 1)), seconds=1))
    for record in (first, parked):
        stored = store.load_offsets()
        store.apply_batch([record], {record.tp: stored.get(record.tp)}, today=date(2026, 6, 1))
    return case, feed, parked


@pytest.mark.parametrize("staff", [WORKERS[FO], AUDITOR, TEAM_LEADS[FO]])
def test_the_operators_page_is_for_operators_only(staff: Staff) -> None:
    api, ctx, _ = web_app(FO, staff)
    with TestClient(api) as client:
        log_in(client, ctx)
        page = client.get(ctx.url("/betrieb"))
        assert page.status_code == 403 and "Kein Zugriff" in page.text and "IT-Betrieb" in page.text
        assert 'href="/foreign-office/ui/betrieb"' not in page.text


def test_the_dpos_pages_refuse_everyone_else_and_the_access_log_follows_the_access_table() -> None:
    api, ctx, provider = web_app(FO, OPERATOR)
    with TestClient(api) as client:
        log_in(client, ctx)
        for path in PAGES[1:]:
            assert client.get(ctx.url(path)).status_code == 403, path
    for staff, allowed in ((WORKERS[FO], ()), (AUDITOR, PAGES[1:2]), (TEAM_LEADS[FO], PAGES[1:2])):
        provider.staff = staff
        with TestClient(api) as client:
            log_in(client, ctx)
            for path in PAGES:
                page = client.get(ctx.url(path))
                assert page.status_code == (200 if path in allowed else 403), (staff, path)
                assert ('href="/foreign-office/ui/datenschutz/zugriffe"' in page.text) is bool(allowed)
                assert "Break-Glass-Prüfung" not in page.text


def test_the_operator_sees_projection_relay_and_dead_letters_without_person_data() -> None:
    api, ctx, _ = web_app(FO, OPERATOR)
    with TestClient(api) as client:
        case, _, parked = park(api)
        log_in(client, ctx)
        page = client.get(ctx.url("/betrieb"))
        assert page.status_code == 200, page.text
        assert '<html lang="de">' in page.text and 'aria-current="page"' in page.text
        for text in ("Projektion", "Rückstand der Projektion", "Rückstand des Relays", "Einwilligungssperren"):
            assert text in page.text
        assert "Übersprungene Nachrichten" in page.text and "Alle offenen erneut einspielen" in page.text
        assert f"{parked.topic}/{parked.partition}@{parked.offset}" in page.text
        assert "older decoder" in page.text and "ungültig" in page.text
        assert "/datenschutz/" not in page.text.split("<main")[0]  # no DPO links for an operator
        assert not api.state.container.access_log.entries(), "an operations page logs no reads of person data"


def test_replay_needs_the_csrf_token_and_runs_the_replay_use_case() -> None:
    api, ctx, _ = web_app(FO, OPERATOR)
    with TestClient(api) as client:
        case, feed, parked = park(api)
        fetchers: list[FakeFetcher] = []

        def fetcher() -> FakeFetcher:
            fetchers.append(FakeFetcher(feed.raw))
            return fetchers[-1]

        api.state.replay_fetcher = fetcher
        log_in(client, ctx)
        store = api.state.container.store
        (letter,) = store.dead_letters()
        refused = client.post(ctx.url("/betrieb/replay"), data={"dead_letter": str(letter.id)})
        assert refused.status_code == 403 and "Sicherheitsprüfung" in refused.text and not fetchers
        token = csrf_of(client.get(ctx.url("/betrieb")).text)
        nothing = client.post(ctx.url("/betrieb/replay"), data={"csrf_token": token, "dead_letter": "x"})
        assert nothing.status_code == 422 and not fetchers
        done = client.post(ctx.url("/betrieb/replay"), data={"csrf_token": token, "dead_letter": str(letter.id)})
        assert done.status_code == 200, done.text
        assert "Ergebnis des erneuten Einspielens" in done.text and "eingespielt" in done.text
        assert fetchers and fetchers[0].closed
        assert fetchers[0].read == [(parked.topic, parked.partition, parked.offset)]
        (settled,) = store.dead_letters()
        assert settled.replayed_at is not None
        assert any("ToleratedStayIssued" in e.type for e in store.timeline(case))
        again = client.post(ctx.url("/betrieb/replay"), data={"csrf_token": token, "all": "1"})
        assert again.status_code == 200 and "keine offenen geparkten Nachrichten" in again.text


def test_a_replay_without_kafka_is_a_german_notice_not_a_500() -> None:
    api, ctx, _ = web_app(FO, OPERATOR)
    with TestClient(api) as client:
        park(api)

        def broken() -> Any:
            raise ConnectionError("no broker")

        api.state.replay_fetcher = broken
        log_in(client, ctx)
        token = csrf_of(client.get(ctx.url("/betrieb")).text)
        answer = client.post(ctx.url("/betrieb/replay"), data={"csrf_token": token, "all": "1"})
        assert answer.status_code == 503 and "Kafka oder die Datenbank ist nicht erreichbar" in answer.text


def test_the_access_log_page_filters_pages_and_logs_the_dpos_own_read() -> None:
    api, ctx, _ = web_app(FO, DPO)
    with TestClient(api) as client:
        case = seed_case(api, FO)
        log_in(client, ctx)
        page = client.get(ctx.url("/datenschutz/zugriffe"))
        assert page.status_code == 200 and "Zugriffsprotokoll" in page.text
        for label in ('for="case"', 'for="actor"', 'for="since"', 'for="until"', 'for="outcome"'):
            assert label in page.text
        wrong = client.get(ctx.url("/datenschutz/zugriffe?case=nope&since=2026-13-01"))
        assert wrong.status_code == 422 and 'aria-describedby="case-hinweis case-fehler"' in wrong.text
        filtered = client.get(ctx.url(f"/datenschutz/zugriffe?case={case}&outcome=allowed"))
        assert filtered.status_code == 200
        logged = [e for e in api.state.container.access_log.entries() if e.accessor.actor == DPO.staff_id]
        assert logged, "the DPO's read is logged"
        assert {e.route for e in logged} == {"GET /foreign-office/ui/datenschutz/zugriffe"}
        assert {e.field_group for e in logged} == {"access_log"} and {e.subject_id for e in logged} == {case}
        shown = client.get(ctx.url(f"/datenschutz/zugriffe?case={case}"))
        assert "GET /foreign-office/ui/datenschutz/zugriffe" in shown.text and "st-dsb0001" in shown.text


def test_the_access_log_pages_by_entry_id() -> None:
    api, ctx, _ = web_app(FO, AUDITOR)
    with TestClient(api) as client:
        cases = [seed_case(api, FO) for _ in range(3)]
        log_in(client, ctx)
        from shared.web import oversight_privacy

        oversight_privacy.PAGE_SIZE, size = 2, oversight_privacy.PAGE_SIZE
        try:
            for case in cases:  # each look is logged: the log grows by one entry per case named
                client.get(ctx.url(f"/datenschutz/zugriffe?case={case}"))
            first = client.get(ctx.url("/datenschutz/zugriffe"))
            assert "Weitere Einträge" in first.text
            link = first.text.split('href="/foreign-office/ui/datenschutz/zugriffe?')[1].split('"')[0]
            second = client.get(ctx.url("/datenschutz/zugriffe?" + link.replace("&amp;", "&")))
            assert second.status_code == 200 and "Zum Anfang" in second.text and "nach Nr. 2" in second.text
        finally:
            oversight_privacy.PAGE_SIZE = size


def grant_to_review(api: FastAPI, case: UUID) -> UUID:
    """An emergency grant on the case, in force at once and ended: it waits for the DPO's review."""
    glass = api.state.container.break_glass
    who = Approver("st-te9999", frozenset({Role.FOREIGN_OFFICE_CASEWORKER}), frozenset({"foreign_office"}))
    reason = "Notfall: Akte dringend für eine Vorsprache benötigt"
    grant = glass.request(who, RequestBreakGlass(subject_id=case, reason=reason, minutes=15, emergency=True))
    glass.end(grant.id, who)
    return UUID(str(grant.id))


def test_the_dpo_reviews_a_grant_with_a_required_note_and_the_csrf_token() -> None:
    api, ctx, _ = web_app(FO, DPO)
    with TestClient(api) as client:
        grant = grant_to_review(api, seed_case(api, FO))
        log_in(client, ctx)
        page = client.get(ctx.url("/datenschutz/break-glass"))
        assert page.status_code == 200 and "Notfall" in page.text and "st-te9999" in page.text
        assert f'for="note-{grant}"' in page.text and "Prüfung speichern" in page.text
        assert 'href="/foreign-office/ui/datenschutz/admin-events"' in page.text
        action = ctx.url(f"/datenschutz/break-glass/{grant}/pruefung")
        refused = client.post(action, data={"note": "geprüft"})
        assert refused.status_code == 403 and "Sicherheitsprüfung" in refused.text
        token = csrf_of(page.text)
        empty = client.post(action, data={"csrf_token": token, "note": "  "})
        assert empty.status_code == 422 and f'aria-describedby="note-{grant}-hinweis note-{grant}-fehler"' in empty.text
        done = client.post(action, data={"csrf_token": token, "note": "Zugriff war begründet."}, follow_redirects=False)
        assert done.status_code == 303
        after = client.get(done.headers["location"])
        assert "Die Prüfung ist gespeichert" in after.text and str(grant) not in after.text
        twice = client.post(action, data={"csrf_token": token, "note": "zweimal"})
        assert twice.status_code == 409 and "bereits geprüft" in twice.text
        unknown = ctx.url(f"/datenschutz/break-glass/{uuid4()}/pruefung")
        assert client.post(unknown, data={"csrf_token": token, "note": "geprüft"}).status_code == 404


class FakeEvents:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.queries: list[AdminEventQuery] = []

    def admin_events(self, query: AdminEventQuery) -> list[AdminEvent]:
        self.queries.append(query)
        if self.fail:
            raise ServiceUnavailableError("Keycloak refused the service account")
        at = datetime(2026, 1, 1, 9, tzinfo=UTC)
        path = "users/u-2/role-mappings/realm"
        return [AdminEvent(at, "CREATE", "REALM_ROLE_MAPPING", path, "u-1", "c-1", "r-0", ("team_lead",), (), None)]


def test_the_dpo_sees_keycloaks_admin_events_or_a_german_notice() -> None:
    api, ctx, _ = web_app(FO, DPO)
    with TestClient(api) as client:
        log_in(client, ctx)
        missing = client.get(ctx.url("/datenschutz/admin-events"))  # in memory: no source at all
        assert missing.status_code == 503 and "Keycloak ist nicht erreichbar" in missing.text
        fake = FakeEvents()
        api.state.container.__dict__["admin_events"] = fake
        page = client.get(ctx.url("/datenschutz/admin-events?date_from=2026-01-01"))
        assert page.status_code == 200, page.text
        assert "Rollenzuweisung (Realm) angelegt" in page.text and "team_lead" in page.text
        assert fake.queries[-1].date_from == date(2026, 1, 1)
        wrong = client.get(ctx.url("/datenschutz/admin-events?date_to=morgen"))
        assert wrong.status_code == 422 and 'aria-invalid="true"' in wrong.text
        api.state.container.__dict__["admin_events"] = FakeEvents(fail=True)
        down = client.get(ctx.url("/datenschutz/admin-events"))
        assert down.status_code == 503 and "Keycloak ist nicht erreichbar" in down.text


def test_the_layout_links_only_the_pages_a_role_opens() -> None:
    for staff, expected in (
        (OPERATOR, {"/betrieb"}),
        (DPO, set(PAGES[1:])),
        (AUDITOR, {"/datenschutz/zugriffe"}),
        (WORKERS[FO], set()),
    ):
        api, ctx, _ = web_app(FO, staff)
        with TestClient(api) as client:
            log_in(client, ctx)
            page = client.get(ctx.url(next(iter(expected)) if expected else "/"))
            nav = page.text.split("<main")[0]
            assert {p for p in PAGES if f'href="{ctx.url(p)}"' in nav} == expected, staff
