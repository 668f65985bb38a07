"""Named fault-injection points for the crash tests on the real stack.

A process started with ``KIM_FAULTS=relay.after_ack`` kills itself with SIGKILL
the first time it reaches that point, exactly where a real crash would hurt most.
The settings refuse ``KIM_FAULTS`` in production.
"""

from __future__ import annotations

import os
import signal
from functools import cache


@cache
def _armed() -> frozenset[str]:
    return frozenset(p.strip() for p in os.environ.get("KIM_FAULTS", "").split(",") if p.strip())


def fault_point(name: str) -> None:
    """SIGKILL this process here if the fault ``name`` is armed."""
    if name in _armed():
        os.kill(os.getpid(), signal.SIGKILL)
