"""Replaying dead letters: parked records an operator has made valid again.

A record the projector could not decode is parked in ``dead_letters`` and the
partition moves on. Once the cause is fixed (a decoder that knows a new event
version, a stored value corrected from the owner's event store), the operator
replays it: ``kim dead-letters replay <service> [--id N]``. The store decodes the
stored record again and, if it is valid now, applies it like a released record,
with the same policy and consent decision as a consumed one (see
:mod:`shared.projection.dead_letters`). What stays invalid stays parked,
with the reason, and can be replayed again later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date

from kafka import KafkaConsumer

from shared.projection.case_history_store import CaseHistoryStore
from shared.projection.consumer import fetch
from shared.projection.records import ReplayResult

log = logging.getLogger(__name__)


def replay_dead_letters(
    store: CaseHistoryStore,
    ids: Sequence[int] | None = None,
    *,
    fetcher_factory: Callable[[], KafkaConsumer] | None = None,
    today: date | None = None,
) -> list[ReplayResult]:
    """Replay the given dead letters (None: all not yet replayed); return one result each.

    If a replayed consent now covers withheld events, they are fetched from Kafka
    and released, as the projector would.
    """
    results, releasable = store.replay_dead_letters(ids, today)
    for result in results:
        log.info(
            "dead letter %d of %s: %s%s%s",
            result.id,
            store.service.value,
            result.outcome.value,
            f" ({result.event})" if result.event else "",
            f": {result.reason}" if not result.outcome.resolved else "",
        )
    if releasable and fetcher_factory is not None:
        fetcher = fetcher_factory()
        try:
            records = fetch(fetcher, releasable)
        finally:
            fetcher.close()
        released = store.release(records, today)
        log.info(
            "dead-letter replay of %s released %d of %d withheld events", store.service.value, released, len(releasable)
        )
    return results
