"""deploy/keycloak.sh: idempotent, loopback only, and production refuses what is only for development."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.identity.keycloak import SCRIPT, KeycloakEnv, dev_defaults, script

pytestmark = [pytest.mark.keycloak, pytest.mark.timeout(900)]

PRODUCTION_SECRETS = {
    "KIM_KEYCLOAK_ADMIN_PASSWORD": "a-production-admin-password",
    "KIM_KEYCLOAK_WEB_SECRET": "a-production-web-secret",
    "KIM_KEYCLOAK_CLI_SECRET": "a-production-cli-secret",
    "KIM_KEYCLOAK_IMPORT_INTAKE_SECRET": "a-production-import-secret-1",
    "KIM_KEYCLOAK_IMPORT_FOREIGN_OFFICE_SECRET": "a-production-import-secret-2",
    "KIM_KEYCLOAK_IMPORT_KOBIZ_SECRET": "a-production-import-secret-3",
    "KIM_KEYCLOAK_ADMIN_EVENTS_SECRET": "a-production-admin-events-secret",
    "KIM_KEYCLOAK_HOSTNAME": "https://sso.kreis-beispiel.de",
    "KIM_KEYCLOAK_DB_URL": "jdbc:postgresql://127.0.0.1:55432/keycloak",
    "KIM_KEYCLOAK_DB_USERNAME": "keycloak",
    "KIM_KEYCLOAK_DB_PASSWORD": "a-database-password",
}


def run_isolated(tmp_path: Path, command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The script against an empty state directory of its own (nothing is installed or started)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KIM_")}
    return subprocess.run(
        ["bash", str(SCRIPT), command],
        env={**clean, "KIM_STATE_DIR": str(tmp_path), "KIM_KEYCLOAK_PORT": "58999", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KIM_ENVIRONMENT": "production"}, "set KIM_KEYCLOAK_ADMIN_PASSWORD"),
        (
            {"KIM_ENVIRONMENT": "production", **PRODUCTION_SECRETS, "KIM_KEYCLOAK_CLI_SECRET": "kim-cli-dev-secret"},
            "is the development default",
        ),
        ({"KIM_ENVIRONMENT": "production", "KIM_KEYCLOAK_MODE": "dev"}, "refuses Keycloak's development mode"),
        ({"KIM_ENVIRONMENT": "production", **PRODUCTION_SECRETS, "KIM_KEYCLOAK_DEMO_USERS": "yes"}, "demo users"),
        ({"KIM_ENVIRONMENT": "production", **PRODUCTION_SECRETS, "KIM_KEYCLOAK_HOSTNAME": ""}, "https://"),
        ({"KIM_KEYCLOAK_HOST": "0.0.0.0"}, "loopback"),  # noqa: S104 (the address being refused)
        ({"KIM_KEYCLOAK_PORT": "80000"}, "TCP port"),
    ],
    ids=["dev-admin-password", "dev-client-secret", "dev-mode", "demo-users", "no-https-hostname", "public", "port"],
)
def test_refused_before_anything_is_installed(tmp_path: Path, env: dict[str, str], message: str) -> None:
    result = run_isolated(tmp_path, "start", **env)
    assert result.returncode == 1
    assert message in result.stderr
    assert not (tmp_path / "keycloak" / "dist").exists()
    assert not (tmp_path / "keycloak" / "jdk").exists()


def test_production_never_names_test_realms_or_demo_credentials(tmp_path: Path) -> None:
    result = run_isolated(tmp_path, "env", KIM_ENVIRONMENT="production", **PRODUCTION_SECRETS)
    assert result.returncode == 0
    assert "KIM_IDENTITY_ISSUER='https://sso.kreis-beispiel.de/realms/kim'" in result.stdout
    for name in ("KIM_KEYCLOAK_TEST_SECRET", "KIM_KEYCLOAK_DEMO_PASSWORD", "KIM_KEYCLOAK_OTHER_ISSUER"):
        assert name not in result.stdout
    assert "KIM_KEYCLOAK_DEMO_USERS='no'" in result.stdout


def test_start_again_is_idempotent_and_status_names_the_jvm(keycloak: KeycloakEnv) -> None:
    again = script("start")
    assert again.returncode == 0
    assert "already running" in again.stdout
    status = script("status")
    assert status.returncode == 0 and "keycloak: running on" in status.stdout
    pid = script("pid").stdout.strip()
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert b"io.quarkus.bootstrap.runner.QuarkusEntryPoint" in cmdline


def test_env_prints_no_secret(tmp_path: Path) -> None:
    operator_secret = {"KIM_KEYCLOAK_WEB_SECRET": "a-web-secret-set-by-the-operator"}
    result = run_isolated(tmp_path, "env", **operator_secret)
    assert result.returncode == 0
    for secret in [*operator_secret.values(), *dev_defaults().values()]:
        assert secret not in result.stdout


def test_env_names_what_the_services_need(keycloak: KeycloakEnv) -> None:
    assert keycloak["KIM_IDENTITY_ISSUER"] == f"{keycloak.url}/realms/kim"
    assert keycloak["KIM_IDENTITY_AUDIENCE"] == "kim-api"
    assert keycloak["KIM_IDENTITY_JWKS_URL"].endswith("/realms/kim/protocol/openid-connect/certs")
