"""Facts as caseworkers record them: a setting of CaseFacts values becomes the commands that record it.

``plan(setting, on)`` turns a setting (CaseFacts field → value, as the engine-level
witnesses and personas write them) into the steps that record it through the
services' use cases: which service, which command of its table, which body. The same
plan runs in-process (tests/support/exchange.py) and over HTTP (tests/pipeline).

Every value is recorded by the department that owns the fact (docs/domain.md §3):
intake the household and marital status, the foreign office statuses, identity,
applications, duties and its own findings, Kobiz language, education, work and
livelihood. A value no command can record raises :class:`NoRecordingPath`, naming the
field and the value. Values that need nothing recorded are the foreign office's own
complete lists (``[]`` of statuses, convictions, deceptions, duties, obligations,
departures: its own file knows it recorded none) and a health exemption not claimed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.events.common import Norm
from shared.service import Service

DEFAULT_DAY = date(2000, 1, 1)
"""The day a fact is recorded as true from when the setting gives no day (``Flag(since=None)``)."""
DEFAULT_BIRTH = date(1990, 1, 1)
"""The date of birth of a person whose setting has none (the foreign office's file and intake need one)."""

INTAKE, FOREIGN_OFFICE, KOBIZ = Service.INTAKE, Service.FOREIGN_OFFICE, Service.KOBIZ
NORMS = frozenset(n.value for n in Norm)


class NoRecordingPath(AssertionError):
    """A fact value that no command of any service can record."""

    def __init__(self, fact: str, value: Any, why: str) -> None:
        super().__init__(f"no command records {fact} = {value!r}: {why}")
        self.fact, self.value = fact, value


@dataclass(frozen=True)
class Step:
    """One command: the service, its use case as the command table names it, and its JSON body."""

    service: Service
    name: str
    body: dict[str, Any]


@dataclass
class Plan:
    """What records a setting: the person's date of birth, and the commands, in order."""

    birth_date: date
    steps: list[Step] = field(default_factory=list)

    @property
    def shares_identity(self) -> bool:
        """Whether intake records identity facts (household, marital status) the foreign office needs."""
        return any(step.service is INTAKE for step in self.steps)


Encoder = Callable[[Any, "Context"], list[Step]]


@dataclass(frozen=True)
class Context:
    """What an encoder may look at besides its value: the whole setting and the day it is judged on."""

    setting: dict[str, Any]
    on: date


def iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def since(flag: Any) -> str:
    """The day a flag became true, or the default day."""
    return (flag.since or DEFAULT_DAY).isoformat()


def norm_of(fact: str, value: Any, norm: str | None) -> str:
    """A norm a command takes (the closed vocabulary ``Norm``), or NoRecordingPath."""
    if norm is None or norm not in NORMS:
        raise NoRecordingPath(fact, value, f"the norm {norm!r} is not one a command takes")
    return norm


def plan(setting: dict[str, Any], on: date) -> Plan:
    """The commands that record ``setting`` (judged on ``on``); NoRecordingPath if a value has none."""
    from tests.support.recording_fields import ENCODERS, JOINT

    result = Plan(setting.get("birth_date") or DEFAULT_BIRTH)
    context = Context(setting, on)
    done: set[str] = {"birth_date"}
    for fields, encoder in JOINT:
        present = [f for f in fields if f in setting and setting[f] is not None]
        if present:
            result.steps += encoder({f: setting.get(f) for f in fields}, context)
            done |= set(fields)
    for name, value in setting.items():
        if name in done or value is None:
            continue
        encoder = ENCODERS.get(name)
        if encoder is None:
            raise NoRecordingPath(name, value, "no command records this fact")
        result.steps += encoder(value, context)
    order = {INTAKE: 0, KOBIZ: 1, FOREIGN_OFFICE: 2}
    result.steps.sort(key=lambda step: order[step.service])
    return result
