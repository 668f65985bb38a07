"""Server-side sessions of the web views: the browser holds only a random id.

A session is created when a login starts (it carries the login's state, nonce and PKCE
verifier until the identity provider calls back), replaced by a new id once the login
succeeded (no session fixation), and ends on logout, after ``idle`` without a request, or
``absolute`` after the login, whichever comes first. The store keys sessions by the
SHA-256 of their id, so a copy of the table opens no session. The tokens stay here, on
the server; the page routes read the caller from the access token like the API does.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

SESSION_ID_BYTES = 32
TOUCH_EVERY = timedelta(seconds=60)
"""A request writes the session's last use only if it is older than this (not one write per request)."""


def new_secret() -> str:
    """A random, URL-safe value (session ids and CSRF tokens): 256 bits."""
    return secrets.token_urlsafe(SESSION_ID_BYTES)


def id_hash(session_id: str) -> bytes:
    """What the store keeps instead of the id."""
    return hashlib.sha256(session_id.encode("ascii", "replace")).digest()


@dataclass(frozen=True, slots=True)
class Tokens:
    """The identity provider's answer to a login or a refresh (kept server-side only)."""

    access_token: str
    refresh_token: str | None
    id_token: str | None
    access_expires_at: datetime
    refresh_expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long a session lives: ``idle`` without a request, ``absolute`` from its creation."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=10)
    pending: timedelta = timedelta(minutes=10)
    """How long a started login may take until the identity provider calls back."""
    refresh_before: timedelta = timedelta(seconds=30)
    """Refresh the access token when it expires within this."""

    def expired(self, session: WebSession, now: datetime) -> bool:
        if session.pending:
            return now - session.created_at > self.pending
        return now - session.last_seen_at > self.idle or now - session.created_at > self.absolute


@dataclass(frozen=True, slots=True)
class WebSession:
    """One browser's session with one service's web views."""

    created_at: datetime
    last_seen_at: datetime
    csrf_token: str
    login: dict[str, Any] = field(default_factory=dict)
    """While a login is under way: the OIDC client's state data and where to go afterwards."""
    tokens: Tokens | None = None
    staff_id: str | None = None
    """Shown in the header only; every decision is taken on the verified access token."""
    roles: tuple[str, ...] = ()

    @property
    def pending(self) -> bool:
        return self.tokens is None

    @classmethod
    def start(cls, now: datetime, login: dict[str, Any] | None = None) -> WebSession:
        return cls(created_at=now, last_seen_at=now, csrf_token=new_secret(), login=dict(login or {}))

    def signed_in(self, tokens: Tokens, staff_id: str | None, roles: tuple[str, ...], now: datetime) -> WebSession:
        """The session after a successful login: new CSRF token, no login state, the clock starts again."""
        return WebSession(now, now, new_secret(), {}, tokens, staff_id, roles)

    def refreshed(self, tokens: Tokens) -> WebSession:
        return replace(self, tokens=tokens)

    def touched(self, now: datetime) -> WebSession:
        return replace(self, last_seen_at=now)

    def needs_touch(self, now: datetime) -> bool:
        return now - self.last_seen_at >= TOUCH_EVERY


class SessionStore(ABC):
    """Where a service keeps its web sessions (PostgreSQL in its own schema; in memory for unit tests)."""

    @abstractmethod
    def get(self, key: bytes) -> WebSession | None: ...

    @abstractmethod
    def put(self, key: bytes, session: WebSession) -> None: ...

    @abstractmethod
    def delete(self, key: bytes) -> None: ...

    @abstractmethod
    def purge(self, policy: SessionPolicy, now: datetime) -> int:
        """Forget every expired session; returns how many."""


class MemorySessionStore(SessionStore):
    """The in-memory twin."""

    def __init__(self) -> None:
        self._sessions: dict[bytes, WebSession] = {}
        self._lock = threading.Lock()

    def get(self, key: bytes) -> WebSession | None:
        with self._lock:
            return self._sessions.get(key)

    def put(self, key: bytes, session: WebSession) -> None:
        with self._lock:
            self._sessions[key] = session

    def delete(self, key: bytes) -> None:
        with self._lock:
            self._sessions.pop(key, None)

    def purge(self, policy: SessionPolicy, now: datetime) -> int:
        with self._lock:
            gone = [k for k, s in self._sessions.items() if policy.expired(s, now)]
            for key in gone:
                del self._sessions[key]
            return len(gone)

    def __len__(self) -> int:
        return len(self._sessions)


class Sessions:
    """The use cases of sessions: start a login, sign in (new id), look up (expiry), end."""

    def __init__(self, store: SessionStore, policy: SessionPolicy) -> None:
        self.store = store
        self.policy = policy

    def start_login(self, login: dict[str, Any], now: datetime) -> tuple[str, WebSession]:
        session_id = new_secret()
        session = WebSession.start(now, login)
        self.store.put(id_hash(session_id), session)
        return session_id, session

    def save_login(self, session_id: str, session: WebSession) -> None:
        self.store.put(id_hash(session_id), session)

    def sign_in(
        self, old_id: str | None, tokens: Tokens, staff_id: str | None, roles: tuple[str, ...], now: datetime
    ) -> tuple[str, WebSession]:
        """The signed-in session under a new id; the login's session is ended."""
        if old_id is not None:
            self.store.delete(id_hash(old_id))
        self.store.purge(self.policy, now)
        session_id = new_secret()
        session = WebSession.start(now).signed_in(tokens, staff_id, roles, now)
        self.store.put(id_hash(session_id), session)
        return session_id, session

    def find(self, session_id: str | None, now: datetime) -> WebSession | None:
        """The session of this id, if it exists and has not expired (an expired one is ended)."""
        if not session_id or len(session_id) > 128:
            return None
        key = id_hash(session_id)
        session = self.store.get(key)
        if session is None:
            return None
        if self.policy.expired(session, now):
            self.store.delete(key)
            return None
        if not session.pending and session.needs_touch(now):
            session = session.touched(now)
            self.store.put(key, session)
        return session

    def update(self, session_id: str, session: WebSession) -> None:
        self.store.put(id_hash(session_id), session)

    def end(self, session_id: str) -> None:
        self.store.delete(id_hash(session_id))
