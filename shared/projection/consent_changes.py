"""Consents that change what the view holds.

An event the service may not hold yet is *withheld*: only a pointer (source,
sequence, Kafka position, category) is kept, never its content. When a consent
later covers it, the projector fetches the record from Kafka again and releases it
into the view; when a consent is revoked or expires, what was held only because of
it goes back to being withheld.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from shared.bus.wire import Envelope
from shared.events.common import Recipient
from shared.policy.consent import Consents, covering_consent
from shared.projection.case_summaries import resummarise
from shared.projection.entitlement import Keep, category_of, decide, held_by_consent
from shared.projection.ports import ViewTransaction
from shared.projection.records import BatchOutcome, ConsumedRecord, TimelineEntry, Withheld, entry_for, pair_of


def reevaluate(
    tx: ViewTransaction, recipient: Recipient, case_id: UUID, consents: Consents, today: date, outcome: BatchOutcome
) -> None:
    """Withhold what the case's consents no longer cover; note what they now release."""
    # Held only because of a consent that no longer covers it: back to withheld.
    demoted: list[TimelineEntry] = []
    for entry in tx.entries(case_id):
        if not held_by_consent(entry.basis):
            continue
        if covering_consent(consents, recipient, category_of(entry.category), today) is None:
            demoted.append(entry)
    if demoted:
        tx.delete_entries([e.pair for e in demoted])
        tx.insert_withheld(
            [Withheld(e.source.value, e.sequence, case_id, e.category, e.topic, e.partition, e.offset) for e in demoted]
        )
        outcome.removed += len(demoted)
    releasable = _covered(tx.withheld(case_id), recipient, consents, today)
    tx.mark_releasable([p.pair for p in releasable])
    outcome.releasable += releasable


def release(tx: ViewTransaction, recipient: Recipient, records: Sequence[ConsumedRecord], today: date) -> int:
    """Bring withheld events, fetched again from Kafka, into the view if a consent now covers them."""
    released = 0
    consents = tx.consents({r.envelope.case_id for r in records if r.envelope})
    touched: set[UUID] = set()
    for record in records:
        env = record.envelope
        if env is None:
            continue
        decision = decide(recipient, env, consents.get(env.case_id, {}), today)
        if not isinstance(decision, Keep):
            _keep_withheld(tx, env)
            continue
        tx.delete_withheld([pair_of(env)])
        tx.delete_entries([pair_of(env)])
        tx.insert_entries(env.case_id, [entry_for(record, env, decision.stored_basis, decision.stored_category)])
        touched.add(env.case_id)
        released += 1
    for case_id in touched:
        resummarise(tx, case_id)
    return released


def _keep_withheld(tx: ViewTransaction, env: Envelope) -> None:
    # No longer covered (the consent changed meanwhile): stays withheld.
    pair = pair_of(env)
    kept = [p for p in tx.withheld(env.case_id) if p.pair == pair]
    tx.delete_withheld([pair])
    tx.insert_withheld(kept)


def sweep(tx: ViewTransaction, recipient: Recipient, today: date) -> BatchOutcome:
    """Apply consents that started, ended or changed scope since the last sweep."""
    outcome = BatchOutcome()
    last = tx.meta("consent_sweep_on")
    since = date.fromisoformat(last) if last else date.min
    for case_id, consents in tx.cases_with_consents().items():
        if any(since < day <= today for s in consents.values() for day in s.boundaries()) or not last:
            reevaluate(tx, recipient, case_id, consents, today, outcome)
            resummarise(tx, case_id)
    tx.set_meta("consent_sweep_on", today.isoformat())
    return outcome


def releasable(tx: ViewTransaction, recipient: Recipient, today: date) -> list[Withheld]:
    """Withheld events that a live consent covers now (e.g. after a crash mid-release)."""
    result: list[Withheld] = []
    for case_id, consents in tx.cases_with_consents().items():
        result += _covered(tx.withheld(case_id), recipient, consents, today)
    return result


def _covered(pointers: list[Withheld], recipient: Recipient, consents: Consents, today: date) -> list[Withheld]:
    return [p for p in pointers if covering_consent(consents, recipient, category_of(p.category), today)]
