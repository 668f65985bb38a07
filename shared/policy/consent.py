"""Consent as the projections see it: who it names, for what, and for how long.

A consent releases data categories to named recipients for one concrete purpose
and a term (docs/domain.md §5). It is judged *now*: data is held while a live consent
covers it, whatever the event's own valid time. Revocation and expiry act for the
future, by removing what was held only because of that consent; the consent
record itself stays as proof (Art. 7(1) DSGVO).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from pydantic import BaseModel, Field

from shared.events import catalogue as ev
from shared.events.base import IntegrationEvent
from shared.events.common import DataCategory, Purpose, Recipient
from shared.policy.sharing import PURPOSES


class ScopeChange(BaseModel):
    effective_on: date
    scopes: dict[Recipient, list[DataCategory]]


class ConsentState(BaseModel):
    """One consent of one case, with its scope changes and revocation."""

    consent_id: str
    purpose: Purpose
    valid_from: date
    valid_until: date
    scopes: dict[Recipient, list[DataCategory]]
    changes: list[ScopeChange] = Field(default_factory=list)
    revoked_on: date | None = None

    def scopes_on(self, day: date) -> dict[Recipient, list[DataCategory]]:
        """The scope in force on ``day`` (the latest change effective by then)."""
        current = self.scopes
        for change in sorted(self.changes, key=lambda c: c.effective_on):
            if change.effective_on <= day:
                current = change.scopes
        return current

    def active_on(self, day: date) -> bool:
        """Within its term and not revoked (revocation acts from its effective day)."""
        if not self.valid_from <= day <= self.valid_until:
            return False
        return self.revoked_on is None or day < self.revoked_on

    def covers(self, recipient: Recipient, category: DataCategory, day: date) -> bool:
        """Whether this consent releases ``category`` to ``recipient`` on ``day``."""
        if not self.active_on(day) or self.purpose not in PURPOSES[recipient]:
            return False
        return category in self.scopes_on(day).get(recipient, [])

    def names(self, recipient: Recipient) -> bool:
        """Whether the consent ever named ``recipient`` (it then receives the consent record)."""
        return recipient in self.scopes or any(recipient in c.scopes for c in self.changes)

    def boundaries(self) -> set[date]:
        """Days on which what this consent covers may change."""
        days = {self.valid_from, self.valid_until + timedelta(days=1)} | {c.effective_on for c in self.changes}
        if self.revoked_on:
            days.add(self.revoked_on)
        return days


Consents = dict[str, ConsentState]


def apply_consent_event(consents: Consents, event: IntegrationEvent) -> bool:
    """Update a case's consents with a consent event; return whether anything changed."""
    if isinstance(event, ev.ConsentGranted):
        consents[str(event.consent_id)] = ConsentState(
            consent_id=str(event.consent_id),
            purpose=event.purpose,
            valid_from=event.valid_from,
            valid_until=event.valid_until,
            scopes={s.recipient: list(s.categories) for s in event.scopes},
        )
        return True
    state = consents.get(str(getattr(event, "consent_id", "")))
    if state is None:
        return False
    if isinstance(event, ev.ConsentScopeChanged):
        state.changes.append(
            ScopeChange(effective_on=event.effective_on, scopes={s.recipient: list(s.categories) for s in event.scopes})
        )
        return True
    if isinstance(event, ev.ConsentRevoked):
        state.revoked_on = event.effective_on
        return True
    return False


def is_consent_event(event: IntegrationEvent) -> bool:
    return isinstance(event, (ev.ConsentGranted, ev.ConsentScopeChanged, ev.ConsentRevoked))


def named_in(event: IntegrationEvent, consents: Mapping[str, ConsentState], recipient: Recipient) -> bool:
    """Whether ``recipient`` is named by a consent event (or already holds that consent)."""
    if isinstance(event, (ev.ConsentGranted, ev.ConsentScopeChanged)) and any(
        s.recipient is recipient for s in event.scopes
    ):
        return True
    consent_id = str(getattr(event, "consent_id", ""))
    return consent_id in consents and consents[consent_id].names(recipient)


def covering_consent(
    consents: Mapping[str, ConsentState], recipient: Recipient, category: DataCategory | None, day: date
) -> str | None:
    """The id of a live consent that releases ``category`` to ``recipient`` on ``day``."""
    if category is None:
        return None
    for consent_id, state in sorted(consents.items()):
        if state.covers(recipient, category, day):
            return consent_id
    return None
