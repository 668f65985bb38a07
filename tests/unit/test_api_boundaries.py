"""Input at the HTTP boundary, in-process on POPO persistence and in-memory views.

What is proven here: a query date is a real calendar date within
EARLIEST_DATE..LATEST_DATE, otherwise 422 naming the parameter; a body beyond the
limit answers 413 in German, whether its length is declared or it is streamed, and
nothing is stored; a stored history that cannot be evaluated answers 409 with a
German reason free of personal data on the case's and the file's Perspektive, never
500; reads beyond the bound of waiting reads answer 503 with ``Retry-After``; and the
OpenAPI documents each of these answers on its routes.
"""

from __future__ import annotations

import json
import re
import threading
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.bootstrap import build_container, create_app
from shared.events import catalogue as ev
from shared.events.common import EARLIEST_DATE, LATEST_DATE
from shared.projection.records import TimelineEntry
from shared.service import Service
from shared.settings import get_settings
from tests.stack import eventually
from tests.support.tokens import client_for
from tests.support.walk import FILE_SERVICES, Api, apply, body

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx in its test client

BAD_DATES = ["0", "20260101", "2026-1-1", "2026-02-30", "2026-13-01", "0001-01-01", "1899-12-31", "2101-01-01"]
BAD_DATES += ["9999-12-31", "+2026-01-01", " 2026-01-01", "２０２６-01-01", "2026-01-01T00:00"]


@pytest.fixture
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    service = request.param if hasattr(request, "param") else Service.KOBIZ
    a = Api(service)
    with a.client:
        yield a
    assert not a.server_errors(), a.server_errors()


def for_service(*services: Service) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("api", services or list(Service), indirect=True, ids=lambda s: s.value)


def open_file(api: Api, case_id: UUID | None = None) -> UUID:
    opening = body("open_file", api.service) | ({"case_id": str(case_id)} if case_id else {})
    return UUID(api.post(f"/{api.service.slug}/files", opening, 201)["case_id"])


def perspective_paths(api: Api) -> list[str]:
    """The case's Perspektive, and (for a department) that of its own file on the case."""
    case_id = api.know()
    paths = [f"/{api.service.slug}/cases/{case_id}/perspective"]
    if api.service in FILE_SERVICES:
        file_id = open_file(api)
        api.post(
            f"/{api.service.slug}/files/{file_id}/kim-link", {"case_id": str(case_id), "linked_on": "2026-01-20"}, 200
        )
        paths.append(f"/{api.service.slug}/files/{file_id}/perspective")
    return paths


# --- query dates --------------------------------------------------------------------------


@for_service()
def test_a_query_date_is_a_real_date_within_the_plausible_range(api: Api) -> None:
    for path in perspective_paths(api):
        for bad in BAD_DATES:
            detail = api.get(path, 422, on=bad)["detail"]
            assert [tuple(d["loc"]) for d in detail] == [("query", "on")], (path, bad, detail)
        for good in (EARLIEST_DATE, LATEST_DATE, date(2026, 2, 28)):
            assert api.get(path, 200, on=good.isoformat())["evaluated_on"] == good.isoformat()


@for_service(Service.INTAKE)
def test_openapi_states_the_range_of_a_query_date(api: Api) -> None:
    (on,) = [p for p in operation(api, "/intake/cases/{case_id}/perspective", "get")["parameters"] if p["name"] == "on"]
    assert on["schema"]["format"] == "date"
    pattern = re.compile(on["schema"]["pattern"])
    day = timedelta(days=1)
    assert pattern.match(EARLIEST_DATE.isoformat()) and pattern.match(LATEST_DATE.isoformat())
    assert not pattern.match((EARLIEST_DATE - day).isoformat()) and not pattern.match((LATEST_DATE + day).isoformat())


# --- body size ---------------------------------------------------------------------------------


def too_large(api: Api, response: Any) -> None:
    assert response.status_code == 413, response.text
    answer = response.json()
    limit = get_settings(api.service).http_body_max_bytes
    assert answer == {
        "detail": f"Der Inhalt der Anfrage ist zu groß: höchstens {limit} Bytes sind erlaubt.",
        "error": "RequestBodyTooLargeError",
    }


