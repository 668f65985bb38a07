"""Settling dead letters: replayed from Kafka, or resolved by an operator.

A dead letter is a pointer (:mod:`shared.projection.poison`); replay reads the record
again from Kafka at that position and decodes it with today's decoder. An operator
fixes the cause (a decoder that learnt a new event version) and replays. Each dead
letter is replayed in its own transaction, with the same decision as a consumed
record: the policy, the case's live consents and the open consent holds say whether
this service keeps it, keeps a withheld pointer, or holds nothing of it. A record that
is still invalid (or that Kafka does not hand out) stays parked with the reason and can
be replayed again; everything else is settled (``replayed_at``).

An operator may also *resolve* a dead letter without applying it, e.g. once the owner's
event store shows what the record was: it is settled as ``dismissed``.

Settling a dead letter that held its case's consents ends the hold: what the live
consents cover is then released, read again from Kafka like any withheld event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from shared.projection.apply import apply_decoded
from shared.projection.consent_changes import rehold
from shared.projection.ports import OpenTransaction, ViewTransaction
from shared.projection.records import (
    BatchOutcome,
    ConsumedRecord,
    DeadLetter,
    ReplayOutcome,
    ReplayResult,
    Withheld,
)

Fetch = Callable[[Sequence[DeadLetter]], list[ConsumedRecord]]
"""Reads the records behind dead letters again from Kafka (those it finds), classified."""


def replay_parked(
    transaction: OpenTransaction, parties: Sequence[str], ids: Sequence[int] | None, fetch: Fetch, today: date
) -> tuple[list[ReplayResult], list[Withheld]]:
    """Replay the given dead letters (None: every one not yet settled), each in its own
    transaction. Returns the results and the withheld events that a replayed consent or an
    ended hold now releases (the caller fetches those from Kafka, like the projector does)."""
    with transaction() as tx:
        letters = tx.parked(ids)
    if ids is None:
        ids = [d.id for d in letters]
    found = {(r.topic, r.partition, r.offset): r for r in fetch([d for d in letters if d.replayed_at is None])}
    results: list[ReplayResult] = []
    outcome = BatchOutcome()
    for dead_letter_id in ids:
        with transaction() as tx:
            results.append(_replay_one(tx, parties, dead_letter_id, found, today, outcome))
    return results, outcome.releasable


def dismiss_parked(
    transaction: OpenTransaction, parties: Sequence[str], ids: Sequence[int], reason: str, today: date
) -> tuple[list[ReplayResult], list[Withheld]]:
    """Settle dead letters without applying them (an operator's decision, with ``reason``)."""
    results: list[ReplayResult] = []
    outcome = BatchOutcome()
    for dead_letter_id in ids:
        with transaction() as tx:
            letter = _open(tx, dead_letter_id)
            if isinstance(letter, ReplayResult):
                results.append(letter)
                continue
            before = tx.consent_holds()
            noted = f"resolved by an operator: {reason} (parked as: {letter.reason})"[:1000]
            tx.resolve_parked(letter.id, replayed=True, reason=noted, resolution=ReplayOutcome.DISMISSED.value)
            rehold(tx, parties, before, tx.consent_holds(), today, outcome)
            results.append(ReplayResult(letter.id, ReplayOutcome.DISMISSED, noted))
    return results, outcome.releasable


def _open(tx: ViewTransaction, dead_letter_id: int) -> DeadLetter | ReplayResult:
    """The dead letter, locked, if it is still open; else what replaying it would answer."""
    found = tx.parked([dead_letter_id])
    if not found:
        return ReplayResult(dead_letter_id, ReplayOutcome.NOT_FOUND)
    if found[0].replayed_at is not None:
        return ReplayResult(dead_letter_id, ReplayOutcome.ALREADY_REPLAYED, found[0].reason)
    return found[0]


def _replay_one(
    tx: ViewTransaction,
    parties: Sequence[str],
    dead_letter_id: int,
    found: dict[tuple[str, int, int], ConsumedRecord],
    today: date,
    outcome: BatchOutcome,
) -> ReplayResult:
    letter = _open(tx, dead_letter_id)
    if isinstance(letter, ReplayResult):
        return letter
    record = found.get((letter.topic, letter.partition, letter.offset))
    if record is None:
        reason = f"not read again from Kafka (replay later); parked as: {letter.reason}"[:500]
        return ReplayResult(letter.id, ReplayOutcome.UNAVAILABLE, reason)
    env = record.envelope
    if env is None:
        reason = record.poison_reason or letter.reason
        tx.resolve_parked(letter.id, replayed=False, reason=reason)
        return ReplayResult(letter.id, ReplayOutcome.STILL_INVALID, reason)
    event = f"{env.source.value}:{env.sequence}"
    # Lock the case's summary first, so that a live projector folding into it
    # waits for this transaction instead of overwriting its result.
    tx.summaries({env.case_id})
    before = tx.consent_holds()
    # Decoded, it is what it is: settled first, so that its own hold does not count.
    tx.resolve_parked(letter.id, replayed=True, reason=letter.reason, resolution=ReplayOutcome.APPLIED.value)
    holds = tx.consent_holds()
    applied, batch = apply_decoded(tx, parties, [record], today, holds)
    rehold(tx, parties, before, holds, today, applied, batch.changed)
    outcome.releasable += applied.releasable
    result = _outcome_of(applied, batch.new)
    tx.resolve_parked(letter.id, replayed=True, reason=letter.reason, resolution=result.value)
    return ReplayResult(letter.id, result, letter.reason, event)


def _outcome_of(applied: BatchOutcome, new: int) -> ReplayOutcome:
    if not new:
        return ReplayOutcome.ALREADY_PROCESSED
    if applied.applied:
        return ReplayOutcome.APPLIED
    return ReplayOutcome.WITHHELD if applied.withheld else ReplayOutcome.NOT_HELD
