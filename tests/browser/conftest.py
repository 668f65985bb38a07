"""The browser suite on the full running stack, with the real Keycloak.

All three services run as real processes (api with its web views, relay, projector) on this
session's database and topics (``infra_env``, tests/stack.py ``running_stack``), their APIs on
ports the realm's test web client ``kim-web-test`` (deploy/keycloak/realm-kim.test-client.json:
127.0.0.1:18101–18110) accepts as redirect targets. A Keycloak started before that client was
added to the realm file does not know it yet: then the suite uses ``kim-web`` on the demo ports
8101–8103 if they are free, and says so; otherwise it fails and names the restart
(deploy/keycloak.sh stop && start). The journeys seed their cases through the APIs as the
realm's test users (tests/browser/world.py); what crosses departments travels through the
relays, Kafka and the projectors.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from shared.identity.settings import IdentitySettings
from shared.service import Service
from shared.settings import REPO_ROOT, get_settings
from tests.browser.chromium import ARGS, EXECUTABLE, browser_env, check_versions
from tests.browser.world import Api
from tests.stack import Stack, running_stack

pytestmark = pytest.mark.browser

TEST_SECRET = os.environ.get("KIM_KEYCLOAK_TEST_SECRET", "kim-test-dev-secret")
USER = "test.pipeline"
ARTIFACTS = REPO_ROOT / ".kim" / "test-artifacts" / "browser"
AXE = REPO_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SERVICES = tuple(Service)


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


@dataclass(frozen=True)
class Server:
    """One service's web views on the running stack."""

    service: Service
    base_url: str

    def url(self, path: str = "/") -> str:
        return f"{self.base_url}/{self.service.slug}/ui{path}"


@pytest.fixture(scope="session")
def full_stack(
    infra_env: dict[str, str], web_client: WebClient, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Intake, foreign office and Kobiz: api (with web views), relay and projector each, as processes."""
    web = {
        "KIM_WEB_CLIENT_ID": web_client.client_id,
        "KIM_WEB_CLIENT_SECRET": web_client.secret,
        "KIM_WEB_BASE_URL": "",  # each service's own http://127.0.0.1:<port>, the redirect target
    }
    ports = {f"KIM_{s.value.upper()}_HTTP_PORT": str(p) for s, p in zip(SERVICES, web_client.ports, strict=False)}
    os.environ.update(ports)  # the test code's view of the ports (Stack.url reads the settings)
    get_settings.cache_clear()
    with running_stack({**infra_env, **ports, **web}, tmp_path_factory.mktemp("kim-run")) as stack:
        yield stack


@pytest.fixture(scope="session")
def servers(full_stack: Stack) -> dict[Service, Server]:
    return {s: Server(s, full_stack.url(s)) for s in SERVICES}


@pytest.fixture(scope="session")
def api(full_stack: Stack) -> Iterator[Api]:
    client = Api(full_stack)
    yield client
    client.close()


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    check_versions()
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    browser = playwright_session.chromium.launch(
        executable_path=EXECUTABLE, args=ARGS, env=browser_env(), headless=True
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