@for_service(Service.INTAKE)
def test_a_body_beyond_the_limit_answers_413_declared_or_streamed_and_nothing_is_stored(api: Api) -> None:
    limit = get_settings(api.service).http_body_max_bytes
    registration = body("register_person")
    padded = (b'{"padding": "' + b"x" * limit + b'", ' + _json(registration)[1:]).decode()
    headers = {"content-type": "application/json"}
    too_large(api, api.client.post("/intake/cases", content=padded, headers=headers))

    def streamed() -> Iterator[bytes]:
        data = padded.encode()
        yield from (data[i : i + 4096] for i in range(0, len(data), 4096))

    response = api.client.post("/intake/cases", content=streamed(), headers=headers)
    assert "content-length" not in response.request.headers
    too_large(api, response)
    # Just below the limit the body is read and judged on its fields; nothing was stored before.
    assert (
        api.client.post(
            "/intake/cases", content=" " * (limit - 4000) + _json(registration).decode(), headers=headers
        ).status_code
        == 201
    )
    assert api.post("/intake/cases", registration, 201)["position"]["notification_id"] == 2


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


@for_service()
def test_every_command_route_documents_413(api: Api) -> None:
    paths = api.get("/openapi.json", 200)["paths"]
    posts = [(path, item["post"]) for path, item in paths.items() if "post" in item]
    assert posts
    assert [path for path, op in posts if "413" not in op["responses"]] == []


# --- an unevaluable stored history ------------------------------------------------------------


UNEVALUABLE: dict[str, tuple[type[ev.IntegrationEvent], dict[str, Any]]] = {
    # A Fiktion valid until before its issue (once accepted by the command: issue 10).
    "fiction_ends_before_issue": (
        ev.FictionCertificateIssued,
        {"issued_on": "2026-03-02", "subsection": "81_4", "valid_until": "2026-01-07"},
    ),
    # A Duldung valid until 9999-12-31: the period arithmetic runs off the calendar.
    "toleration_until_9999": (
        ev.ToleratedStayIssued,
        {
            "subtype": "60a",
            "ground_code": "no_travel_documents",
            "valid_from": "2019-03-02",
            "valid_until": "9999-12-31",
            "work_permitted": True,
            "residence_condition": False,
        },
    ),
}


def store_unevaluable(api: Api, case_id: UUID, kind: str) -> str:
    """An entry the rules cannot take, written straight into the view (no check on the way); its label."""
    event, fields = UNEVALUABLE[kind]
    sequence = 9_000 + len(api.store.timeline(case_id))
    entry = TimelineEntry(
        event_id=uuid4(),
        source=Service.FOREIGN_OFFICE,
        sequence=sequence,
        type=event.wire_type(),
        recorded_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        valid_on=date(2026, 3, 2),
        data={"case_id": str(case_id), "file_id": str(uuid4()), **fields},
    )
    with api.store.transaction() as tx:
        tx.insert_entries(case_id, [entry])
    return f"{event.__name__} (foreign_office:{sequence})"


@for_service(Service.KOBIZ, Service.INTAKE)
@pytest.mark.parametrize("kind", list(UNEVALUABLE))
def test_a_stored_history_that_cannot_be_evaluated_answers_409_with_a_reason_never_500(api: Api, kind: str) -> None:
    paths = perspective_paths(api)
    case_id = UUID(paths[0].split("/")[3])
    registered = ev.PersonRegistered(
        case_id=case_id, person_id=uuid4(), registered_on=date(2026, 1, 5), birth_date=date(1987, 4, 23)
    )
    apply(api.store, api.feed, [api.feed.record(registered, seconds=1)])
    label = store_unevaluable(api, case_id, kind)
    for path in paths:
        answer = api.get(path, 409, on="2026-06-01")
        assert answer["error"] == "UnevaluableHistoryError"
        detail = answer["detail"]
        assert detail.startswith("Der gespeicherte Verlauf lässt sich nicht bewerten")
        assert label in detail, detail
        dates = [v for v in UNEVALUABLE[kind][1].values() if isinstance(v, str) and re.fullmatch(r"[0-9-]{10}", v)]
        for personal in ("1987", *dates, str(case_id), "INTERN"):
            assert personal not in detail, (personal, detail)
    # The history itself still reads.
    assert len(api.get(f"/{api.service.slug}/cases/{case_id}/history", 200)["timeline"]) == 4


@for_service(Service.KOBIZ)
def test_perspective_routes_document_409_for_an_unevaluable_history(api: Api) -> None:
    for path in ("/kobiz/cases/{case_id}/perspective", "/kobiz/files/{file_id}/perspective"):
        assert "UnevaluableHistoryError" in operation(api, path, "get")["responses"]["409"]["description"]


