"""Break-glass as use cases: request, approve, refuse, end, review, and the lists.

A small eventsourcing Application of its own per service, on the service's database
and schema but with an event table of its own (``breakglass_events``): its events are
internal by construction, since no relay reads that table. The index of requests
(``shared/persistence/break_glass.py``) is written in the transaction of the events
(a side record), and the service's reach lookup asks :meth:`BreakGlassApplication.holders`
which grants are in force now (``shared/application/reach.py``).

Who acts comes from the access token (:class:`~shared.access.break_glass.Approver`);
the clock is injected (``now``), so tests can move past a grant's end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, OperationalError, PersistenceError
from pydantic import BaseModel, ConfigDict, Field

from shared.access.break_glass import (
    NOTE_MAX,
    REASON_MAX,
    REASON_MIN,
    Approver,
    BreakGlass,
    BreakGlassIndex,
    BreakGlassNotFoundError,
    BreakGlassStateError,
    approves_in,
)
from shared.access.table import BREAK_GLASS
from shared.application.commands import NOT_BLANK
from shared.application.recording import CommandRecording
from shared.application.results import Position, Saved
from shared.errors import ConcurrentModificationError, ServiceUnavailableError
from shared.identity.roles import Role
from shared.service import Service

LONGEST_GRANT = max(rule.max_minutes for rule in BREAK_GLASS.values())
LIST_STATES = ("pending", "active", "to-review")


class RequestBreakGlass(BaseModel):
    """Ask to read one case or file beyond one's reach, for a bounded time."""

    model_config = ConfigDict(extra="forbid")

    subject_id: UUID = Field(description="The KIM case or the department's file to be read.")
    reason: str = Field(
        min_length=REASON_MIN,
        max_length=REASON_MAX,
        pattern=NOT_BLANK,
        description="Why (logged and reviewed; never written to a log file).",
    )
    minutes: int = Field(ge=1, le=LONGEST_GRANT, description="How long; at most the role's limit (docs/access.md).")
    emergency: bool = Field(False, description="Read at once, before approval (only roles allowed to; reviewed).")
    role: Role | None = Field(None, description="The role the request is made in, if the caller has several.")


class RefuseBreakGlass(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, max_length=NOTE_MAX, pattern=NOT_BLANK, description="Why not (optional).")


class ReviewBreakGlass(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=NOTE_MAX, pattern=NOT_BLANK, description="The review's finding.")


def utc_now() -> datetime:
    return datetime.now(UTC)


class BreakGlassApplication(Application[UUID]):
    """The break-glass requests of one service (their own event table, never published)."""

    name = "BreakGlass"

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        service: Service,
        index: BreakGlassIndex,
        known: Callable[[UUID], bool],
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(env)
        self.service, self.index, self.known, self.now = service, index, known, now

    # --- use cases ------------------------------------------------------------------------

    def request(self, who: Approver, cmd: RequestBreakGlass) -> BreakGlass:
        at = self.now()
        if not self.known(cmd.subject_id):
            raise BreakGlassNotFoundError(cmd.subject_id)
        grant = BreakGlass.request(
            self.service.value,
            cmd.subject_id,
            who.staff_id,
            who.roles,
            cmd.reason,
            cmd.minutes,
            at,
            emergency=cmd.emergency,
            role=cmd.role,
        )
        if self.index.open_of(cmd.subject_id, who.staff_id, at):
            raise BreakGlassStateError("Für diesen Fall liegt bereits ein offener oder laufender Antrag vor.")
        self._save(grant)
        return grant

    def approve(self, grant_id: UUID, who: Approver) -> BreakGlass:
        return self._change(grant_id, who, lambda g, at: g.approve(who, at))

    def refuse(self, grant_id: UUID, who: Approver, cmd: RefuseBreakGlass) -> BreakGlass:
        return self._change(grant_id, who, lambda g, at: g.refuse(who, cmd.note, at))

    def end(self, grant_id: UUID, who: Approver) -> BreakGlass:
        return self._change(grant_id, who, lambda g, at: g.end(who, at))

    def review(self, grant_id: UUID, who: Approver, cmd: ReviewBreakGlass) -> BreakGlass:
        return self._change(grant_id, who, lambda g, at: g.review(who, cmd.note, at))

    def get(self, grant_id: UUID, who: Approver) -> BreakGlass:
        """One request, if the caller may see it (the requester, the approvers of the department)."""
        grant = self._load(grant_id)
        if not self.sees_all(who) and grant.requester != who.staff_id:
            raise BreakGlassNotFoundError(grant_id)
        return grant

    def listed(self, who: Approver, state: str) -> list[BreakGlass]:
        """``pending``, ``active`` or ``to-review``: all of them for an approver, else one's own."""
        requester = None if self.sees_all(who) else who.staff_id
        return [self._load(row.grant_id) for row in self.index.rows(self.now(), state, requester)]

    def sees_all(self, who: Approver) -> bool:
        """Approvers of this department (and the data-protection officer) see every request."""
        return approves_in(who, self.service.value)

    # --- the reach lookup (``BreakGlassLookup``) ---------------------------------------------

    def holders(self, subject_id: UUID) -> Mapping[str, UUID]:
        """Staff id -> grant id of the grants on ``subject_id`` in force now."""
        return self.index.holders(subject_id, self.now())

    def holders_of(self, subject_ids: Sequence[UUID]) -> Mapping[UUID, Mapping[str, UUID]]:
        """:meth:`holders` of many subjects in one read (subjects without a grant in force: absent)."""
        return self.index.holders_of(subject_ids, self.now())

    # --- loading and saving -------------------------------------------------------------

    def _change(self, grant_id: UUID, who: Approver, act: Callable[[BreakGlass, datetime], None]) -> BreakGlass:
        grant = self._load(grant_id)
        if not self.sees_all(who) and grant.requester != who.staff_id:
            raise BreakGlassNotFoundError(grant_id)
        act(grant, self.now())
        self._save(grant)
        return grant

    def _load(self, grant_id: UUID) -> BreakGlass:
        try:
            grant: object = self.repository.get(grant_id)
        except AggregateNotFoundError:
            raise BreakGlassNotFoundError(grant_id) from None
        except OperationalError as exc:
            raise ServiceUnavailableError(type(exc).__name__) from None
        if not isinstance(grant, BreakGlass):
            raise BreakGlassNotFoundError(grant_id)
        return grant

    def _save(self, grant: BreakGlass) -> None:
        version = grant.version

        def saved_for(notification_ids: Sequence[int]) -> Saved:
            return Saved(grant.id, version, Position(self.service, notification_ids[-1], published=False))

        record = self.index.written_with_events(grant.row())
        try:
            self.save(grant, command=CommandRecording((record,), saved_for))
        except IntegrityError:
            raise ConcurrentModificationError(grant.id) from None
        except PersistenceError as exc:
            raise ServiceUnavailableError(type(exc).__name__) from None
