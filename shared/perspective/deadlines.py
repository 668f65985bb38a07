"""The deadlines of a case, from today on: title expiry, consent expiry and the Perspektive's pathway deadlines.

Pure: the caller hands in what the reader may see of the case (the summary's Duldung and
residence permit, the consents it may read, the Perspektive evaluated on the entries it
may read) and today's date in Germany (``shared.clock.today``). A deadline whose day has
passed stays in the list for :data:`PAST_DUE_DAYS` days, marked overdue, so a missed one
is still seen; older ones are left out. The list is sorted soonest first.

A day is the last day something holds: a Duldung or residence permit ``valid_until``, a
consent's last day, a pathway deadline's ``on``. "In 0 Tagen" is today.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from shared.events.common import Purpose
from shared.perspective.norms import norm_de
from shared.perspective.results import Perspective
from shared.policy.consent import ConsentState

PAST_DUE_DAYS = 14
"""A deadline missed up to this many days ago is still listed, as overdue."""


class DeadlineKind(StrEnum):
    """Where a deadline comes from."""

    DULDUNG = "duldung"
    RESIDENCE_PERMIT = "residence_permit"
    CONSENT = "consent"
    PATHWAY = "pathway"


KINDS_DE: dict[DeadlineKind, str] = {
    DeadlineKind.DULDUNG: "Duldung",
    DeadlineKind.RESIDENCE_PERMIT: "Aufenthaltserlaubnis",
    DeadlineKind.CONSENT: "Einwilligung",
    DeadlineKind.PATHWAY: "Perspektive",
}
"""The kinds in German, in the order a filter offers them."""

PURPOSES_DE: dict[Purpose, str] = {
    Purpose.PREPARE_APPLICATION_25A: "Antrag nach § 25a AufenthG vorbereiten",
    Purpose.PREPARE_APPLICATION_25B: "Antrag nach § 25b AufenthG vorbereiten",
    Purpose.PREPARE_APPLICATION_104C: "Antrag nach § 104c AufenthG vorbereiten",
    Purpose.PREPARE_TOLERATION_60C_60D: "Duldung nach § 60c/§ 60d AufenthG vorbereiten",
    Purpose.PREPARE_SETTLEMENT_PERMIT: "Niederlassungserlaubnis vorbereiten",
    Purpose.PREPARE_NATURALISATION: "Einbürgerung vorbereiten",
    Purpose.PASSPORT_PROCUREMENT_SUPPORT: "Unterstützung bei der Passbeschaffung",
    Purpose.CASE_CONFERENCE: "Fallkonferenz",
    Purpose.LABOUR_MARKET_INTEGRATION: "Integration in den Arbeitsmarkt",
    Purpose.LANGUAGE_COURSE_PLACEMENT: "Vermittlung in einen Sprachkurs",
    Purpose.RETURN_COUNSELLING: "Rückkehrberatung",
}

CONSENT_REFERENCE = "Art. 6 Abs. 1 lit. a, Art. 7 DSGVO"
PERMIT_REFERENCE = "§ 81 Abs. 4 AufenthG"
DULDUNG_REFERENCE = "§ 60a Abs. 4 AufenthG"
SAME_AS_TITLE: dict[str, DeadlineKind] = {
    "duldung_expires": DeadlineKind.DULDUNG,
    "title_104c_expires": DeadlineKind.RESIDENCE_PERMIT,
}
"""Pathway deadlines that name the very expiry the summary already gives (left out on the same day)."""


class Duldung(Protocol):
    """The Duldung as the case summary shows it."""

    @property
    def subtype(self) -> str: ...

    @property
    def valid_from(self) -> date: ...

    @property
    def valid_until(self) -> date: ...


class ResidencePermit(Protocol):
    """The residence permit as the case summary shows it."""

    @property
    def norm(self) -> str: ...

    @property
    def valid_from(self) -> date: ...

    @property
    def valid_until(self) -> date: ...


@dataclass(frozen=True, slots=True)
class CaseDeadline:
    """One deadline of one case."""

    case_id: UUID
    kind: DeadlineKind
    key: str
    """Stable within the case: ``duldung``, ``residence_permit``, ``consent:<id>``, or the pathway deadline's key."""
    label_de: str
    on: date
    days_left: int
    """Days from today to ``on``: 0 today, negative when overdue."""
    legal_reference: str

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def kind_de(self) -> str:
        return KINDS_DE[self.kind]

    @property
    def when_de(self) -> str:
        """How near it is, in words (never by colour alone)."""
        days = self.days_left
        if days < 0:
            return f"überfällig seit {-days} {'Tag' if days == -1 else 'Tagen'}"
        if days == 0:
            return "heute"
        if days == 1:
            return "morgen"
        return f"in {days} Tagen"


