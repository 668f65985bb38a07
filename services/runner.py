"""Entry points of the three process kinds: ``api``, ``relay`` and ``projector``.

Each runs alone, so it can be scaled and killed separately. SIGTERM and SIGINT
stop a process cleanly; SIGKILL at any moment loses nothing, because positions
are only ever saved after the work they stand for is durable.
"""

from __future__ import annotations

import logging
import signal
import threading
from enum import StrEnum
from typing import Any

import psycopg
from eventsourcing.persistence import PersistenceError
from psycopg_pool import PoolTimeout
from tenacity import before_sleep_log, retry, retry_if_exception_type, stop_after_delay, wait_exponential

from services.bootstrap import (
    Container,
    build_access_relay,
    build_container,
    build_projector,
    build_relay,
    heartbeat,
)
from shared.service import Service
from shared.settings import get_settings

log = logging.getLogger("kim")


class ProcessKind(StrEnum):
    API = "api"
    RELAY = "relay"
    PROJECTOR = "projector"


def configure_logging() -> None:
    """Plain, structured-enough logs; never payloads, names or free text."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for noisy in ("kafka", "eventsourcing", "psycopg.pool"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(signum: int, _frame: Any) -> None:
        log.info("received signal %d, stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


@retry(
    retry=retry_if_exception_type((psycopg.OperationalError, PoolTimeout, PersistenceError, OSError)),
    wait=wait_exponential(multiplier=0.2, max=5),
    stop=stop_after_delay(300),
    before_sleep=before_sleep_log(log, logging.WARNING),
    reraise=True,
)
def connect(service: Service) -> Container:
    """Build the container, waiting for the database to accept connections."""
    return build_container(service)


def run(service: Service, kind: ProcessKind) -> None:
    """Run one process of one service in the foreground."""
    configure_logging()
    get_settings(service)  # validate first: a bad configuration is not worth retrying
    if kind is ProcessKind.API:
        import uvicorn

        from services.bootstrap import create_app

        settings = get_settings(service)
        app = create_app(service, lambda: connect(service))
        uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level="warning", access_log=False)
        return
    stop = stop_on_signals()
    container = connect(service)
    try:
        worker = build_relay(container) if kind is ProcessKind.RELAY else build_projector(container)
        if kind is ProcessKind.RELAY:  # the access log travels beside the events, to its own topic
            access = build_access_relay(container)
            threading.Thread(target=access.run, args=(stop,), daemon=True, name="access-relay").start()
        beat = threading.Thread(
            target=heartbeat, args=(container, kind.value, lambda: dict(worker.stats.__dict__), stop), daemon=True
        )
        beat.start()
        log.info("%s %s started", service.value, kind.value)
        worker.run(stop)
    finally:
        container.close()
        log.info("%s %s stopped", service.value, kind.value)
