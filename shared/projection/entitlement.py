"""Whether this service holds an event, and for which of its parties: the sharing policy
plus the case's live consents.

A service's view is held for its parties (intake → ``intake``; kobiz → ``kobiz``;
foreign_office → ``foreign_office`` and ``naturalisation_authority``). Per party the
sharing policy gives the basis for the party's kind and, where the basis is consent,
the case's live consents decide (a consent names parties). The decision is one of three:
:class:`Keep` (for at least one party: on a statutory basis, as a party a consent
names, as a prior holder of the case, or because a live consent covers it),
:class:`Withhold` (a consent could release it, but none does yet: only a pointer is
kept) or :class:`NotHeld`.

A kept entry records, per party, what it is held by (``held_for``:
``{"naturalisation_authority": "own_task", "foreign_office": "consent:<id>"}``), and
keeps one ``basis`` in its earlier format: the strongest of them — a statutory basis,
else ``named_in_consent``, else ``prior_recipient``, else ``consent:<consent id>``. So
``basis`` starts with ``consent:`` exactly when the entry is held only by consent;
existing databases and the fault-suite checker read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from shared.bus.wire import Envelope
from shared.events.common import DataCategory, kind_of
from shared.policy.consent import Consents, covering_consent, named_in
from shared.policy.sharing import LegalBasis, entitlement, rule_for

CONSENT_BASIS_PREFIX = "consent:"
"""A stored basis of this form names the consent an entry is held by, and only by."""

_RANK = {LegalBasis.NAMED_IN_CONSENT.value: 1, LegalBasis.PRIOR_RECIPIENT.value: 2}


def _rank(stored: str) -> int:
    """Lower is stronger: statutory 0, named in a consent 1, prior recipient 2, consent 3."""
    if stored.startswith(CONSENT_BASIS_PREFIX):
        return 3
    return _RANK.get(stored, 0)


def strongest(held_for: Mapping[str, str]) -> str:
    """The ``basis`` column of an entry held for these parties (the first party wins a tie)."""
    return min(held_for.values(), key=_rank)


@dataclass(frozen=True)
class Keep:
    """The service holds the event, for the parties in ``held_for``."""

    basis: LegalBasis
    category: DataCategory | None
    consent_id: str | None = None
    """The live consent that covers the event, if it is held only by consent."""
    held_for: Mapping[str, str] = field(default_factory=dict)
    """party → its stored basis (a legal basis, or ``consent:<consent id>``)."""

    @property
    def stored_basis(self) -> str:
        """The ``basis`` column: the strongest basis of any party."""
        if self.held_for:
            return strongest(self.held_for)
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

PriorHolders = Callable[[], set[str]]
"""The service's parties that hold (or held) an event of the case; asked only when it matters."""


def _nobody() -> set[str]:
    return set()


def decide(
    parties: Sequence[str],
    env: Envelope,
    consents: Consents,
    today: date,
    prior_holders: PriorHolders = _nobody,
    *,
    on_hold: bool = False,
) -> Decision:
    """What a service holding the view of ``parties`` does with ``env``, given the case's
    live ``consents`` on ``today``. While the case's consents are ``on_hold`` (an open dead
    letter on intake's topic may be a consent event, :mod:`shared.projection.poison`), no
    consent covers anything: what only a consent could release is withheld."""
    held_for: dict[str, str] = {}
    withheld: DataCategory | None = None
    could_release = False
    for party in parties:
        ent = entitlement(kind_of(party), env.event)
        if ent is None:
            continue
        if ent.basis.statutory:
            held_for[party] = ent.basis.value
        elif ent.basis is LegalBasis.NAMED_IN_CONSENT:
            if named_in(env.event, consents, party):
                held_for[party] = ent.basis.value
        elif not on_hold and (consent_id := covering_consent(consents, party, ent.category, today)):
            held_for[party] = f"{CONSENT_BASIS_PREFIX}{consent_id}"
        else:
            could_release, withheld = True, ent.category
    rule = rule_for(type(env.event))
    if rule is not None and rule.published and rule.prior_holders:
        # Art. 19 DSGVO: a party that held data of the case keeps the notice that ends it.
        for party in sorted(prior_holders() & set(parties) - held_for.keys(), key=list(parties).index):
            held_for[party] = LegalBasis.PRIOR_RECIPIENT.value
    if held_for:
        return _keep(env, held_for)
    return Withhold(withheld) if could_release else NotHeld()


def _keep(env: Envelope, held_for: dict[str, str]) -> Keep:
    ordered = MappingProxyType(dict(held_for))
    basis = strongest(ordered)
    category = None
    for party, stored in ordered.items():
        if stored == basis:
            ent = entitlement(kind_of(party), env.event)
            category = ent.category if ent is not None else None
            break
    if basis.startswith(CONSENT_BASIS_PREFIX):
        return Keep(LegalBasis.CONSENT, category, basis.removeprefix(CONSENT_BASIS_PREFIX), ordered)
    return Keep(LegalBasis(basis), category, None, ordered)


def held_by_consent(stored_basis: str) -> bool:
    """Whether a view entry with this stored basis is held only because of a consent."""
    return stored_basis.startswith(CONSENT_BASIS_PREFIX)


def stored_category(category: DataCategory | None) -> str | None:
    """The ``category`` column of a data category."""
    return category.value if category else None


def category_of(stored: str | None) -> DataCategory | None:
    """The data category of a ``category`` column."""
    return DataCategory(stored) if stored else None
