"""Real access tokens from the running Keycloak (realm ``kim``) for the tests against the real stack.

The development-only client ``kim-test`` (password grant) logs in the test users of
``deploy/keycloak/realm-kim.test-client.json``; tokens are renewed before they expire
(``shared/identity/tokens.py``), so a long run never sends an expired one.
"""

from __future__ import annotations

import os
from functools import cache

from shared.identity.settings import IdentitySettings
from shared.identity.tokens import BearerAuth, Grant, TokenClient

PIPELINE_USER = "test.pipeline"
"""Intake clerk, KIM case manager, foreign-office and naturalisation caseworker, Kobiz counsellor and team lead,
in all three department groups: the data-flow tests write as the member of staff who works the case and read every
department's whole view (access itself is tested role by role elsewhere)."""
PIPELINE_STAFF_ID = "st-te5701"
"""The pipeline user's pseudonymous staff id (the realm file's ``staff_id`` attribute)."""
DPO_USER = "test.bola.dsb"
"""The data-protection officer (no department): the access logs."""
OPERATOR_USER = "test.betrieb"
"""IT operations: the operations routes."""


@cache
def tokens(username: str = PIPELINE_USER) -> TokenClient:
    secret = os.environ.get("KIM_KEYCLOAK_TEST_SECRET", "kim-test-dev-secret")
    grant = Grant("kim-test", secret, username=username, password=secret)
    return TokenClient(IdentitySettings().token_url, grant)


def headers(username: str = PIPELINE_USER) -> dict[str, str]:
    """``Authorization: Bearer …`` of a test user."""
    return tokens(username).headers()


def auth(username: str = PIPELINE_USER) -> BearerAuth:
    """httpx authentication as a test user: a fresh token on every request (long runs included)."""
    return BearerAuth(tokens(username))
