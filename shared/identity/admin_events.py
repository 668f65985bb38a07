"""Keycloak's admin events (role and group changes) for the data-protection officer.

The realm stores every admin change with its representation (deploy/keycloak/README.md
"Events for the data-protection officer"). :class:`KeycloakAdminEvents` reads them
through Keycloak's admin REST API (``GET /admin/realms/<realm>/admin-events``) as the
service account of the client ``kim-admin-events``, which holds only the
realm-management role ``view-events``. Its secret is ``KIM_KEYCLOAK_ADMIN_EVENTS_SECRET``
(a development default outside production, refused in production), read at the first
call, never logged.

Each event becomes an :class:`AdminEvent` of a stable shape: time, operation, resource
type and path, who acted (user id, client, realm ids as Keycloak records them) and the
role and group names of the representation. Nothing else of the representation is kept:
a user's representation could hold names, e-mail addresses or credentials.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import ServiceUnavailableError
from shared.identity.settings import IdentitySettings
from shared.identity.tokens import BearerAuth, Grant, TokenClient, TokenUnavailableError
from shared.settings import ConfigurationError, secret_from_env

SECRET_VARIABLE = "KIM_KEYCLOAK_ADMIN_EVENTS_SECRET"  # noqa: S105 - the variable's name, not a secret
ROLE_TYPES = frozenset({"REALM_ROLE_MAPPING", "CLIENT_ROLE_MAPPING", "REALM_ROLE", "CLIENT_ROLE"})
GROUP_TYPES = frozenset({"GROUP_MEMBERSHIP", "GROUP"})
RESOURCE_TYPES: tuple[str, ...] = tuple(sorted(ROLE_TYPES | GROUP_TYPES))
"""What is shown unless the caller names other types: role and group changes."""
OPERATIONS = ("CREATE", "UPDATE", "DELETE", "ACTION")


class AdminEventsSettings(BaseSettings):
    """The service account that reads admin events (``KIM_ADMIN_EVENTS_`` prefix)."""

    model_config = SettingsConfigDict(env_prefix="KIM_ADMIN_EVENTS_", extra="ignore", env_ignore_empty=True)

    client_id: str = Field("kim-admin-events", min_length=1)
    admin_url: str = Field("", description="<keycloak>/admin/realms/<realm>; derived from the issuer if empty")
    timeout_s: float = Field(10.0, gt=0, le=60)


@dataclass(frozen=True, slots=True)
class AdminEvent:
    """One admin change, as shown to the data-protection officer."""

    time: datetime
    operation: str
    """CREATE, UPDATE, DELETE or ACTION."""
    resource_type: str
    """REALM_ROLE_MAPPING, GROUP_MEMBERSHIP, …"""
    resource_path: str
    """What was changed: ``users/<user id>/role-mappings/realm``, ``users/<id>/groups/<group id>``."""
    actor_user_id: str | None
    """Keycloak's id of the user (or service account) who made the change."""
    actor_client_id: str | None
    """Keycloak's id of the client they used."""
    actor_realm_id: str | None
    roles: tuple[str, ...]
    """Role names of the representation (role changes)."""
    groups: tuple[str, ...]
    """Group paths (or names) of the representation (group changes)."""
    error: str | None


@dataclass(frozen=True, slots=True)
class AdminEventQuery:
    resource_types: Sequence[str] = RESOURCE_TYPES
    operations: Sequence[str] = ()
    resource_path: str | None = None
    """Keycloak's filter, ``*`` as wildcard: ``users/<user id>/*``."""
    date_from: date | None = None
    date_to: date | None = None
    first: int = 0
    max: int = 100


class AdminEventSource(Protocol):
    def admin_events(self, query: AdminEventQuery) -> list[AdminEvent]: ...


def _names(items: Any, key: str) -> tuple[str, ...]:
    found = items if isinstance(items, list) else [items]
    return tuple(
        str(i.get(key) or i.get("name")) for i in found if isinstance(i, dict) and (i.get(key) or i.get("name"))
    )


def to_admin_event(raw: dict[str, Any]) -> AdminEvent:
    """Keycloak's AdminEventRepresentation in the shape shown (only names from the representation)."""
    resource_type = str(raw.get("resourceType") or "")
    try:
        representation = json.loads(raw["representation"]) if raw.get("representation") else None
    except (TypeError, ValueError):
        representation = None
    auth = raw.get("authDetails") or {}
    return AdminEvent(
        time=datetime.fromtimestamp(int(raw.get("time") or 0) / 1000, tz=UTC),
        operation=str(raw.get("operationType") or ""),
        resource_type=resource_type,
        resource_path=str(raw.get("resourcePath") or ""),
        actor_user_id=auth.get("userId"),
        actor_client_id=auth.get("clientId"),
        actor_realm_id=auth.get("realmId"),
        roles=_names(representation, "name") if resource_type in ROLE_TYPES else (),
        groups=_names(representation, "path") if resource_type in GROUP_TYPES else (),
        error=raw.get("error"),
    )


def admin_url_of(issuer: str) -> str:
    """``http://host/realms/kim`` → ``http://host/admin/realms/kim``."""
    parts = urlsplit(issuer)
    return urlunsplit(parts._replace(path=parts.path.replace("/realms/", "/admin/realms/", 1)))


class KeycloakAdminEvents:
    """Reads the realm's admin events as the ``kim-admin-events`` service account."""

    def __init__(self, identity: IdentitySettings, settings: AdminEventsSettings | None = None) -> None:
        self.identity = identity
        self.settings = settings or AdminEventsSettings()
        self.url = (self.settings.admin_url or admin_url_of(identity.issuer)).rstrip("/") + "/admin-events"
        self._tokens: TokenClient | None = None

    def _auth(self) -> BearerAuth:
        if self._tokens is None:  # the secret is read when first needed, and refused if a dev default in production
            try:
                secret = secret_from_env(SECRET_VARIABLE).get_secret_value()
            except ConfigurationError as exc:
                raise ServiceUnavailableError(str(exc)) from None
            grant = Grant(self.settings.client_id, secret)
            self._tokens = TokenClient(self.identity.token_url, grant, timeout_s=self.settings.timeout_s)
        return BearerAuth(self._tokens)

    def admin_events(self, query: AdminEventQuery) -> list[AdminEvent]:
        params: list[tuple[str, str | int | float | bool | None]] = [("first", query.first), ("max", query.max)]
        params += [("resourceTypes", t) for t in query.resource_types]
        params += [("operationTypes", o) for o in query.operations]
        if query.resource_path:
            params.append(("resourcePath", query.resource_path))
        if query.date_from:
            params.append(("dateFrom", query.date_from.isoformat()))
        if query.date_to:
            params.append(("dateTo", query.date_to.isoformat()))
        try:
            answer = httpx.get(self.url, params=params, auth=self._auth(), timeout=self.settings.timeout_s)
        except (httpx.HTTPError, TokenUnavailableError) as exc:
            raise ServiceUnavailableError(type(exc).__name__) from None
        if answer.status_code != 200:
            msg = f"Keycloak answered {answer.status_code} to the admin-events query"
            raise ServiceUnavailableError(msg)
        return [to_admin_event(raw) for raw in answer.json()]
