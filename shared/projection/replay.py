"""Replaying dead letters: records read again from Kafka once an operator made them valid.

A record the projector could not apply is parked in ``dead_letters`` as a pointer
(topic, partition, offset, type, reason, time) and the partition moves on. Once the
cause is fixed (a decoder that knows a new event version), the operator replays it:
``kim dead-letters replay <service> [--id N]``. The record is read again from Kafka and
decoded; if it is valid now, it is applied with the same policy and consent decision as
a consumed one (see :mod:`shared.projection.dead_letters`). What stays invalid stays
parked, with the reason, and can be replayed again later. An operator who knows the
record is not needed (the owner's event store shows what it was) resolves it instead:
``kim dead-letters resolve <service> --id N --reason "…"``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date

from kafka import KafkaConsumer

from shared.projection.case_history_store import CaseHistoryStore
from shared.projection.consumer import fetch
from shared.projection.records import ConsumedRecord, DeadLetter, ReplayResult, Withheld

log = logging.getLogger(__name__)


def replay_dead_letters(
    store: CaseHistoryStore,
    ids: Sequence[int] | None = None,
    *,
    fetcher_factory: Callable[[], KafkaConsumer],
    today: date | None = None,
) -> list[ReplayResult]:
    """Replay the given dead letters (None: all not yet settled); return one result each.

    If a replayed consent, or a consent hold that ends, now covers withheld events, they
    are fetched from Kafka and released, as the projector would.
    """

    def read_again(letters: Sequence[DeadLetter]) -> list[ConsumedRecord]:
        return _fetch(fetcher_factory, letters)

    results, releasable = store.replay_dead_letters(read_again, ids, today)
    _log(store, results)
    _release(store, fetcher_factory, releasable, today)
    return results


def resolve_dead_letters(
    store: CaseHistoryStore,
    ids: Sequence[int],
    reason: str,
    *,
    fetcher_factory: Callable[[], KafkaConsumer],
    today: date | None = None,
) -> list[ReplayResult]:
    """Settle dead letters without applying them (an operator's decision, with ``reason``);
    release what an ended consent hold lets the live consents cover again."""
    results, releasable = store.dismiss_dead_letters(ids, reason, today)
    _log(store, results)
    _release(store, fetcher_factory, releasable, today)
    return results


def _fetch(
    fetcher_factory: Callable[[], KafkaConsumer], positions: Sequence[DeadLetter | Withheld]
) -> list[ConsumedRecord]:
    if not positions:
        return []
    fetcher = fetcher_factory()
    try:
        return fetch(fetcher, positions)
    finally:
        fetcher.close()


def _log(store: CaseHistoryStore, results: Sequence[ReplayResult]) -> None:
    for result in results:
        log.info(
            "dead letter %d of %s: %s%s%s",
            result.id,
            store.service.value,
            result.outcome.value,
            f" ({result.event})" if result.event else "",
            f": {result.reason}" if not result.outcome.resolved else "",
        )


def _release(
    store: CaseHistoryStore,
    fetcher_factory: Callable[[], KafkaConsumer],
    releasable: Sequence[Withheld],
    today: date | None,
) -> None:
    if not releasable:
        return
    released = store.release(_fetch(fetcher_factory, releasable), today)
    log.info("dead letters of %s: released %d of %d withheld events", store.service.value, released, len(releasable))
