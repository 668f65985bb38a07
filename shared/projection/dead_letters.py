"""Replaying dead letters: parked records decoded again and, if valid now, applied.

An operator fixes the cause (a decoder that learnt a new event version, a corrected
stored value) and replays. Each record is replayed in its own transaction with the
same decision as a consumed one: the policy and the case's live consents say whether
this service keeps it. A record that is still invalid, or valid but not yet covered
by a consent, stays parked (with the reason) and can be replayed again; everything
else gets ``replayed_at``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from shared.bus.wire import Envelope, PoisonMessageError, decode
from shared.policy.consent import Consents, apply_consent_event, changes_consents
from shared.projection.case_summaries import resummarise
from shared.projection.consent_changes import holders_of, reevaluate
from shared.projection.entitlement import Keep, NotHeld, Withhold, decide
from shared.projection.ports import OpenTransaction, ViewTransaction
from shared.projection.records import (
    BatchOutcome,
    ParkedRecord,
    ReplayOutcome,
    ReplayResult,
    Withheld,
    entry_for,
    pair_of,
)


def replay_parked(
    transaction: OpenTransaction, parties: Sequence[str], ids: Sequence[int] | None, today: date
) -> tuple[list[ReplayResult], list[Withheld]]:
    """Replay the given dead letters (None: every one not yet replayed), each in its own
    transaction. Returns the results and the withheld events that a replayed consent
    now releases (the caller fetches those from Kafka, like the projector does)."""
    if ids is None:
        with transaction() as tx:
            ids = [p.id for p in tx.parked(None)]
    results: list[ReplayResult] = []
    releasable: list[Withheld] = []
    for dead_letter_id in ids:
        with transaction() as tx:
            result = _replay_one(tx, parties, dead_letter_id, today, releasable)
        results.append(result)
    return results, releasable


def _replay_one(
    tx: ViewTransaction, parties: Sequence[str], dead_letter_id: int, today: date, releasable: list[Withheld]
) -> ReplayResult:
    found = tx.parked([dead_letter_id])
    if not found:
        return ReplayResult(dead_letter_id, ReplayOutcome.NOT_FOUND)
    parked = found[0]
    if parked.replayed_at is not None:
        return ReplayResult(dead_letter_id, ReplayOutcome.ALREADY_REPLAYED, parked.reason)
    raw = parked.record
    try:
        env = decode(list(raw.headers), raw.key, raw.value)
    except PoisonMessageError as exc:
        tx.resolve_parked(dead_letter_id, replayed=False, reason=str(exc))
        return ReplayResult(dead_letter_id, ReplayOutcome.STILL_INVALID, str(exc))
    tx.savepoint()
    result = _replay_decoded(tx, parties, parked, env, today, releasable)
    if result.outcome is ReplayOutcome.WAITING_FOR_CONSENT:
        # Undo whatever the attempt wrote; only the new reason is kept.
        tx.rollback_to_savepoint()
        tx.resolve_parked(dead_letter_id, replayed=False, reason=result.reason)
    return result


def _replay_decoded(
    tx: ViewTransaction,
    parties: Sequence[str],
    parked: ParkedRecord,
    env: Envelope,
    today: date,
    releasable: list[Withheld],
) -> ReplayResult:
    """Apply a parked record that decodes now; settle it, unless it waits for a consent."""
    event = f"{env.source.value}:{env.sequence}"
    # Lock the case's summary first, so that a live projector folding into it
    # waits for this transaction instead of overwriting its result.
    tx.summaries({env.case_id})
    if not tx.mark_processed([pair_of(env)]):
        return _settled(tx, parked, ReplayOutcome.ALREADY_PROCESSED, event)
    consents = tx.consents({env.case_id}).get(env.case_id, {})
    decision = decide(parties, env, consents, today, lambda: holders_of(tx.entries(env.case_id), parties))
    match decision:
        case NotHeld():
            return _settled(tx, parked, ReplayOutcome.NOT_HELD, event)
        case Withhold():
            # A withheld pointer would send a later release to the Kafka record,
            # which is the broken one; so it stays parked until a consent covers it.
            reason = (
                f"valid, but no live consent covers it yet ({decision.stored_category}); replay again when one does"
            )
            return ReplayResult(parked.id, ReplayOutcome.WAITING_FOR_CONSENT, reason, event)
        case Keep():
            releasable += _hold(tx, parties, parked, env, decision, consents, today)
            return _settled(tx, parked, ReplayOutcome.APPLIED, event)


def _hold(
    tx: ViewTransaction,
    parties: Sequence[str],
    parked: ParkedRecord,
    env: Envelope,
    keep: Keep,
    consents: Consents,
    today: date,
) -> list[Withheld]:
    """Put the event into the view; return the withheld events a consent it grants now releases."""
    record = replace(parked.record, envelope=env)
    tx.insert_entries(env.case_id, [entry_for(record, env, keep.stored_basis, keep.stored_category, keep.held_for)])
    outcome = BatchOutcome()
    if changes_consents(env.event) and apply_consent_event(consents, env.event):
        tx.save_consents(env.case_id, consents)
        reevaluate(tx, parties, env.case_id, consents, today, outcome)
    resummarise(tx, env.case_id)
    return outcome.releasable


def _settled(tx: ViewTransaction, parked: ParkedRecord, outcome: ReplayOutcome, event: str) -> ReplayResult:
    tx.resolve_parked(parked.id, replayed=True, reason=parked.reason)
    return ReplayResult(parked.id, outcome, parked.reason, event)
