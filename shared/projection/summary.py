"""The current summary of a case, folded from the events a service may see.

Events of one case reach a projection from up to three topics, and the
interleaving of topics differs between consumers. So that every projection
derives the same summary from the same events, each field keeps the value of
the event that is latest in the case order (recorded time, source, sequence),
whatever the arrival order.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import singledispatch
from typing import Any

from pydantic import BaseModel, Field

from shared.bus.wire import Envelope
from shared.events import catalogue as ev
from shared.events.base import IntegrationEvent

OrderKey = tuple[str, str, int]


def order_key(envelope: Envelope) -> OrderKey:
    """The position of an event in its case's history, the same in every projection."""
    return (envelope.time.isoformat(), envelope.source.value, envelope.sequence)


class Stamped(BaseModel):
    """A field value with the order key of the event that set it."""

    key: OrderKey
    value: dict[str, Any]


class CaseSummary(BaseModel):
    """What a department sees of a case at a glance."""

    case_id: str
    event_count: int = 0
    fields: dict[str, Stamped] = Field(default_factory=dict)
    counselling_dates: list[date] = Field(default_factory=list)
    consent_ids: list[str] = Field(default_factory=list)
    last_event_at: datetime | None = None

    def put(self, name: str, envelope: Envelope, value: dict[str, Any]) -> None:
        """Set a field unless a later event of the case has set it already."""
        key = order_key(envelope)
        current = self.fields.get(name)
        if current is None or tuple(current.key) < key:
            self.fields[name] = Stamped(key=key, value=value)

    def get(self, name: str) -> dict[str, Any] | None:
        """The value of a field, or None."""
        stamped = self.fields.get(name)
        return stamped.value if stamped else None

    def case_status(self) -> str | None:
        """``open``/``closed`` as far as this view knows, or None."""
        case = self.get("case")
        return str(case["status"]) if case else None

    def case_manager(self) -> str | None:
        """The KIM case manager's staff id as far as this view knows, or None."""
        case = self.get("case")
        manager = case.get("case_manager_id") if case else None
        return str(manager) if manager else None

    def view(self) -> dict[str, Any]:
        """A flat, readable form for the API."""
        return {
            "case_id": self.case_id,
            "event_count": self.event_count,
            "last_event_at": self.last_event_at,
            "person": self.get("person"),
            "case": self.get("case"),
            "tolerated_stay": self.get("tolerated_stay"),
            "identity": self.get("identity"),
            "residence_permit": self.get("residence_permit"),
            "counselling": {
                "sessions": len(self.counselling_dates),
                "last_held_on": max(self.counselling_dates, default=None),
            },
            "consents": len(self.consent_ids),
        }


def fold(summary: CaseSummary, envelope: Envelope) -> CaseSummary:
    """Apply one newly seen event to a case summary (in place) and return it."""
    summary.event_count += 1
    if summary.last_event_at is None or envelope.time > summary.last_event_at:
        summary.last_event_at = envelope.time
    _apply(envelope.event, summary, envelope)
    return summary


@singledispatch
def _apply(event: IntegrationEvent, summary: CaseSummary, envelope: Envelope) -> None:
    """Events without a summary field only count."""


@_apply.register
def _(event: ev.PersonRegistered, summary: CaseSummary, envelope: Envelope) -> None:
    summary.put(
        "person", envelope, {"person_id": str(event.person_id), "registered_on": event.registered_on.isoformat()}
    )


@_apply.register
def _(event: ev.CaseOpened, summary: CaseSummary, envelope: Envelope) -> None:
    summary.put(
        "case",
        envelope,
        {"status": "open", "opened_on": event.opened_on.isoformat(), "case_manager_id": event.case_manager_id},
    )


@_apply.register
def _(event: ev.CaseManagerChanged, summary: CaseSummary, envelope: Envelope) -> None:
    case = summary.get("case") or {"status": "open"}
    summary.put("case", envelope, {**case, "case_manager_id": event.case_manager_id})


@_apply.register
def _(event: ev.CaseClosed, summary: CaseSummary, envelope: Envelope) -> None:
    opened = summary.get("case") or {}
    summary.put(
        "case",
        envelope,
        {**opened, "status": "closed", "closed_on": event.closed_on.isoformat(), "close_reason": event.reason},
    )


@_apply.register
def _(event: ev.ConsentGranted, summary: CaseSummary, envelope: Envelope) -> None:
    if str(event.consent_id) not in summary.consent_ids:
        summary.consent_ids = sorted([*summary.consent_ids, str(event.consent_id)])


@_apply.register
def _(event: ev.ToleratedStayIssued, summary: CaseSummary, envelope: Envelope) -> None:
    summary.put(
        "tolerated_stay",
        envelope,
        {
            "subtype": event.subtype,
            "valid_from": event.valid_from.isoformat(),
            "valid_until": event.valid_until.isoformat(),
            "work_permitted": event.work_permitted,
        },
    )


@_apply.register
def _(event: ev.IdentityClarified, summary: CaseSummary, envelope: Envelope) -> None:
    summary.put("identity", envelope, {"clarified": True, "clarified_on": event.clarified_on.isoformat()})


@_apply.register
def _(event: ev.ResidencePermitGranted, summary: CaseSummary, envelope: Envelope) -> None:
    summary.put(
        "residence_permit",
        envelope,
        {
            "norm": event.norm.value,
            "valid_from": event.valid_from.isoformat(),
            "valid_until": event.valid_until.isoformat(),
        },
    )


@_apply.register
def _(event: ev.PerspectiveCounsellingHeld, summary: CaseSummary, envelope: Envelope) -> None:
    summary.counselling_dates = sorted([*summary.counselling_dates, event.held_on])
