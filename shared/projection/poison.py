"""Records a service cannot apply: parked as a pointer or skipped, and the consent holds they put.

A record that is not a valid event of the published language, or whose CloudEvents
``source`` is not the service that owns the topic it came on, is never stored. Its
content may be anything, data this service may never hold included; so the view keeps
a pointer only: topic, partition, offset, the ``ce_type`` header, the reason and the
time. Replay reads the record again from Kafka, like a withheld event.

- A record whose ``ce_type`` names an event of the topic's owner that no party of this
  service may ever hold (in any version; e.g. the foreign office and a
  ``ReferralReceived``) is *skipped*: counted and listed for operators, not parked. No
  version of such an event changes consents (every consent event and the closure may
  reach every department), so nothing waits for it.
- Everything else is *parked* (a dead letter).
- **Consent fails closed.** A dead letter on intake's topic may be a consent event: a
  revocation, a narrowing, the closure of the case. While it is open it *holds* the
  consents of the case its key names: everything this service holds only by a consent
  is withheld (a pointer, as after a revocation), and nothing new is released by one.
  What it holds on a statutory basis, and the consent records it is named in, stay.
  The hold ends when the dead letter is settled (replayed, or resolved by an operator);
  then what the live consents cover is read again from Kafka and released.
- A dead letter on intake's topic whose key names no case (missing, or not a case id)
  could be about any case: it holds the consents of *every* case of this service until
  it is settled. That is the safe side; an operator sees why and resolves it.
- A record rejected because its ``source`` is not the topic's owner holds nothing: it is
  not one of intake's events, whatever it claims, and it changes nothing.
- A record on a topic outside the services' naming (a benchmark's scratch topic) holds
  like one on intake's topic: its owner is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from uuid import UUID

from shared.bus.wire import SERVICE_BY_SLUG, topic_owner
from shared.events import EVENTS_BY_WIRE_TYPE
from shared.events.common import kind_of
from shared.policy.sharing import SharingRule, rule_for
from shared.projection.records import ConsumedRecord, PoisonCause
from shared.service import Service

TYPE_MAX = 200
"""How much of a ``ce_type`` header is kept."""
WIRE_TYPE = re.compile(r"^de\.nrw\.kim\.(?P<slug>[a-z-]{1,40})\.(?P<name>[A-Za-z]{1,100})\.v[1-9]\d{0,8}$")


def printable(value: str) -> str:
    """A string PostgreSQL accepts in text and jsonb: it refuses NUL characters. A poison
    record may carry them anywhere (a type echoed in the reason); refusing to park it
    would fail the whole batch again and again and block the partition."""
    return value.replace("\x00", "\ufffd")


@dataclass(frozen=True)
class Parked:
    """A record to park: where it is, what it claimed to be and why it is not applied."""

    topic: str
    partition: int
    offset: int
    type: str | None
    reason: str
    cause: PoisonCause
    case_id: UUID | None
    consent_hold: bool


@dataclass(frozen=True)
class Skipped:
    """A record of a type this service may never hold: noted, not parked."""

    topic: str
    partition: int
    offset: int
    type: str
    reason: str


@dataclass(frozen=True)
class ConsentHolds:
    """The cases whose consents open dead letters hold (``everywhere``: every case's)."""

    cases: frozenset[UUID] = frozenset()
    everywhere: bool = False

    def on(self, case_id: UUID) -> bool:
        """Whether the consents of ``case_id`` are held: it keeps nothing by consent now."""
        return self.everywhere or case_id in self.cases

    @staticmethod
    def of(holding: Iterable[UUID | None]) -> ConsentHolds:
        """The holds of open dead letters naming these cases (None: a dead letter naming none)."""
        named = list(holding)
        return ConsentHolds(frozenset(c for c in named if c is not None), any(c is None for c in named))


def header_type(record: ConsumedRecord) -> str | None:
    """The record's ``ce_type`` header as text (cut, without NUL), if it has one."""
    for name, value in record.headers:
        if name == "ce_type":
            return printable(bytes(value).decode("utf-8", "replace")[:TYPE_MAX])
    return None


def named_case(record: ConsumedRecord) -> UUID | None:
    """The case the record's key names (on intake's topic the key is the case id), if it is one."""
    if not record.key:
        return None
    try:
        return UUID(bytes(record.key).decode("ascii"))
    except ValueError:
        return None


@cache
def _rules_by_name() -> dict[tuple[Service, str], SharingRule]:
    rules: dict[tuple[Service, str], SharingRule] = {}
    for wire_type, model in EVENTS_BY_WIRE_TYPE.items():
        rule = rule_for(wire_type)
        match = WIRE_TYPE.match(wire_type)
        if rule is not None and rule.published and match:
            rules[(model.owner, match["name"])] = rule
    return rules


def never_held(parties: Sequence[str], wire_type: str, topic: str) -> bool:
    """Whether ``wire_type`` (any version) names a published event of the topic's owner that no
    party of ``parties`` may ever hold, on any basis. Unknown or foreign names: False (parked)."""
    match = WIRE_TYPE.match(wire_type)
    owner = topic_owner(topic)
    if match is None or owner is None or SERVICE_BY_SLUG.get(match["slug"]) is not owner:
        return False
    rule = _rules_by_name().get((owner, match["name"]))
    if rule is None:
        return False
    # A refinement (``SharingRule.refine``) changes basis and category, never the departments.
    return not rule.prior_holders and all(rule.basis_for(kind_of(party)) is None for party in parties)


def triage(record: ConsumedRecord, parties: Sequence[str]) -> Parked | Skipped:
    """What a service holding the view of ``parties`` does with a record it cannot apply."""
    wire_type = header_type(record)
    reason = printable(record.poison_reason or "unknown")
    invalid = record.poison_cause is PoisonCause.INVALID
    if invalid and wire_type is not None and never_held(parties, wire_type, record.topic):
        return Skipped(record.topic, record.partition, record.offset, wire_type, reason)
    # A record whose source is not intake is not one of intake's consent events, whatever it
    # claims: rejected, it changes nothing. One that cannot be decoded may be one.
    holds = invalid and topic_owner(record.topic) in (Service.INTAKE, None)
    return Parked(
        record.topic,
        record.partition,
        record.offset,
        wire_type,
        reason,
        record.poison_cause,
        named_case(record) if holds else None,
        holds,
    )
