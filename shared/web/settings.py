"""Settings of the web views: the OIDC client, the cookies, the session lifetimes.

Environment variables carry the prefix ``KIM_WEB_`` (``KIM_WEB_CLIENT_ID``); the client's
secret is ``KIM_KEYCLOAK_WEB_SECRET`` (the name deploy/keycloak.sh gives it), refused in
production if it is the development default. Nothing is read at import time.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import REPO_ROOT, secret_from_env
from shared.web.sessions import SessionPolicy

SECRET_VARIABLE = "KIM_KEYCLOAK_WEB_SECRET"  # noqa: S105 - the variable's name, not a secret


class WebSettings(BaseSettings):
    """One service's web views."""

    model_config = SettingsConfigDict(env_prefix="KIM_WEB_", extra="ignore", env_ignore_empty=True)

    environment: str = Field("development", validation_alias="KIM_ENVIRONMENT")
    client_id: str = Field("kim-web", min_length=1, description="The realm's confidential web client")
    client_secret: SecretStr = SecretStr("")
    """Empty: ``KIM_KEYCLOAK_WEB_SECRET`` (dev default outside production)."""
    base_url: str = Field("", description="The service's public origin (http://127.0.0.1:8102); empty: host and port")
    session_idle_minutes: int = Field(30, ge=1, le=24 * 60)
    session_absolute_hours: int = Field(10, ge=1, le=24 * 7)
    secure_cookies: bool | None = Field(None, description="None: Secure cookies in production only")
    assets_dir: Path = REPO_ROOT / "web" / "static"
    """The pinned vendor assets (deploy/web-assets.sh)."""
    page_size: int = Field(25, ge=5, le=200)

    def secret(self) -> str:
        if self.client_secret.get_secret_value():
            return self.client_secret.get_secret_value()
        return secret_from_env(SECRET_VARIABLE, self.environment).get_secret_value()

    @property
    def cookies_secure(self) -> bool:
        return self.environment == "production" if self.secure_cookies is None else self.secure_cookies

    @property
    def policy(self) -> SessionPolicy:
        return SessionPolicy(
            idle=timedelta(minutes=self.session_idle_minutes), absolute=timedelta(hours=self.session_absolute_hours)
        )
