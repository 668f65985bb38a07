"""Consent as the projections see it: which parties it names, for what, and for how long.

A consent releases data categories to named recipient parties for one concrete purpose
and a term (docs/domain.md §5); counselling codes only where it also releases the
professionals from secrecy towards that party. It is judged *now*: data is held while a
live consent covers it, whatever the event's own valid time. The term ends at
``valid_until`` or when the case is closed, whichever comes first. Revocation, expiry
and closure act for the future, by removing what was held only because of that consent;
the consent record itself stays as proof (Art. 7(1) DSGVO).

A scope change only narrows (intake refuses anything else), and the scope in force on a
day is what the consent and every change effective by then all release — so even a
widening recorded by an earlier version releases nothing that was not released before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, Field, model_validator

from shared.events import catalogue as ev
from shared.events.base import IntegrationEvent
from shared.events.common import ConsentScope, DataCategory, Purpose, kind_of
from shared.events.upcasters import upcast_scopes_v1
from shared.policy.parties import is_reserved
from shared.policy.sharing import PURPOSES, SECRECY_RELEASE_REQUIRED


class PartyScope(BaseModel):
    """What a consent releases to one party."""

    categories: list[DataCategory]
    secrecy_release: bool = False

    def covers(self, category: DataCategory) -> bool:
        """Whether this scope releases ``category`` (counselling only with the secrecy release)."""
        if category not in self.categories:
            return False
        return self.secrecy_release or category not in SECRECY_RELEASE_REQUIRED

    def within(self, other: PartyScope | None) -> bool:
        """Whether this scope releases nothing ``other`` did not (no category, no secrecy release more)."""
        if other is None:
            return False
        return set(self.categories) <= set(other.categories) and (other.secrecy_release or not self.secrecy_release)

    def intersect(self, other: PartyScope) -> PartyScope:
        return PartyScope(
            categories=[c for c in self.categories if c in other.categories],
            secrecy_release=self.secrecy_release and other.secrecy_release,
        )


Scopes = dict[str, PartyScope]
"""party id → what is released to it."""


def scopes_of(scopes: Iterable[ConsentScope]) -> Scopes:
    """The scopes of a consent event, by party."""
    return {s.recipient: PartyScope(categories=list(s.categories), secrecy_release=s.secrecy_release) for s in scopes}


def narrowed(current: Scopes, new: Scopes) -> Scopes:
    """What stays released when ``new`` replaces ``current``: only what both release."""
    return {party: scope.intersect(current[party]) for party, scope in new.items() if party in current}


def widening(current: Scopes, new: Scopes) -> list[str]:
    """Every (party, category) and secrecy release ``new`` names that ``current`` does not release."""
    found: list[str] = []
    for party, scope in new.items():
        before = current.get(party)
        found += [f"{party}/{c.value}" for c in scope.categories if before is None or c not in before.categories]
        if scope.secrecy_release and not (before and before.secrecy_release):
            found.append(f"{party}/Schweigepflichtentbindung")
    return found


def _upcast_stored_scopes(scopes: Any) -> Any:
    """Scopes as a view stored them before version 2: ``{kind: [categories]}``."""
    if not isinstance(scopes, dict):
        return scopes
    if all(isinstance(v, list) for v in scopes.values()):
        upcast = upcast_scopes_v1([{"recipient": k, "categories": v} for k, v in scopes.items()])
        return {s["recipient"]: {"categories": s["categories"], "secrecy_release": False} for s in upcast}
    return scopes


class ScopeChange(BaseModel):
    effective_on: date
    scopes: Scopes

    @model_validator(mode="before")
    @classmethod
    def _stored_before_v2(cls, data: Any) -> Any:
        if isinstance(data, dict) and "scopes" in data:
            return {**data, "scopes": _upcast_stored_scopes(data["scopes"])}
        return data


class ConsentState(BaseModel):
    """One consent of one case, with its scope changes, revocation and the case's closure."""

    consent_id: str
    purpose: Purpose
    valid_from: date
    valid_until: date
    scopes: Scopes
    changes: list[ScopeChange] = Field(default_factory=list)
    revoked_on: date | None = None
    case_closed_on: date | None = None
    """The day the case was closed: the consent's term ends then (docs/domain.md §5)."""

    @model_validator(mode="before")
    @classmethod
    def _stored_before_v2(cls, data: Any) -> Any:
        # A view of an earlier version stored recipient kinds; they become parties (fail closed).
        if isinstance(data, dict) and "scopes" in data:
            return {**data, "scopes": _upcast_stored_scopes(data["scopes"])}
        return data

    def scopes_on(self, day: date) -> Scopes:
        """The scope in force on ``day``: what the consent and every change effective by then release."""
        current = self.scopes
        for change in sorted(self.changes, key=lambda c: c.effective_on):
            if change.effective_on <= day:
                current = narrowed(current, change.scopes)
        return current

    def active_on(self, day: date) -> bool:
        """Within its term, not revoked and the case not closed (each acts from its effective day)."""
        if not self.valid_from <= day <= self.valid_until:
            return False
        if self.case_closed_on is not None and day >= self.case_closed_on:
            return False
        return self.revoked_on is None or day < self.revoked_on

    def covers(self, party: str, category: DataCategory, day: date) -> bool:
        """Whether this consent releases ``category`` to ``party`` on ``day``."""
        if is_reserved(party) or not self.active_on(day):
            return False
        try:
            kind = kind_of(party)
        except ValueError:
            return False
        if self.purpose not in PURPOSES.get(kind, frozenset()):
            return False
        scope = self.scopes_on(day).get(party)
        return scope is not None and scope.covers(category)

    def names(self, party: str) -> bool:
        """Whether the consent ever named ``party`` (it then receives the consent record)."""
        return party in self.scopes or any(party in c.scopes for c in self.changes)

    def boundaries(self) -> set[date]:
        """Days on which what this consent covers may change."""
        days = {self.valid_from, self.valid_until + timedelta(days=1)} | {c.effective_on for c in self.changes}
        if self.revoked_on:
            days.add(self.revoked_on)
        if self.case_closed_on:
            days.add(self.case_closed_on)
        return days


