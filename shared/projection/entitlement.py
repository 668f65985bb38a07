"""Whether this service holds an event: the sharing policy plus the case's live consents.

What a service may hold is decided per event by the sharing policy and, where the
basis is consent, by the case's live consents. The decision is one of three:
:class:`Keep` (on a statutory basis, as a recipient a consent names, or because a
live consent covers it), :class:`Withhold` (a consent could release it, but none
does yet: only a pointer is kept) or :class:`NotHeld`.

The view stores the basis as a string ("own_task", "aufenthg_88a",
"named_in_consent", "consent:<consent id>") and the category as its value; existing
databases and the fault-suite checker read those, so they are built from the typed
decision only where a row is written (:attr:`Keep.stored_basis`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.bus.wire import Envelope
from shared.events.common import DataCategory, Recipient
from shared.policy.consent import Consents, covering_consent, named_in
from shared.policy.sharing import LegalBasis, entitlement

CONSENT_BASIS_PREFIX = "consent:"
"""A stored basis of this form names the consent an entry is held by, and only by."""


@dataclass(frozen=True)
class Keep:
    """The service holds the event."""

    basis: LegalBasis
    category: DataCategory | None
    consent_id: str | None = None
    """The live consent that covers the event, if it is held by consent."""

    @property
    def stored_basis(self) -> str:
        """The ``basis`` column: the legal basis, or ``consent:<consent id>``."""
        if self.consent_id is not None:
            return f"{CONSENT_BASIS_PREFIX}{self.consent_id}"
        return self.basis.value

    @property
    def stored_category(self) -> str | None:
        return stored_category(self.category)


@dataclass(frozen=True)
class Withhold:
    """A consent could release the event, but no live one covers it yet: keep a pointer only."""

    category: DataCategory | None

    @property
    def stored_category(self) -> str | None:
        return stored_category(self.category)


@dataclass(frozen=True)
class NotHeld:
    """The policy gives this service nothing of the event."""


Decision = Keep | Withhold | NotHeld


def decide(recipient: Recipient, env: Envelope, consents: Consents, today: date) -> Decision:
    """What ``recipient`` does with ``env`` given the case's live ``consents`` on ``today``."""
    ent = entitlement(recipient, env.event)
    if ent is None:
        return NotHeld()
    if ent.basis.statutory:
        return Keep(ent.basis, ent.category)
    if ent.basis is LegalBasis.NAMED_IN_CONSENT:
        return Keep(ent.basis, None) if named_in(env.event, consents, recipient) else NotHeld()
    consent_id = covering_consent(consents, recipient, ent.category, today)
    return Keep(ent.basis, ent.category, consent_id) if consent_id else Withhold(ent.category)


def held_by_consent(stored_basis: str) -> bool:
    """Whether a view entry with this stored basis is held only because of a consent."""
    return stored_basis.startswith(CONSENT_BASIS_PREFIX)


def stored_category(category: DataCategory | None) -> str | None:
    """The ``category`` column of a data category."""
    return category.value if category else None


def category_of(stored: str | None) -> DataCategory | None:
    """The data category of a ``category`` column."""
    return DataCategory(stored) if stored else None
