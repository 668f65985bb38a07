"""The outbox relay: the application's notification log is the outbox.

The relay tails its application's notification log (a catch-up read, then live
through the library's LISTEN/NOTIFY subscription), translates each stored domain
event into its thin integration event, publishes it to Kafka as a CloudEvent and
advances its own position only after the broker acknowledged the whole batch.

Why this never skips and never stalls: eventsourcing's PostgreSQL recorder takes
an EXCLUSIVE lock on the events table for each inserting transaction, so
notification ids become visible in id order (docs/pipeline.md §1.3, §3). An id that
is missing once a higher id is visible belongs to a rolled-back transaction and
can never appear, so the relay steps over it instead of waiting. Do not enable
``POSTGRES_ENABLE_DB_FUNCTIONS``: its insert path takes no lock and readers skip
committed events (docs/pipeline.md §1.4).

Delivery is at least once: a crash after the broker's acknowledgement but before
the position is saved republishes the batch with the same CloudEvents ids, and
the projections ignore what they have already seen.

Only what belongs to a KIM case leaves the service. Intake's aggregates are the
cases; a department's file belongs to one from the event that links it (see
``shared/application/department.py``). Events of a file before its link are not
published when they are recorded; when the link event comes, the relay publishes
them (with their own ids and notification ids, in version order) and then the link.
So a file's history reaches the other services exactly once it is theirs to see.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Notification
from kafka.errors import KafkaError

from shared.application.base import Link
from shared.bus.wire import WireMessage, encode
from shared.operations.faults import fault_point
from shared.policy.sharing import rule_for

log = logging.getLogger(__name__)


class PositionStore(Protocol):
    """Where the relay keeps the last notification id it has published."""

    def load(self) -> int: ...

    def save(self, notification_id: int) -> None: ...


class Producer(Protocol):
    def send(self, topic: str, *, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> Any: ...

    def flush(self, timeout: float | None = None) -> None: ...

    def close(self, timeout: float | None = None) -> None: ...


class DeliveryError(Exception):
    """The broker did not acknowledge every message of a batch."""


def deliver(producer: Producer, topic: str, messages: Sequence[WireMessage], ack_timeout_s: float) -> None:
    """Send ``messages``, wait for every acknowledgement; :class:`DeliveryError` if any is missing or failed."""
    futures = [producer.send(topic, key=m.key, value=m.value, headers=m.headers) for m in messages]
    producer.flush(timeout=ack_timeout_s)
    for future in futures:
        if not future.is_done:
            raise DeliveryError("acknowledgement timed out")
        if future.failed():
            raise DeliveryError(type(future.exception).__name__)


class ProducerSlot:
    """One producer, made on first use and thrown away after an error.

    After an indefinite error a fresh producer (a new idempotence session) is safer than
    reusing one in an unknown state (docs/pipeline.md §5, Jepsen).
    """

    def __init__(self, factory: Callable[[], Producer]) -> None:
        self.factory = factory
        self._producer: Producer | None = None

    def get(self) -> Producer:
        if self._producer is None:
            self._producer = self.factory()
        return self._producer

    def reset(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=0)
            except Exception:  # noqa: BLE001 - closing a broken client
                log.debug("producer close failed", exc_info=True)
            self._producer = None


@dataclass
class RelayStats:
    """Counters an operator (and a test) can read."""

    position: int = 0
    published: int = 0
    skipped_internal: int = 0
    batches: int = 0
    failures: int = 0
    last_batch_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Outgoing:
    """A notification and the messages that publish it (none for internal or unlinked events)."""

    notification_id: int
    messages: tuple[WireMessage, ...] = ()


class Links:
    """Which KIM case each aggregate belongs to, from which version: learnt from the stream.

    Notifications come in commit order, so a file's link event is seen before any
    later event of that file; only for a file first seen after a restart is its
    link read from the store, once.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self._known: dict[UUID, Link | None] = {}

    def case_of(self, aggregate_id: UUID, version: int) -> UUID | None:
        """The KIM case an aggregate's event of ``version`` belongs to, or None."""
        if aggregate_id not in self._known:
            self._known[aggregate_id] = self.app.link_of(aggregate_id)
        link = self._known[aggregate_id]
        return link.case_id if link is not None and version >= link.from_version else None

    def learn(self, aggregate_id: UUID, case_id: UUID, version: int) -> None:
        self._known[aggregate_id] = Link(case_id, version)