# --- the bound of waiting reads -------------------------------------------------------------


def operation(api: Api, path: str, method: str) -> dict[str, Any]:
    op: dict[str, Any] = api.get("/openapi.json", 200)["paths"][path][method]
    return op


def test_a_read_beyond_the_bound_of_waiting_reads_answers_503_with_retry_after() -> None:
    service = Service.KOBIZ
    settings = get_settings(service).model_copy(update={"read_waiters_max": 1})
    api = Api(service)
    api.app = create_app(service, lambda: build_container(service, settings, in_memory=True))
    api.client = client_for(api.app, api.staff, raise_server_exceptions=False)
    api.client.event_hooks["response"] = [api.answers.append]
    with api.client:
        case_id = api.know()  # intake:1 and intake:2
        history = f"/kobiz/cases/{case_id}/history"
        answers: list[Any] = []
        first = threading.Thread(target=lambda: answers.append(api.get(history, 200, after="intake:3", wait=30)))
        first.start()
        try:
            eventually(lambda: api.app.state.waiting_reads.waiting == 1, 10, 0.01, what="the first read waits")
            refused = api.client.get(history, params={"after": "intake:4", "wait": 30})
            assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
            assert refused.json()["error"] == "WaitingReadsExhaustedError"
            assert refused.json()["detail"].startswith("Zu viele Lesezugriffe warten gerade")
            # A request refused for its parameters is refused before it would wait: 422, not 503.
            perspective = f"/kobiz/cases/{case_id}/perspective"
            assert api.get(perspective, 422, after="intake:4", wait=30, on="0")["detail"][0]["loc"] == ["query", "on"]
            # A read that need not wait takes no place: reached, or not waiting at all.
            assert api.get(history, 200, after="intake:2", wait=30)["projection"]["reached"] is True
            assert api.get(history, 200, after="intake:4")["projection"]["reached"] is False
            api.know(case_id)  # intake:3 (and intake:4) reach the view: the waiting read answers
        finally:
            first.join(timeout=30)
    assert answers and answers[0]["projection"]["reached"] is True and answers[0]["projection"]["waited_s"] < 30
    assert [e.split(" -> ")[1] for e in api.server_errors()] == ["503"], "only the refused read"


@for_service()
def test_waiting_reads_document_503_with_retry_after(api: Api) -> None:
    slug = api.service.slug
    for path in (f"/{slug}/cases/{{case_id}}/history", f"/{slug}/cases/{{case_id}}/perspective"):
        op = operation(api, path, "get")
        assert {p["name"] for p in op["parameters"]} >= {"after", "wait"}
        unavailable = op["responses"]["503"]
        assert "READ_WAITERS_MAX" in unavailable["description"] and "Retry-After" in unavailable["headers"]


# --- the settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("KIM_KOBIZ_READ_WAITERS_MAX", "0", "read_waiters_max"),
        ("KIM_KOBIZ_READ_WAITERS_MAX", "viele", "read_waiters_max"),
        ("KIM_KOBIZ_READ_WAITERS_MAX", "10001", "read_waiters_max"),
        ("KIM_KOBIZ_HTTP_BODY_MAX_BYTES", "1023", "http_body_max_bytes"),
        ("KIM_KOBIZ_HTTP_BODY_MAX_BYTES", "64KiB", "http_body_max_bytes"),
    ],
)
def test_the_bounds_are_settings_validated_at_start(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str
) -> None:
    get_settings.cache_clear()
    try:
        defaults = get_settings(Service.KOBIZ)
        assert (defaults.read_waiters_max, defaults.http_body_max_bytes) == (500, 64 * 1024)
        get_settings.cache_clear()
        monkeypatch.setenv("KIM_KOBIZ_READ_WAITERS_MAX", "7")
        monkeypatch.setenv("KIM_KOBIZ_HTTP_BODY_MAX_BYTES", "2048")
        container = build_container(Service.KOBIZ, get_settings(Service.KOBIZ), in_memory=True)
        assert (container.read_waiters_max, container.http_body_max_bytes) == (7, 2048)
        get_settings.cache_clear()
        monkeypatch.setenv(name, value)
        with pytest.raises(ValueError, match=field):
            get_settings(Service.KOBIZ)
    finally:
        get_settings.cache_clear()
