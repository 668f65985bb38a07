"""Applying a batch of consumed Kafka records to the case-history view.

A batch is applied in one transaction together with the consumed offsets, so view
and position never disagree: that makes the projection exactly-once in effect. Each
event is recorded by (source, sequence), so a republished event (same pair, new
offset) changes nothing. The case's closure ends its consents (their term runs until
the case is closed), whether or not this service holds the closure notice. A record
that is not a valid event is parked as a pointer or skipped
(:mod:`shared.projection.poison`); one on intake's topic holds its case's consents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from shared.bus.wire import Envelope
from shared.policy.consent import Consents, apply_consent_event, changes_consents, is_consent_event
from shared.projection.case_summaries import fold_new_entries
from shared.projection.consent_changes import holders_of, reevaluate, rehold
from shared.projection.entitlement import Decision, Keep, NotHeld, Withhold, decide
from shared.projection.poison import ConsentHolds, Parked, triage
from shared.projection.ports import ViewTransaction
from shared.projection.records import (
    BatchOutcome,
    ConsumedRecord,
    TimelineEntry,
    TopicPartition,
    Withheld,
    entry_for,
    next_offsets,
    pair_of,
    pointer_to,
)


def apply_records(
    tx: ViewTransaction,
    parties: Sequence[str],
    records: Sequence[ConsumedRecord],
    expected: Mapping[TopicPartition, int | None],
    today: date,
) -> BatchOutcome:
    """Apply records and offsets in ``tx``. Raise OffsetFencingError, before writing
    anything, if any partition's stored offset is not what the caller expects."""
    tx.fence(expected, {r.tp for r in records})
    before = tx.consent_holds()
    skipped, holds = put_aside(tx, parties, [r for r in records if r.envelope is None], before)
    outcome, batch = apply_decoded(tx, parties, records, today, holds)
    outcome.skipped = skipped
    rehold(tx, parties, before, holds, today, outcome, batch.changed)
    tx.set_offsets(next_offsets(records))
    return outcome


def put_aside(
    tx: ViewTransaction, parties: Sequence[str], poison: Sequence[ConsumedRecord], holds: ConsentHolds
) -> tuple[set[tuple[str, int, int]], ConsentHolds]:
    """Park or skip records that are not valid events; return the positions skipped and the
    consent holds from then on."""
    decided = [triage(r, parties) for r in poison]
    parked = [d for d in decided if isinstance(d, Parked)]
    skipped = [d for d in decided if not isinstance(d, Parked)]
    tx.park(parked)
    tx.skip(skipped)
    holding = tx.consent_holds() if any(p.consent_hold for p in parked) else holds
    return {(s.topic, s.partition, s.offset) for s in skipped}, holding


def apply_decoded(
    tx: ViewTransaction,
    parties: Sequence[str],
    records: Sequence[ConsumedRecord],
    today: date,
    holds: ConsentHolds,
) -> tuple[BatchOutcome, _SortedBatch]:
    """Apply the valid events among ``records`` (seen before: nothing) under ``holds``."""
    batch = _sort_new_events(tx, parties, records, today, holds)
    for case_id, case_entries in batch.entries.items():
        tx.insert_entries(case_id, case_entries)
    tx.insert_withheld(batch.pointers)
    outcome = BatchOutcome()
    for case_id in batch.changed:
        tx.save_consents(case_id, batch.consents[case_id])
        reevaluate(tx, parties, case_id, batch.consents[case_id], today, outcome, on_hold=holds.on(case_id))
    fold_new_entries(tx, batch.entries, batch.changed)
    outcome.applied = sum(len(v) for v in batch.entries.values())
    outcome.withheld += len(batch.pointers)
    return outcome, batch


@dataclass
class _SortedBatch:
    """The events a batch brings for the first time, by what this service does with them."""

    consents: dict[UUID, Consents]
    """The live consents of the batch's cases, as the batch's consent events change them."""
    entries: dict[UUID, list[TimelineEntry]] = field(default_factory=dict)
    pointers: list[Withheld] = field(default_factory=list)
    changed: set[UUID] = field(default_factory=set)
    """Cases whose consents the batch changed."""
    new: int = 0
    """How many of the batch's events were new (not seen before)."""

    def add(self, record: ConsumedRecord, env: Envelope, decision: Decision) -> None:
        # A consent event counts where the service holds it (a party is named); the
        # closure of the case ends the case's consents whether or not it is held.
        counts = isinstance(decision, Keep) or not is_consent_event(env.event)
        if counts and changes_consents(env.event) and apply_consent_event(self.consents[env.case_id], env.event):
            self.changed.add(env.case_id)
        self.new += 1
        match decision:
            case Keep():
                entry = entry_for(record, env, decision.stored_basis, decision.stored_category, decision.held_for)
                self.entries.setdefault(env.case_id, []).append(entry)
            case Withhold():
                self.pointers.append(pointer_to(record, env, decision.stored_category))
            case NotHeld():
                pass


def _sort_new_events(
    tx: ViewTransaction, parties: Sequence[str], records: Sequence[ConsumedRecord], today: date, holds: ConsentHolds
) -> _SortedBatch:
    new = tx.mark_processed(sorted({pair_of(r.envelope) for r in records if r.envelope}))
    batch = _SortedBatch(tx.consents({r.envelope.case_id for r in records if r.envelope}))
    for record in records:
        env = record.envelope
        # Seen before (in an earlier batch, or earlier in this one): it changes nothing.
        if env is None or pair_of(env) not in new:
            continue
        new.discard(pair_of(env))
        case_consents = batch.consents.setdefault(env.case_id, {})

        def prior_holders(case_id: UUID = env.case_id) -> set[str]:
            return holders_of([*tx.entries(case_id), *batch.entries.get(case_id, [])], parties)

        on_hold = holds.on(env.case_id)
        batch.add(record, env, decide(parties, env, case_consents, today, prior_holders, on_hold=on_hold))
    return batch
