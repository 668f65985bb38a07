"""Break-glass: reading beyond one's reach with a reason, for a bounded time, under four eyes.

One :class:`BreakGlass` aggregate per request, in the service's own store and never
published (its events live in an event table of their own, which no relay reads).

- *Requested* by a member of staff whose role may use break-glass at all
  (``shared/access/table.py`` ``BREAK_GLASS``), naming the case or file, a reason
  (:data:`REASON_MIN`..:data:`REASON_MAX` characters) and a duration of at most the
  role's ``max_minutes``. An *emergency* request (only where the rule allows it) is in
  force at once and must be reviewed afterwards.
- *Approved* or *refused* by a second person: a role in ``APPROVERS``, never the
  requester; a team lead only in the department (service) of the request. An approved
  grant is in force from the approval for its minutes. A request unanswered for
  :data:`PENDING_FOR` lapses.
- *Ended* early by the requester (or withdrawn while pending) or by an approver.
- Expiry is computed from the time, not an event.
- *Reviewed* by the data-protection officer (neither requester nor approver) with a
  note, once the grant is no longer in force. Every grant stays in the review list until then.

The reason and the notes are free text: they stay in the aggregate, never in a log,
an error text or the index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.access.table import APPROVERS, BREAK_GLASS, TEAM_ROLES, BreakGlassRule
from shared.errors import DomainRuleViolationError, KimError
from shared.identity.roles import Role

REASON_MIN, REASON_MAX = 10, 500
"""Bounds of the reason (characters, after trimming)."""
NOTE_MAX = 1000
"""Longest note of a refusal or a review."""
PENDING_FOR = timedelta(hours=24)
"""A request nobody answered within this time lapses (ask again)."""


class BreakGlassNotAllowedError(KimError):
    """The caller may not do this with break-glass (403): role, four eyes, department."""


class BreakGlassNotFoundError(KimError):
    """No such request in this service, or not one the caller may see (404, the same answer)."""


class BreakGlassStateError(DomainRuleViolationError):
    """The request is not in a state that allows the action (409)."""


class BreakGlassInputError(KimError):
    """A field breaks a rule that depends on the role (422 naming the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class State(StrEnum):
    """Where a request stands at a given time (expiry and lapse are computed, not events)."""

    PENDING = "pending"
    LAPSED = "lapsed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    ACTIVE = "active"
    ENDED = "ended"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Approver:
    """Who acts on a request: pseudonymous staff id, realm roles, department groups."""

    staff_id: str
    roles: frozenset[Role]
    departments: frozenset[str]


def rule_for(roles: Iterable[Role], wanted: Role | None = None) -> tuple[Role, BreakGlassRule]:
    """The role a request is made in and its rule; raises if no role of the caller may use break-glass."""
    eligible = sorted(r for r in roles if r in BREAK_GLASS)
    if wanted is not None:
        if wanted not in eligible:
            msg = "Diese Rolle darf keinen Break-Glass-Zugriff beantragen."
            raise BreakGlassNotAllowedError(msg)
        return wanted, BREAK_GLASS[wanted]
    if not eligible:
        msg = "Keine Rolle der anfragenden Person darf Break-Glass-Zugriff beantragen."
        raise BreakGlassNotAllowedError(msg)
    if len(eligible) > 1:
        raise BreakGlassInputError("role", "Mehrere Rollen kommen in Frage: bitte die Rolle angeben.")
    return eligible[0], BREAK_GLASS[eligible[0]]


def approves_in(who: Approver, department: str) -> bool:
    """Whether ``who`` may approve requests in ``department`` (a team lead only in their own)."""
    return any(role in APPROVERS and (role not in TEAM_ROLES or department in who.departments) for role in who.roles)


class BreakGlass(Aggregate):
    """One break-glass request and, once approved (or as an emergency), the grant."""

    @event("Requested")
    def __init__(
        self,
        department: str,
        subject_id: UUID,
        requester: str,
        role: str,
        reason: str,
        minutes: int,
        emergency: bool,
        requested_at: datetime,
    ) -> None:
        self.department, self.subject_id, self.requester, self.role = department, subject_id, requester, role
        self.reason, self.minutes, self.emergency, self.requested_at = reason, minutes, emergency, requested_at
        self.approved_by: str | None = None
        self.approved_at: datetime | None = None
        self.refused_by: str | None = None
        self.refused_at: datetime | None = None
        self.refusal_note: str | None = None
        self.ended_by: str | None = None
        self.ended_at: datetime | None = None
        self.reviewed_by: str | None = None
        self.reviewed_at: datetime | None = None
        self.review_note: str | None = None

    @classmethod
    def request(
        cls,
        department: str,
        subject_id: UUID,
        requester: str,
        roles: Iterable[Role],
        reason: str,
        minutes: int,
        at: datetime,
        *,
        emergency: bool = False,
        role: Role | None = None,
    ) -> BreakGlass:
        """Ask for a grant (in force at once if an emergency the role's rule allows)."""
        chosen, rule = rule_for(roles, role)
        if emergency and not rule.emergency:
            msg = "Für diese Rolle ist kein Notfallzugriff ohne vorherige Freigabe vorgesehen."
            raise BreakGlassNotAllowedError(msg)
        if not REASON_MIN <= len(reason) <= REASON_MAX or not reason.strip():  # as sent, then trimmed
            msg = f"Die Begründung braucht {REASON_MIN} bis {REASON_MAX} Zeichen."
            raise BreakGlassInputError("reason", msg)
        if not 1 <= minutes <= rule.max_minutes:
            raise BreakGlassInputError("minutes", f"Höchstens {rule.max_minutes} Minuten für diese Rolle.")
        return cls(department, subject_id, requester, chosen.value, reason.strip(), minutes, emergency, at)

    # --- computed -------------------------------------------------------------------------

    @property
    def starts_at(self) -> datetime | None:
        """When the grant came into force: at the request (emergency) or at the approval."""
        return self.requested_at if self.emergency else self.approved_at

    @property
    def ends_at(self) -> datetime | None:
        """When it stops (or stopped) being in force: its minutes, or earlier if ended."""
        if self.starts_at is None:
            return None
        due = self.starts_at + timedelta(minutes=self.minutes)
        return min(due, self.ended_at) if self.ended_at is not None else due

    @property
    def granted(self) -> bool:
        """Was ever in force (approved or emergency): it must be reviewed."""
        return self.starts_at is not None

    @property
    def needs_review(self) -> bool:
        return self.granted and self.reviewed_at is None

    def state(self, now: datetime) -> State:
        if self.refused_at is not None:
            return State.REFUSED
        if not self.granted:
            if self.ended_at is not None:
                return State.WITHDRAWN
            return State.PENDING if now < self.requested_at + PENDING_FOR else State.LAPSED
        if self.ended_at is not None and self.ended_at <= now:
            return State.ENDED
        assert self.ends_at is not None
        return State.ACTIVE if now < self.ends_at else State.EXPIRED

    def in_force(self, now: datetime) -> bool:
        return self.state(now) is State.ACTIVE

    # --- the second person, the end, the review -------------------------------------------

    def _check_second_person(self, who: Approver) -> None:
        if who.staff_id == self.requester:
            raise BreakGlassNotAllowedError("Vier-Augen-Prinzip: der eigene Antrag kann nicht entschieden werden.")
        if not approves_in(who, self.department):
            raise BreakGlassNotAllowedError("Freigeben dürfen nur Teamleitungen der Abteilung und die DSB.")

    def _check_pending(self, now: datetime) -> None:
        if self.state(now) is not State.PENDING:
            raise BreakGlassStateError("Der Antrag ist nicht mehr offen.")

    def approve(self, who: Approver, at: datetime) -> None:
        self._check_second_person(who)
        self._check_pending(at)
        self._approved(who.staff_id, at)

    @event("Approved")
    def _approved(self, approved_by: str, approved_at: datetime) -> None:
        self.approved_by, self.approved_at = approved_by, approved_at

    def refuse(self, who: Approver, note: str | None, at: datetime) -> None:
        self._check_second_person(who)
        self._check_pending(at)
        self._refused(who.staff_id, at, note.strip() if note else None)

    @event("Refused")
    def _refused(self, refused_by: str, refused_at: datetime, note: str | None) -> None:
        self.refused_by, self.refused_at, self.refusal_note = refused_by, refused_at, note

    def end(self, who: Approver, at: datetime) -> None:
        """The requester gives it up (or withdraws the request); an approver revokes it."""
        if who.staff_id != self.requester:
            self._check_second_person(who)
        if self.state(at) not in (State.PENDING, State.ACTIVE):
            raise BreakGlassStateError("Der Zugriff ist nicht mehr offen oder in Kraft.")
        self._ended(who.staff_id, at)

    @event("Ended")
    def _ended(self, ended_by: str, ended_at: datetime) -> None:
        self.ended_by, self.ended_at = ended_by, ended_at

    def review(self, who: Approver, note: str, at: datetime) -> None:
        """The data-protection officer's review of a grant no longer in force."""
        if Role.DATA_PROTECTION_OFFICER not in who.roles:
            raise BreakGlassNotAllowedError("Die Prüfung ist der oder dem Datenschutzbeauftragten vorbehalten.")
        if who.staff_id in (self.requester, self.approved_by):
            raise BreakGlassNotAllowedError("Vier-Augen-Prinzip: wer beantragt oder freigegeben hat, prüft nicht.")
        if not self.granted:
            raise BreakGlassStateError("Nur ein gewährter Zugriff wird geprüft.")
        if self.in_force(at):
            raise BreakGlassStateError("Der Zugriff ist noch in Kraft: erst beenden, dann prüfen.")
        if self.reviewed_at is not None:
            raise BreakGlassStateError("Der Zugriff ist bereits geprüft.")
        if not 1 <= len(note) <= NOTE_MAX or not note.strip():
            raise BreakGlassInputError("note", f"Der Prüfvermerk braucht 1 bis {NOTE_MAX} Zeichen.")
        self._reviewed(who.staff_id, at, note.strip())

    @event("Reviewed")
    def _reviewed(self, reviewed_by: str, reviewed_at: datetime, note: str) -> None:
        self.reviewed_by, self.reviewed_at, self.review_note = reviewed_by, reviewed_at, note

    def row(self) -> BreakGlassRow:
        """The index row (no free text: no reason, no notes)."""
        return BreakGlassRow(
            grant_id=self.id,
            subject_id=self.subject_id,
            requester=self.requester,
            emergency=self.emergency,
            requested_at=self.requested_at,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            closed=self.refused_at is not None or (not self.granted and self.ended_at is not None),
            reviewed=self.reviewed_at is not None,
        )


@dataclass(frozen=True, slots=True)
class BreakGlassRow:
    """The index row of one request: enough to find the grants in force and the lists, no free text."""

    grant_id: UUID
    subject_id: UUID
    requester: str
    emergency: bool
    requested_at: datetime
    starts_at: datetime | None
    """None: not (yet) granted."""
    ends_at: datetime | None
    """The end of the grant (its minutes, or earlier if ended)."""
    closed: bool
    """Refused or withdrawn before it was granted."""
    reviewed: bool

    def in_force(self, now: datetime) -> bool:
        return self.starts_at is not None and self.ends_at is not None and self.starts_at <= now < self.ends_at

    def pending(self, now: datetime) -> bool:
        return self.starts_at is None and not self.closed and now < self.requested_at + PENDING_FOR

    def to_review(self) -> bool:
        return self.starts_at is not None and not self.reviewed


class BreakGlassIndex(Protocol):
    """The index of a service's break-glass requests (PostgreSQL table or in memory)."""

    def holders(self, subject_id: UUID, now: datetime) -> dict[str, UUID]:
        """Staff id -> grant id of the grants on ``subject_id`` in force at ``now``."""
        ...

    def holders_of(self, subject_ids: Sequence[UUID], now: datetime) -> dict[UUID, dict[str, UUID]]:
        """:meth:`holders` of many subjects in one read (subjects without a grant in force: absent)."""
        ...

    def rows(self, now: datetime, state: str, requester: str | None = None) -> list[BreakGlassRow]:
        """``pending``, ``active`` or ``to-review`` rows (of one requester, if given), oldest first."""
        ...

    def open_of(self, subject_id: UUID, requester: str, now: datetime) -> list[BreakGlassRow]:
        """The requester's pending or active requests on ``subject_id``."""
        ...

    def written_with_events(self, row: BreakGlassRow) -> object:
        """A side record that stores ``row`` in the transaction of the command's events."""
        ...
