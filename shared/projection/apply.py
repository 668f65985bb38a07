"""Applying a batch of consumed Kafka records to the case-history view.

A batch is applied in one transaction together with the consumed offsets, so view
and position never disagree: that makes the projection exactly-once in effect. Each
event is recorded by (source, sequence), so a republished event (same pair, new
offset) changes nothing. The case's closure ends its consents (their term runs until
the case is closed), whether or not this service holds the closure notice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from shared.bus.wire import Envelope
from shared.policy.consent import Consents, apply_consent_event, changes_consents, is_consent_event
from shared.projection.case_summaries import fold_new_entries
from shared.projection.consent_changes import holders_of, reevaluate
from shared.projection.entitlement import Decision, Keep, NotHeld, Withhold, decide
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
    batch = _sort_new_events(tx, parties, records, today)
    for case_id, case_entries in batch.entries.items():
        tx.insert_entries(case_id, case_entries)
    tx.insert_withheld(batch.pointers)
    outcome = BatchOutcome()
    for case_id in batch.changed:
        tx.save_consents(case_id, batch.consents[case_id])
        reevaluate(tx, parties, case_id, batch.consents[case_id], today, outcome)
    fold_new_entries(tx, batch.entries, batch.changed)
    tx.park([r for r in records if r.envelope is None])
    tx.set_offsets(next_offsets(records))
    outcome.applied = sum(len(v) for v in batch.entries.values())
    outcome.withheld += len(batch.pointers)
    return outcome


@dataclass
class _SortedBatch:
    """The events a batch brings for the first time, by what this service does with them."""

    consents: dict[UUID, Consents]
    """The live consents of the batch's cases, as the batch's consent events change them."""
    entries: dict[UUID, list[TimelineEntry]] = field(default_factory=dict)
    pointers: list[Withheld] = field(default_factory=list)
    changed: set[UUID] = field(default_factory=set)
    """Cases whose consents the batch changed."""

    def add(self, record: ConsumedRecord, env: Envelope, decision: Decision) -> None:
        # A consent event counts where the service holds it (a party is named); the
        # closure of the case ends the case's consents whether or not it is held.
        counts = isinstance(decision, Keep) or not is_consent_event(env.event)
        if counts and changes_consents(env.event) and apply_consent_event(self.consents[env.case_id], env.event):
            self.changed.add(env.case_id)
        match decision:
            case Keep():
                entry = entry_for(record, env, decision.stored_basis, decision.stored_category, decision.held_for)
                self.entries.setdefault(env.case_id, []).append(entry)
            case Withhold():
                self.pointers.append(pointer_to(record, env, decision.stored_category))
            case NotHeld():
                pass


def _sort_new_events(
    tx: ViewTransaction, parties: Sequence[str], records: Sequence[ConsumedRecord], today: date
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

        batch.add(record, env, decide(parties, env, case_consents, today, prior_holders))
    return batch