Consents = dict[str, ConsentState]


def apply_consent_event(consents: Consents, event: IntegrationEvent) -> bool:
    """Update a case's consents with a consent event or the case's closure; return whether anything changed."""
    if isinstance(event, ev.ConsentGranted):
        closed = [s.case_closed_on for s in consents.values() if s.case_closed_on]
        consents[str(event.consent_id)] = ConsentState(
            consent_id=str(event.consent_id),
            purpose=event.purpose,
            valid_from=event.valid_from,
            valid_until=event.valid_until,
            scopes=scopes_of(event.scopes),
            case_closed_on=min(closed, default=None),
        )
        return True
    if isinstance(event, ev.CaseClosed):
        changed = False
        for each in consents.values():
            if each.case_closed_on is None or event.closed_on < each.case_closed_on:
                each.case_closed_on = event.closed_on
                changed = True
        return changed
    state = consents.get(str(getattr(event, "consent_id", "")))
    if state is None:
        return False
    if isinstance(event, ev.ConsentScopeChanged):
        state.changes.append(ScopeChange(effective_on=event.effective_on, scopes=scopes_of(event.scopes)))
        return True
    if isinstance(event, ev.ConsentRevoked):
        state.revoked_on = event.effective_on
        return True
    return False


def is_consent_event(event: IntegrationEvent) -> bool:
    return isinstance(event, (ev.ConsentGranted, ev.ConsentScopeChanged, ev.ConsentRevoked))


def changes_consents(event: IntegrationEvent) -> bool:
    """Whether ``event`` changes what a case's consents cover: a consent event, or the case's closure."""
    return is_consent_event(event) or isinstance(event, ev.CaseClosed)


def named_in(event: IntegrationEvent, consents: Mapping[str, ConsentState], party: str) -> bool:
    """Whether ``party`` is named by a consent event (or already holds that consent)."""
    if isinstance(event, (ev.ConsentGranted, ev.ConsentScopeChanged)) and any(
        s.recipient == party for s in event.scopes
    ):
        return True
    if isinstance(event, ev.ConsentRevoked) and party in event.prior_recipients:
        return True
    consent_id = str(getattr(event, "consent_id", ""))
    return consent_id in consents and consents[consent_id].names(party)


def covering_consent(
    consents: Mapping[str, ConsentState], party: str, category: DataCategory | None, day: date
) -> str | None:
    """The id of a live consent that releases ``category`` to ``party`` on ``day``."""
    if category is None:
        return None
    for consent_id, state in sorted(consents.items()):
        if state.covers(party, category, day):
            return consent_id
    return None