class Relay:
    """Publishes one application's shareable events to its Kafka topic."""

    def __init__(
        self,
        app: Any,
        topic: str,
        positions: PositionStore,
        producer_factory: Callable[[], Producer],
        *,
        batch_size: int = 500,
        linger_s: float = 0.005,
        ack_timeout_s: float = 30.0,
    ) -> None:
        self.app = app
        self.topic = topic
        self.positions = positions
        self.producer_factory = producer_factory
        self.batch_size = batch_size
        self.linger_s = linger_s
        self.ack_timeout_s = ack_timeout_s
        self.stats = RelayStats()
        self.links = Links(app)
        self.producer = ProducerSlot(producer_factory)

    def to_outgoing(self, notification: Notification) -> Outgoing:
        """The messages a stored event publishes: none if internal or not (yet) part of a KIM case."""
        aggregate_id = UUID(str(notification.originator_id))
        domain_event = self.app.mapper.to_domain_event(notification)
        linked_to = self.app.linked_by(domain_event)
        if linked_to is not None:
            # The file joins a KIM case: its history before the link goes first.
            self.links.learn(aggregate_id, linked_to, notification.originator_version)
            earlier = self.app.recorder.select_notifications_of(aggregate_id, notification.originator_version)
            messages = [m for n in earlier if (m := self._message(n, linked_to)) is not None]
            own = self._message(notification, linked_to, domain_event)
            return Outgoing(notification.id, (*messages, *([own] if own else [])))
        case_id = self.links.case_of(aggregate_id, notification.originator_version)
        message = self._message(notification, case_id, domain_event) if case_id is not None else None
        return Outgoing(notification.id, (message,) if message else ())

    def _message(self, notification: Notification, case_id: UUID, domain_event: Any = None) -> WireMessage | None:
        domain_event = domain_event or self.app.mapper.to_domain_event(notification)
        integration = self.app.translate(domain_event, case_id)
        if integration is None:
            return None
        rule = rule_for(type(integration))
        if rule is None or not rule.published:
            return None
        return encode(
            integration,
            aggregate_id=UUID(str(notification.originator_id)),
            aggregate_version=notification.originator_version,
            recorded_at=domain_event.timestamp,
            notification_id=notification.id,
        )

    def publish(self, batch: list[Outgoing]) -> None:
        """Send a batch, wait for every acknowledgement, then save the position."""
        messages = [m for o in batch for m in o.messages]
        if messages:
            deliver(self.producer.get(), self.topic, messages, self.ack_timeout_s)
        fault_point("relay.after_ack")
        # Only now, after the broker acknowledged, may the position move on.
        self.positions.save(batch[-1].notification_id)
        self.stats.position = batch[-1].notification_id
        self.stats.published += len(messages)
        self.stats.skipped_internal += sum(1 for o in batch if not o.messages)
        self.stats.batches += 1
        self.stats.last_batch_at = time.time()

    def publish_with_retry(self, batch: list[Outgoing], stop: threading.Event) -> bool:
        """Retry a batch until the broker takes it; re-create the producer after errors."""
        backoff = 0.2
        while not stop.is_set():
            try:
                self.publish(batch)
                return True
            except (DeliveryError, KafkaError) as exc:
                self.stats.failures += 1
                log.warning("relay %s: delivery failed (%s); retrying in %.1fs", self.topic, exc, backoff)
                self.producer.reset()
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        return False

    def run(self, stop: threading.Event) -> None:
        """Relay until ``stop`` is set; survive outages of PostgreSQL and Kafka."""
        backoff = 0.2
        while not stop.is_set():
            try:
                self._run_subscription(stop)
                backoff = 0.2
            except Exception as exc:  # noqa: BLE001 - keep running; the position is durable
                self.stats.failures += 1
                log.warning("relay %s: %s; restarting in %.1fs", self.topic, type(exc).__name__, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        self.producer.reset()

    def _run_subscription(self, stop: threading.Event) -> None:
        position = self.positions.load()
        self.stats.position = position
        inbox: queue.Queue[Notification | BaseException] = queue.Queue(maxsize=self.batch_size * 4)
        with self.app.recorder.subscribe(gt=position) as subscription:
            reader = threading.Thread(target=_pump, args=(subscription, inbox), daemon=True, name="relay-reader")
            reader.start()
            try:
                for batch in self._batches(inbox, stop):
                    if not self.publish_with_retry(batch, stop):
                        return
            finally:
                subscription.stop()

    def _batches(
        self, inbox: queue.Queue[Notification | BaseException], stop: threading.Event
    ) -> Iterator[list[Outgoing]]:
        while not stop.is_set():
            try:
                first = inbox.get(timeout=0.2)
            except queue.Empty:
                continue
            items = [first]
            deadline = time.monotonic() + self.linger_s
            while len(items) < self.batch_size:
                remaining = deadline - time.monotonic()
                try:
                    items.append(inbox.get(timeout=remaining) if remaining > 0 else inbox.get_nowait())
                except queue.Empty:
                    break
            batch: list[Outgoing] = []
            for item in items:
                if isinstance(item, BaseException):
                    if batch:
                        yield batch
                    raise item
                batch.append(self.to_outgoing(item))
            yield batch


def _pump(subscription: Iterator[Notification], inbox: queue.Queue[Notification | BaseException]) -> None:
    try:
        for notification in subscription:
            inbox.put(notification)
    except BaseException as exc:  # noqa: BLE001 - handed to the relay loop, which restarts
        inbox.put(exc)
