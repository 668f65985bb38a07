"""Rebuilding a projection from Kafka into fresh tables, then swapping them in.

The live projector keeps serving (and consuming) while the rebuild reads every
readable topic from the beginning into ``rebuild_*`` tables. When the rebuild
has reached the end offsets it saw at its start, the new tables replace the old
ones in one transaction. The live projector then finds its stored offsets moved
(offset fencing), re-seeks to the rebuilt ones and carries on: nothing is lost
or applied twice, and readers never see an empty view.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kafka import KafkaConsumer, TopicPartition

from shared.projection.consumer import classify, fetch
from shared.projection.pg_store import PostgresCaseHistoryStore
from shared.service import Service

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def rebuild(
    service: Service,
    live: PostgresCaseHistoryStore,
    consumer: KafkaConsumer,
    topics: list[str],
    *,
    batch_size: int = 1000,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Rebuild ``live`` from the beginning of ``topics``; return row counts of the new view."""
    scratch = PostgresCaseHistoryStore(live.pool, live.schema, prefix="rebuild_", service=service)
    scratch.drop()
    scratch.setup()
    partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or [])]
    _read_to_end(scratch, consumer, partitions, batch_size, progress)
    # The same poison is parked again: what operators settled stays settled (its consent hold ends).
    scratch.adopt_resolutions(live)
    # Events that arrived before the consent covering them (other topics are read at
    # their own pace, a consent hold ended) are released now, as the live projector would.
    scratch.sweep()
    pending = scratch.releasable()
    if pending:
        consumer.resume(*partitions)
        scratch.release(fetch(consumer, pending))
    counts = scratch.counts()
    scratch.swap_in(live)
    log.info("rebuilt %s projection: %s", service.value, counts)
    return counts


def _read_to_end(
    scratch: PostgresCaseHistoryStore,
    consumer: KafkaConsumer,
    partitions: list[TopicPartition],
    batch_size: int,
    progress: Progress | None,
) -> None:
    """Apply every record up to the end offsets seen at the start; pause each partition there."""
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    begin = consumer.beginning_offsets(partitions)
    end = consumer.end_offsets(partitions)
    total = sum(end[tp] - begin[tp] for tp in partitions)
    done = 0
    expected: dict[tuple[str, int], int | None] = {}
    remaining = {tp for tp in partitions if end[tp] > begin[tp]}
    if progress:
        progress(done, total)
    while remaining:
        polled = consumer.poll(timeout_ms=500, max_records=batch_size)
        records = [classify(r) for tp, batch in polled.items() for r in batch if r.offset < end[tp]]
        if records:
            scratch.apply_batch(records, expected)
            for r in records:
                expected[r.tp] = r.offset + 1
            done += len(records)
            if progress:
                progress(done, total)
        for tp in list(remaining):
            if consumer.position(tp) >= end[tp]:
                remaining.discard(tp)
                consumer.pause(tp)
