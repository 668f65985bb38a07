"""Locally minted access tokens for in-process tests: a real RSA key, real JWTs, the real verifier.

The verifier is the production :class:`TokenVerifier`; only its key set comes from
memory instead of Keycloak's JWKS endpoint (PyJWKClient's ``fetch_data``), so
signature, issuer, audience, expiry and algorithm are checked exactly as in
production. The pipeline and identity tests use real tokens from Keycloak instead.
"""

from __future__ import annotations

import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from fastapi import FastAPI
from jwt import PyJWKClient

from shared.identity.http import get_token_verifier
from shared.identity.principal import Principal
from shared.identity.roles import Role
from shared.identity.settings import IdentitySettings
from shared.identity.verifier import TokenVerifier
from shared.service import Service
from tests.unit.identity.support import AUDIENCE, ISSUER, SigningKey

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx in its test client
    from fastapi.testclient import TestClient


class StaticJwks(PyJWKClient):
    """A PyJWKClient whose key set is given, not fetched."""

    def __init__(self, *keys: SigningKey) -> None:
        super().__init__("http://127.0.0.1:9/unused", cache_keys=False)
        self.jwk_set = {"keys": [key.jwk() for key in keys]}

    def fetch_data(self) -> Any:
        return self.jwk_set


@cache
def signing_key() -> SigningKey:
    """The test realm's key (generated once per session)."""
    return SigningKey.generate("kim-test-key")


@cache
def verifier() -> TokenVerifier:
    """The production verifier over the test realm's key."""
    return TokenVerifier(IdentitySettings(issuer=ISSUER, audience=AUDIENCE), jwks_client=StaticJwks(signing_key()))


@dataclass(frozen=True)
class Staff:
    """A member of staff as the realm knows them: roles, department groups and a pseudonymous staff id."""

    staff_id: str | None
    roles: tuple[Role, ...]
    departments: tuple[Service, ...] = ()
    client: str = "kim-web"
    service_account: bool = False

    @property
    def subject(self) -> str:
        """The ``sub`` claim: the identity provider's stable id of this member of staff (the idempotency scope)."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kim-test/{self.staff_id or self.client}"))

    def claims(self, lifetime_s: int = 3600) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "exp": now + lifetime_s,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": self.subject,
            "typ": "Bearer",
            "azp": self.client,
            "realm_access": {"roles": [role.value for role in self.roles]},
            "groups": [f"/departments/{service.value}" for service in self.departments],
        }
        if self.staff_id:
            claims["staff_id"] = self.staff_id
        if self.service_account:
            claims["client_id"] = self.client
        return claims

    def token(self, lifetime_s: int = 3600) -> str:
        return signing_key().sign(self.claims(lifetime_s))

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}


WORKERS: dict[Service, Staff] = {
    Service.INTAKE: Staff("st-cm0001", (Role.INTAKE_CLERK, Role.KIM_CASE_MANAGER), (Service.INTAKE,)),
    Service.FOREIGN_OFFICE: Staff(
        "st-abhsb4",
        (Role.FOREIGN_OFFICE_CASEWORKER, Role.NATURALISATION_CASEWORKER),
        (Service.FOREIGN_OFFICE,),
    ),
    Service.KOBIZ: Staff("st-cm0001", (Role.KOBIZ_COUNSELLOR, Role.KIM_CASE_MANAGER), (Service.KOBIZ,)),
}
"""Per service, one member of staff who may run every command of its catalogue on the cases they open.

At intake and Kobiz it is the KIM case manager ``st-cm0001``, whom the test cases fed to a
view name (tests/support/projection_suite.py ``opened``): those cases are their own.
"""

OPERATOR = Staff("st-betrieb01", (Role.OPERATOR,))
"""IT operations: the operations routes, no person data."""

DATA_PROTECTION_OFFICER = Staff("st-dsb0001", (Role.DATA_PROTECTION_OFFICER,))
"""The data-protection officer: the access log of every service."""

AUDITOR = Staff("st-pruef01", (Role.AUDITOR,))
"""An auditor: the access log (and, later, the audit service)."""


def client_for(app: FastAPI, staff: Staff, **kwargs: Any) -> TestClient:
    """A test client of ``app`` that verifies tokens against the test key and sends ``staff``'s token."""
    app.dependency_overrides[get_token_verifier] = verifier
    client = TestClient(app, **kwargs)
    client.headers["Authorization"] = f"Bearer {staff.token()}"
    return client


TEAM_LEADS: dict[Service, Staff] = {
    service: Staff(f"st-lead{n:02d}", (Role.TEAM_LEAD,), (service,)) for n, service in enumerate(Service, start=1)
}
"""Per service, a team lead: every case of the department in reach (read), assignments (write)."""


IMPORTERS: dict[Service, Staff] = {
    service: Staff(None, roles, (service,), client=f"kim-import-{service.slug}", service_account=True)
    for service, roles in (
        (Service.INTAKE, (Role.INTAKE_CLERK, Role.KIM_CASE_MANAGER)),
        (Service.FOREIGN_OFFICE, (Role.FOREIGN_OFFICE_CASEWORKER, Role.NATURALISATION_CASEWORKER)),
        (Service.KOBIZ, (Role.KOBIZ_COUNSELLOR,)),
    )
}
"""Per service, its import service account as deploy/keycloak/realm-kim.json defines it: roles, department
group, no staff id (``client:kim-import-<service>`` in the access log)."""


def import_identity(staff: Staff) -> Callable[[], Principal]:
    """The importer's identity: ``staff``'s token, minted and verified by the production verifier once."""
    principal = verifier().verify(staff.token())
    return lambda: principal
