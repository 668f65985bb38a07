"""Who sends a request, as far as a verified access token says: pseudonymous, no names.

The token for the API audience carries only technical ids (``sub``, ``staff_id``,
``azp``), roles and department groups (deploy/keycloak/README.md). What a principal
may do with which case and field group is decided elsewhere (the role × operation ×
field-group matrix); a principal without roles is valid here and simply may do nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

DEPARTMENT_GROUP_PREFIX = "/departments/"
"""Group paths below this prefix name a department: ``/departments/kobiz`` → ``kobiz``."""


class ClaimsError(ValueError):
    """A signed token whose claims do not have the expected shape."""


def _claim_at(claims: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted path (``realm_access.roles``), ``None`` if any step is missing."""
    value: Any = claims
    for step in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def _strings(claims: Mapping[str, Any], dotted: str) -> frozenset[str]:
    """A list of strings at ``dotted``; missing means empty, anything else is malformed."""
    value = _claim_at(claims, dotted)
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        msg = f"claim {dotted} is not a list of strings"
        raise ClaimsError(msg)
    return frozenset(value)


def _optional_string(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        msg = f"claim {name} is not a non-empty string"
        raise ClaimsError(msg)
    return value


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request, taken from its verified access token."""

    subject: str
    """``sub``: the identity provider's stable id of the user or service account."""
    staff_id: str | None
    """Pseudonymous staff id (``st-7f3a91``); ``None`` for service accounts."""
    roles: frozenset[str]
    """Realm roles (docs/domain.md §4): ``intake_clerk``, ``team_lead``, …"""
    groups: frozenset[str]
    """Every group path in the token (``/departments/kobiz``)."""
    client_id: str
    """The OAuth client the token was issued to (``azp``): ``kim-web``, ``kim-cli``, …"""
    is_service_account: bool
    """A machine caller (client-credentials grant), not a member of staff."""
    expires_at: datetime
    """When the token expires (UTC)."""

    @property
    def departments(self) -> frozenset[str]:
        """Department names from the groups below ``/departments/`` (``intake``, ``foreign_office``, ``kobiz``)."""
        return frozenset(
            group.removeprefix(DEPARTMENT_GROUP_PREFIX)
            for group in self.groups
            if group.startswith(DEPARTMENT_GROUP_PREFIX) and "/" not in group.removeprefix(DEPARTMENT_GROUP_PREFIX)
        )

    @property
    def actor(self) -> str:
        """A pseudonymous name for logs and records: the staff id, or ``client:<id>`` for a machine."""
        if self.staff_id:
            return self.staff_id
        if self.is_service_account:
            return f"client:{self.client_id}"
        return f"subject:{self.subject}"

    def has_role(self, role: str) -> bool:
        """Whether the token grants ``role``."""
        return role in self.roles

    @classmethod
    def from_claims(
        cls,
        claims: Mapping[str, Any],
        *,
        roles_claim: str = "realm_access.roles",
        groups_claim: str = "groups",
        service_account_claim: str = "client_id",
    ) -> Principal:
        """Build a principal from verified claims; raises :class:`ClaimsError` on a malformed shape."""
        subject = _optional_string(claims, "sub")
        if subject is None:
            msg = "claim sub is missing"
            raise ClaimsError(msg)
        client_id = _optional_string(claims, "azp") or _optional_string(claims, "client_id")
        if client_id is None:
            msg = "neither azp nor client_id names the client"
            raise ClaimsError(msg)
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            msg = "claim exp is not a number"
            raise ClaimsError(msg)
        return cls(
            subject=subject,
            staff_id=_optional_string(claims, "staff_id"),
            roles=_strings(claims, roles_claim),
            groups=_strings(claims, groups_claim),
            client_id=client_id,
            is_service_account=_optional_string(claims, service_account_claim) is not None,
            expires_at=datetime.fromtimestamp(exp, tz=UTC),
        )
