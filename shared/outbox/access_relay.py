"""The access-log relay: every entry of a service's access log, to its internal topic ``<prefix>.<service>.access``.

Only the audit principal may read that topic (``shared/bus/kafka.py``). Each entry is a
binary-mode CloudEvent of type ``de.nrw.kim.access.AccessLogged.v1``, keyed by the case
(or the addressed file; ``-`` for none), so that one case's entries keep their order.
Its id is derived from the service and the entry id: a batch published again after a
crash carries the same ids, and the reader drops what it has seen (at least once).

The relay reads entries in (transaction id, entry id) order, only of transactions older
than every transaction still running (``shared/persistence/access_log.py``), and saves
its cursor only after the broker acknowledged the whole batch: no entry is skipped.
It runs as a thread of the service's relay process, with the relay's Kafka principal.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, Protocol
from uuid import NAMESPACE_URL, uuid5

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from shared.access.log import LoggedAccess
from shared.bus.wire import WireMessage, source_of
from shared.outbox.relay import Producer, ProducerSlot, deliver
from shared.persistence.access_log import RelayCursor

log = logging.getLogger(__name__)

ACCESS_TYPE = "de.nrw.kim.access.AccessLogged.v1"
ACCESS_ID_NAMESPACE = uuid5(NAMESPACE_URL, "urn:de:nrw:kim:access")
CURSOR_NAME = "kafka-access"
JSON = JSONFormat()


class AccessSource(Protocol):
    """Where the relay reads final entries and keeps its cursor (``PostgresAccessLog``)."""

    def final_after(self, cursor: RelayCursor, limit: int) -> list[tuple[RelayCursor, LoggedAccess]]: ...

    def load_cursor(self, name: str) -> RelayCursor: ...

    def save_cursor(self, name: str, cursor: RelayCursor) -> None: ...


def encode_access(logged: LoggedAccess) -> WireMessage:
    """One access-log entry as a CloudEvent (pseudonyms and ids only, like the entry itself)."""
    e, a = logged.entry, logged.entry.accessor
    subject = e.case_id or e.subject_id
    attributes: dict[str, Any] = {
        "id": str(uuid5(ACCESS_ID_NAMESPACE, f"{e.service.value}:{logged.id}")),
        "source": source_of(e.service),
        "type": ACCESS_TYPE,
        "subject": str(subject) if subject else "-",
        "time": e.at.astimezone(UTC),
        "datacontenttype": "application/json",
        "sequence": str(logged.id),
    }
    data = {
        "id": logged.id,
        "service": e.service.value,
        "actor": a.actor,
        "roles": list(a.roles),
        "departments": list(a.departments),
        "client_id": a.client_id,
        "correlation_id": a.correlation_id,
        "operation": e.operation.value,
        "route": e.route,
        "subject_id": str(e.subject_id) if e.subject_id else None,
        "case_id": str(e.case_id) if e.case_id else None,
        "field_group": e.field_group,
        "purpose": e.purpose,
        "grant": e.grant,
        "basis": e.basis,
        "outcome": e.outcome.value,
    }
    message = ce_kafka.to_binary(CloudEvent(attributes, data), JSON, key_mapper=lambda ev: ev.get_subject())
    key = message.key.encode() if isinstance(message.key, str) else message.key
    return WireMessage(key=key or b"-", value=message.value, headers=list(message.headers.items()))


@dataclass
class AccessRelayStats:
    published: int = 0
    batches: int = 0
    failures: int = 0
    cursor: tuple[int, int] = (0, 0)
    last_batch_at: float = field(default_factory=time.time)


class AccessRelay:
    """Publishes one service's access log to its internal topic."""

    def __init__(
        self,
        source: AccessSource,
        topic: str,
        producer_factory: Callable[[], Producer],
        *,
        batch_size: int = 500,
        idle_s: float = 0.5,
        ack_timeout_s: float = 30.0,
    ) -> None:
        self.source, self.topic, self.producer_factory = source, topic, producer_factory
        self.batch_size, self.idle_s, self.ack_timeout_s = batch_size, idle_s, ack_timeout_s
        self.stats = AccessRelayStats()
        self.producer = ProducerSlot(producer_factory)

    def step(self) -> int:
        """Publish the next batch of final entries; return how many (0: nothing to do)."""
        cursor = self.source.load_cursor(CURSOR_NAME)
        batch = self.source.final_after(cursor, self.batch_size)
        if not batch:
            return 0
        deliver(self.producer.get(), self.topic, [encode_access(logged) for _, logged in batch], self.ack_timeout_s)
        last = batch[-1][0]
        self.source.save_cursor(CURSOR_NAME, last)  # only after the broker took all of them
        self.stats.published += len(batch)
        self.stats.batches += 1
        self.stats.cursor = (last.txid, last.id)
        self.stats.last_batch_at = time.time()
        return len(batch)

    def run(self, stop: threading.Event) -> None:
        """Relay until ``stop`` is set; outages of PostgreSQL or Kafka only delay it."""
        backoff = 0.2
        while not stop.is_set():
            try:
                if self.step() == 0:
                    stop.wait(self.idle_s)
                backoff = 0.2
            except Exception as exc:  # noqa: BLE001 - Kafka or the database may be down; the cursor is durable
                self._fail(exc, stop, backoff)
                backoff = min(backoff * 2, 5.0)
        self.producer.reset()

    def _fail(self, exc: BaseException, stop: threading.Event, backoff: float) -> None:
        self.stats.failures += 1
        log.warning("access relay %s: %s; retrying in %.1fs", self.topic, type(exc).__name__, backoff)
        self.producer.reset()
        stop.wait(backoff)
