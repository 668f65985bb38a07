"""Consents that change what the view holds.

An event the service may not hold yet is *withheld*: only a pointer (source,
sequence, Kafka position, category) is kept, never its content. When a consent
later covers it, the projector fetches the record from Kafka again and releases it
into the view; when a consent is revoked, expires or ends with the case's closure,
what was held only because of it goes back to being withheld. An entry held for
several parties (the foreign office's view: the Ausländerbehörde and the
Einbürgerungsbehörde) keeps, per party, what it is held by; it goes only when no
party holds it any more. While an open dead letter on intake's topic holds the case's
consents (:mod:`shared.projection.poison`), no consent covers anything of it; when the
hold ends, what the live consents cover is released like after a new consent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from uuid import UUID

from shared.bus.wire import Envelope
from shared.policy.consent import Consents, covering_consent
from shared.projection.case_summaries import resummarise
from shared.projection.entitlement import Keep, Withhold, category_of, decide, held_by_consent
from shared.projection.poison import ConsentHolds
from shared.projection.ports import ViewTransaction
from shared.projection.records import BatchOutcome, ConsumedRecord, TimelineEntry, Withheld, entry_for, pair_of


def holders_of(entries: Iterable[TimelineEntry], parties: Sequence[str]) -> set[str]:
    """The parties for which any of ``entries`` is held."""
    return {party for entry in entries for party in entry.parties(parties[0])}


def _settled(entry: TimelineEntry, parties: Sequence[str]) -> bool:
    """Held for every party on a basis no consent change can take away: nothing to decide again."""
    held = entry.held_for
    return set(held) == set(parties) and not any(held_by_consent(b) for b in held.values())


def reevaluate(
    tx: ViewTransaction,
    parties: Sequence[str],
    case_id: UUID,
    consents: Consents,
    today: date,
    outcome: BatchOutcome,
    *,
    on_hold: bool = False,
) -> None:
    """Decide the case's entries again under its consents: withhold what no party holds any
    more, record for which parties the rest is held; note what the consents now release
    (nothing while they are ``on_hold``)."""
    entries = tx.entries(case_id)
    holders = holders_of(entries, parties)
    demoted: list[Withheld] = []
    gone: list[TimelineEntry] = []
    rebased: list[TimelineEntry] = []
    for entry in entries:
        if _settled(entry, parties):
            continue
        decision = decide(parties, entry.envelope(case_id), consents, today, lambda: holders, on_hold=on_hold)
        if isinstance(decision, Keep):
            if dict(decision.held_for) != entry.held_for or decision.stored_basis != entry.basis:
                rebased.append(replace(entry, basis=decision.stored_basis, held_for=dict(decision.held_for)))
            continue
        gone.append(entry)
        if isinstance(decision, Withhold):
            demoted.append(
                Withheld(
                    entry.source.value,
                    entry.sequence,
                    case_id,
                    decision.stored_category,
                    entry.topic,
                    entry.partition,
                    entry.offset,
                )
            )
    if gone or rebased:
        tx.delete_entries([e.pair for e in gone + rebased])
        tx.insert_entries(case_id, rebased)
        tx.insert_withheld(demoted)
        outcome.removed += len(gone)
    releasable = [] if on_hold else _covered(tx.withheld(case_id), parties, consents, today)
    tx.mark_releasable([p.pair for p in releasable])
    outcome.releasable += releasable


def rehold(
    tx: ViewTransaction,
    parties: Sequence[str],
    before: ConsentHolds,
    after: ConsentHolds,
    today: date,
    outcome: BatchOutcome,
    decided: set[UUID] | None = None,
) -> set[UUID]:
    """Decide again the cases whose consents a hold began or ended for (except those
    ``decided`` again already under ``after``); return them.

    A case with no consent holds nothing by consent, so only cases with consents count."""
    if before == after:
        return set()
    changed = {
        case_id: consents
        for case_id, consents in tx.cases_with_consents().items()
        if before.on(case_id) != after.on(case_id) and case_id not in (decided or set())
    }
    # Lock their summaries first (in one ordered statement), so that a live projector
    # folding into one of them waits for this transaction instead of overwriting its result.
    tx.summaries(set(changed))
    for case_id, consents in changed.items():
        reevaluate(tx, parties, case_id, consents, today, outcome, on_hold=after.on(case_id))
        resummarise(tx, case_id)
    return set(changed)


def release(tx: ViewTransaction, parties: Sequence[str], records: Sequence[ConsumedRecord], today: date) -> int:
    """Bring withheld events, fetched again from Kafka, into the view if a consent now covers them."""
    released = 0
    consents = tx.consents({r.envelope.case_id for r in records if r.envelope})
    holds = tx.consent_holds()
    touched: set[UUID] = set()
    for record in records:
        env = record.envelope
        if env is None:
            continue

        def prior_holders(case_id: UUID = env.case_id) -> set[str]:
            return holders_of(tx.entries(case_id), parties)

        case_consents = consents.get(env.case_id, {})
        decision = decide(parties, env, case_consents, today, prior_holders, on_hold=holds.on(env.case_id))
        if not isinstance(decision, Keep):
            _keep_withheld(tx, env)
            continue
        tx.delete_withheld([pair_of(env)])
        tx.delete_entries([pair_of(env)])
        entry = entry_for(record, env, decision.stored_basis, decision.stored_category, decision.held_for)
        tx.insert_entries(env.case_id, [entry])
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


def sweep(tx: ViewTransaction, parties: Sequence[str], today: date) -> BatchOutcome:
    """Apply consents that started, ended (expiry, closure) or changed scope since the last sweep."""
    outcome = BatchOutcome()
    last = tx.meta("consent_sweep_on")
    since = date.fromisoformat(last) if last else date.min
    holds = tx.consent_holds()
    for case_id, consents in tx.cases_with_consents().items():
        if any(since < day <= today for s in consents.values() for day in s.boundaries()) or not last:
            reevaluate(tx, parties, case_id, consents, today, outcome, on_hold=holds.on(case_id))
            resummarise(tx, case_id)
    tx.set_meta("consent_sweep_on", today.isoformat())
    return outcome


def releasable(tx: ViewTransaction, parties: Sequence[str], today: date) -> list[Withheld]:
    """Withheld events that a live consent covers now (e.g. after a crash mid-release)."""
    result: list[Withheld] = []
    holds = tx.consent_holds()
    for case_id, consents in tx.cases_with_consents().items():
        if not holds.on(case_id):
            result += _covered(tx.withheld(case_id), parties, consents, today)
    return result


def _covered(pointers: list[Withheld], parties: Sequence[str], consents: Consents, today: date) -> list[Withheld]:
    return [
        p
        for p in pointers
        if any(covering_consent(consents, party, category_of(p.category), today) for party in parties)
    ]
