"""The browser suite: two services' APIs with their web views, on this session's database, the real Keycloak.

Each server is uvicorn in a thread on a port the realm's test web client ``kim-web-test``
(deploy/keycloak/realm-kim.test-client.json: 127.0.0.1:18101–18110) accepts as redirect
target. A Keycloak started before that client was added to the realm file does not know it
yet: then the suite uses ``kim-web`` on the demo ports 8101–8103 if they are free, and says
so; otherwise it fails and names the restart (deploy/keycloak.sh stop && start).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Playwright, sync_playwright
from pydantic import SecretStr

from services.bootstrap import Container, build_container, create_app
from shared.identity.settings import IdentitySettings
from shared.service import Service
from shared.settings import REPO_ROOT
from shared.web.mount import install_web
from shared.web.settings import WebSettings
from tests.browser.chromium import ARGS, EXECUTABLE, check_versions
from tests.support.projection_suite import Feed, consent, counselled, opened, toleration

pytestmark = pytest.mark.browser

TEST_SECRET = os.environ.get("KIM_KEYCLOAK_TEST_SECRET", "kim-test-dev-secret")
USER = "test.pipeline"
ARTIFACTS = REPO_ROOT / ".kim" / "test-artifacts" / "browser"
AXE = REPO_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SERVICES = (Service.FOREIGN_OFFICE, Service.KOBIZ)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no obstacle
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _client_accepts(client_id: str, port: int) -> bool:
    """Whether Keycloak shows its login form for this client and a redirect to this port."""
    issuer = IdentitySettings().issuer
    redirect = quote(f"http://127.0.0.1:{port}/x", safe="")
    url = (
        f"{issuer}/protocol/openid-connect/auth?client_id={client_id}&response_type=code&scope=openid"
        f"&redirect_uri={redirect}&code_challenge={'a' * 43}&code_challenge_method=S256"
    )
    answer = httpx.get(url, timeout=10)
    return answer.status_code == 200 and "kc-login" in answer.text


@dataclass(frozen=True)
class WebClient:
    client_id: str
    secret: str
    ports: list[int]


@pytest.fixture(scope="session")
def web_client() -> WebClient:
    test_ports = [p for p in range(18101, 18111) if _port_free(p)]
    if len(test_ports) >= len(SERVICES) and _client_accepts("kim-web-test", test_ports[0]):
        return WebClient("kim-web-test", TEST_SECRET, test_ports)
    demo_ports = [p for p in (8101, 8102, 8103) if _port_free(p)]
    if len(demo_ports) >= len(SERVICES) and _client_accepts("kim-web", demo_ports[0]):
        print("browser tests: Keycloak does not know kim-web-test yet (restart it); using kim-web on 8101-8103")
        return WebClient("kim-web", os.environ.get("KIM_KEYCLOAK_WEB_SECRET", "kim-web-dev-secret"), demo_ports)
    pytest.fail(
        "no web client for the browser tests: restart Keycloak so that it imports kim-web-test "
        "(bash deploy/keycloak.sh stop && bash deploy/keycloak.sh start), or free the ports 18101-18110"
    )


@dataclass
class Server:
    service: Service
    base_url: str
    api: Any
    case_id: UUID

    def url(self, path: str = "/") -> str:
        return f"{self.base_url}/{self.service.slug}/ui{path}"


def _seed(store: Any, viewer: Service) -> UUID:
    feed, case = Feed(viewer), uuid4()
    records = [
        feed.record(opened(case)),
        feed.record(consent(case), seconds=1),
        feed.record(toleration(case, date(2026, 1, 1)), seconds=2),
        feed.record(counselled(case), seconds=3),
    ]
    stored = store.load_offsets()
    store.apply_batch(records, {r.tp: stored.get(r.tp) for r in records}, today=date(2026, 6, 1))
    return case


def _returning(container: Container) -> Callable[[], Container]:
    return lambda: container


@pytest.fixture(scope="session")
def servers(infra_env: dict[str, str], web_client: WebClient) -> Iterator[dict[Service, Server]]:
    running: dict[Service, Server] = {}
    stops: list[tuple[uvicorn.Server, threading.Thread]] = []
    try:
        for service, port in zip(SERVICES, web_client.ports, strict=False):
            container = build_container(service)
            case = _seed(container.store, service)
            api = create_app(service, _returning(container), web=False)
            base = f"http://127.0.0.1:{port}"
            settings = WebSettings(client_id=web_client.client_id, client_secret=SecretStr(web_client.secret))
            install_web(api, service, settings=settings, base_url=base)
            server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning"))
            thread = threading.Thread(target=server.run, name=f"kim-web-{service.slug}", daemon=True)
            thread.start()
            deadline = time.monotonic() + 30
            while not server.started:
                assert time.monotonic() < deadline, f"{service} did not start"
                time.sleep(0.05)
            stops.append((server, thread))
            running[service] = Server(service, base, api, case)
        yield running
    finally:
        for server, thread in stops:
            server.should_exit = True
            thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    check_versions()
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    browser = playwright_session.chromium.launch(executable_path=EXECUTABLE, args=ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
