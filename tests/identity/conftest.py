"""A real Keycloak for the session: started with ``deploy/keycloak.sh start`` unless it already runs,
and stopped again at the end only if this session started it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from shared.identity import IdentitySettings, TokenVerifier
from tests.identity.keycloak import AdminApi, KeycloakEnv, TokenSource, script

NOTES: list[str] = []
"""What the session did with Keycloak, for the terminal summary."""


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if NOTES:
        terminalreporter.section("keycloak")
        for note in NOTES:
            terminalreporter.write_line(note)


@pytest.fixture(scope="session")
def keycloak() -> Iterator[KeycloakEnv]:
    started_here = False
    if script("status").returncode != 0:
        t0 = time.monotonic()
        result = script("start", timeout=900)
        elapsed = time.monotonic() - t0
        assert result.returncode == 0, f"deploy/keycloak.sh start failed:\n{result.stdout}\n{result.stderr}"
        started_here = True
        NOTES.append(f"started by this session in {elapsed:.1f}s: {result.stdout.strip()}")
    else:
        NOTES.append("already running: used as it is, left running")
    env = KeycloakEnv.load()
    if env["KIM_KEYCLOAK_MODE"] != "dev" or env["KIM_KEYCLOAK_DEMO_USERS"] != "yes":
        pytest.fail("tests/identity need Keycloak in development mode with demo users (KIM_KEYCLOAK_MODE=dev)")
    try:
        yield env
    finally:
        if started_here:
            t0 = time.monotonic()
            stopped = script("stop", timeout=180)
            NOTES.append(f"stopped in {time.monotonic() - t0:.1f}s: {stopped.stdout.strip() or stopped.stderr.strip()}")


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def tokens(keycloak: KeycloakEnv, http: httpx.Client) -> TokenSource:
    return TokenSource(keycloak, http)


@pytest.fixture(scope="session")
def admin(keycloak: KeycloakEnv, http: httpx.Client) -> AdminApi:
    return AdminApi(keycloak, http)


@pytest.fixture(scope="session")
def verifier(keycloak: KeycloakEnv) -> TokenVerifier:
    """The verifier the services will use, configured as ``deploy/keycloak.sh env`` says."""
    return TokenVerifier(
        IdentitySettings(issuer=keycloak["KIM_IDENTITY_ISSUER"], jwks_url=keycloak["KIM_IDENTITY_JWKS_URL"])
    )
