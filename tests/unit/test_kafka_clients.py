"""The work-around in shared.bus.kafka for kafka-python losing an interrupted rebalance."""

from __future__ import annotations

import inspect

from kafka.coordinator.base import BaseCoordinator
from kafka.coordinator.consumer import ConsumerCoordinator

from shared.bus.kafka import finish_started_rebalances


class FakeCoordinator:
    def __init__(self) -> None:
        self.rejoining = False
        self.library_says = False

    def need_rejoin(self) -> bool:
        return self.library_says


class FakeConsumer:
    def __init__(self) -> None:
        self._coordinator = FakeCoordinator()


def test_a_started_rebalance_is_finished_even_when_the_library_no_longer_asks_for_it() -> None:
    consumer = FakeConsumer()
    finish_started_rebalances(consumer)
    coordinator = consumer._coordinator
    assert coordinator.need_rejoin() is False
    # The leader's join is in flight (prepared, not completed) but its snapshots already
    # agree, so the library would answer False and drop the join's result.
    coordinator.rejoining = True
    assert coordinator.need_rejoin() is True
    coordinator.rejoining = False
    coordinator.library_says = True
    assert coordinator.need_rejoin() is True


def test_the_library_still_has_the_shape_the_work_around_relies_on() -> None:
    # If an upgrade changes these, re-check whether the bug (and the work-around) still apply.
    join = inspect.getsource(BaseCoordinator.join_group_async)
    assert "while self.need_rejoin():" in join
    assert "self.rejoining = True" in join and "self.rejoining = False" in join
    assert "self.need_rejoin()" in inspect.getsource(ConsumerCoordinator.poll)
    assert "self._assignment_snapshot = self._metadata_snapshot" in inspect.getsource(
        ConsumerCoordinator._perform_assignment
    )