def _order(deadline: CaseDeadline) -> tuple[date, int, str, str]:
    return (deadline.on, list(DeadlineKind).index(deadline.kind), deadline.label_de, str(deadline.case_id))


def case_deadlines(
    case_id: UUID,
    today: date,
    *,
    duldung: Duldung | None = None,
    residence_permit: ResidencePermit | None = None,
    consents: Iterable[ConsentState] = (),
    perspective: Perspective | None = None,
    past_due_days: int = PAST_DUE_DAYS,
) -> list[CaseDeadline]:
    """The case's deadlines from ``today - past_due_days`` on, soonest first.

    Pass only what the reader may see: ``consents`` only to whoever may read the case's
    consent records, the Perspektive only as evaluated on the entries they may read.
    """
    found = _titles(duldung, residence_permit)
    for consent in consents:
        if _ends_by_expiry(consent):
            label = f"Ablauf der Einwilligung: {PURPOSES_DE.get(consent.purpose, consent.purpose.value)}"
            key = f"consent:{consent.consent_id}"
            found.append(_Found(DeadlineKind.CONSENT, key, label, consent.valid_until, CONSENT_REFERENCE))
    titles = {(f.kind, f.on) for f in found}
    seen: set[tuple[str, date]] = set()
    for pathway in perspective.pathways if perspective is not None else ():
        for deadline in pathway.deadlines:
            same = SAME_AS_TITLE.get(deadline.key)
            if (deadline.key, deadline.on) in seen or (same, deadline.on) in titles:
                continue
            seen.add((deadline.key, deadline.on))
            found.append(
                _Found(DeadlineKind.PATHWAY, deadline.key, deadline.label_de, deadline.on, deadline.legal_reference)
            )
    deadlines = [
        CaseDeadline(case_id, f.kind, f.key, f.label_de, f.on, (f.on - today).days, f.reference)
        for f in found
        if (f.on - today).days >= -past_due_days
    ]
    return sorted(deadlines, key=_order)


@dataclass(frozen=True, slots=True)
class _Found:
    kind: DeadlineKind
    key: str
    label_de: str
    on: date
    reference: str


def _titles(duldung: Duldung | None, permit: ResidencePermit | None) -> list[_Found]:
    """The expiry of the Duldung or the residence permit; of both, the later issued one (it replaced the other)."""
    if duldung is not None and permit is not None:
        if permit.valid_from >= duldung.valid_from:
            duldung = None
        else:
            permit = None
    if duldung is not None:
        norm = f"§ {duldung.subtype} AufenthG"
        reference = DULDUNG_REFERENCE if duldung.subtype == "60a" else f"{norm}; {DULDUNG_REFERENCE}"
        label = f"Ablauf der Duldung ({norm}): Verlängerung rechtzeitig prüfen"
        return [_Found(DeadlineKind.DULDUNG, "duldung", label, duldung.valid_until, reference)]
    if permit is not None:
        label = f"Ablauf der Aufenthaltserlaubnis ({_norm(permit.norm)}): Verlängerung rechtzeitig beantragen"
        return [_Found(DeadlineKind.RESIDENCE_PERMIT, "residence_permit", label, permit.valid_until, PERMIT_REFERENCE)]
    return []


def _norm(code: str) -> str:
    return norm_de(code) if "_" in code else code


def _ends_by_expiry(consent: ConsentState) -> bool:
    """The consent's term ends at ``valid_until`` (not earlier by revocation or the case's closure)."""
    ended_before = [d for d in (consent.revoked_on, consent.case_closed_on) if d is not None]
    return all(day > consent.valid_until for day in ended_before)


def due_within(deadlines: Iterable[CaseDeadline], days: int) -> list[CaseDeadline]:
    """Those due within ``days`` from today (the overdue ones the list still holds included)."""
    return [d for d in deadlines if d.days_left <= days]


def soonest(deadlines: Sequence[CaseDeadline]) -> CaseDeadline | None:
    """The first of a sorted list: the most pressing one (an overdue one before an upcoming one)."""
    return deadlines[0] if deadlines else None


def merged(per_case: Iterable[Sequence[CaseDeadline]]) -> list[CaseDeadline]:
    """Deadlines of many cases in one list, soonest first."""
    return sorted((d for deadlines in per_case for d in deadlines), key=_order)
