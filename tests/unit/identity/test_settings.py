"""IdentitySettings: derived key URL, refused insecure or symmetric configurations; no web framework loaded."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from pydantic import ValidationError

from shared.identity import IdentitySettings


def test_defaults_point_at_the_local_realm() -> None:
    settings = IdentitySettings()
    assert settings.issuer == "http://127.0.0.1:58080/realms/kim"
    assert settings.audience == "kim-api"
    assert settings.jwks_url == "http://127.0.0.1:58080/realms/kim/protocol/openid-connect/certs"
    assert settings.algorithms == ("RS256",)


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIM_IDENTITY_ISSUER", "https://sso.kreis-beispiel.de/realms/kim/")
    monkeypatch.setenv("KIM_IDENTITY_ALGORITHMS", '["RS256", "PS256"]')
    monkeypatch.setenv("KIM_IDENTITY_LEEWAY_S", "30")
    settings = IdentitySettings()
    assert settings.issuer == "https://sso.kreis-beispiel.de/realms/kim"
    assert settings.jwks_url == "https://sso.kreis-beispiel.de/realms/kim/protocol/openid-connect/certs"
    assert settings.algorithms == ("RS256", "PS256")
    assert settings.leeway_s == 30


def test_an_explicit_key_url_wins() -> None:
    settings = IdentitySettings(
        issuer="https://sso.kreis-beispiel.de/realms/kim", jwks_url="http://127.0.0.1:58080/realms/kim/certs"
    )
    assert settings.jwks_url == "http://127.0.0.1:58080/realms/kim/certs"


@pytest.mark.parametrize("algorithms", [("none",), ("HS256",), ("RS256", "HS512"), ()])
def test_symmetric_or_no_algorithms_are_refused(algorithms: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError):
        IdentitySettings(algorithms=algorithms)


@pytest.mark.parametrize(
    "issuer",
    ["http://sso.kreis-beispiel.de/realms/kim", "ftp://127.0.0.1/realms/kim", "realms/kim", "https://x/realms/kim?a=1"],
)
def test_plain_http_to_another_host_and_odd_urls_are_refused(issuer: str) -> None:
    with pytest.raises(ValidationError):
        IdentitySettings(issuer=issuer)


def test_plain_http_key_url_to_another_host_is_refused() -> None:
    with pytest.raises(ValidationError):
        IdentitySettings(jwks_url="http://sso.kreis-beispiel.de/realms/kim/protocol/openid-connect/certs")


def test_the_package_loads_no_web_framework() -> None:
    """Use cases may take a Principal without dragging FastAPI in; only shared.identity.http does."""
    code = "import json, sys, shared.identity; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    loaded = json.loads(result.stdout)
    assert not [m for m in loaded if m.split(".")[0] in {"fastapi", "starlette", "uvicorn", "httpx"}]
