"""Schemathesis against the running services over HTTP (tests/pipeline/test_schemathesis_live.py).

One run per service, as ``schemathesis run`` does it (the engine: probing, examples, coverage,
fuzzing and the stateful phase over the OpenAPI links), with every built-in check. Each request
carries a real Keycloak token of a realm test user who may call the route (``USER_BY_ROUTE``);
a seeded case or file stands in for a generated id half of the time; a careful client's fresh
``Idempotency-Key``; a generated ``wait`` for a position no command answered is shortened to
:data:`UNLINKED_WAIT_S` (the bound of the run), while a link's ``wait`` (a real position) stays.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from schemathesis.engine import from_schema as engine_for

from shared.application.commands import ACROSS_FIELDS
from shared.service import Service
from tests.support import realm

UNLINKED_WAIT_S = 0.5
"""A generated ``wait`` for a position no command of the run answered waits at most this long."""
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}")

USER_BY_ROUTE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"/projection/"), realm.OPERATOR_USER),
    (re.compile(r"/(access-log|admin-events)$|/break-glass/\{grant_id\}/review$"), realm.DPO_USER),
)
"""Who calls a route: the operator's routes the operator, oversight the data-protection officer,
everything else the pipeline user (every operational role, team lead of every department)."""


def user_for(path: str) -> str:
    return next((user for pattern, user in USER_BY_ROUTE if pattern.search(path)), realm.PIPELINE_USER)


class RealmToken:
    """Auth provider: the route's user's access token (``tests/support/realm.py`` renews it before expiry).

    Registered without Schemathesis' cache, so every case asks for its own route's user; Schemathesis
    leaves it out where a case tests a missing or wrong Authorization (``ignored_auth``)."""

    def get(self, case: schemathesis.Case[Any], context: Any) -> str:
        return realm.headers(user_for(case.path))["Authorization"]

    def set(self, case: schemathesis.Case[Any], data: str, context: Any) -> None:
        case.headers["Authorization"] = data


@dataclass(frozen=True)
class Seeds:
    """Real subjects made through the APIs before the run."""

    case_id: str
    files: dict[Service, str]


@dataclass
class Outcome:
    """One service's run."""

    service: Service
    seconds: float = 0.0
    operations: set[str] = field(default_factory=set)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    phases: dict[str, str] = field(default_factory=dict)
    cases: Counter[str] = field(default_factory=Counter)
    """Test cases Schemathesis generated and sent, by phase."""
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop_reason: str = ""
    transitions: int = 0
    reads_after_writes: Counter[str] = field(default_factory=Counter)
    """Reads whose ``after`` is a position a command of the run answered, by outcome (``reached`` …)."""
    not_reached: list[str] = field(default_factory=list)

    def totals(self) -> Counter[int]:
        totals: Counter[int] = Counter()
        for (_, status), n in self.statuses.items():
            totals[status] += n
        return totals

    def line(self) -> str:
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(self.totals().items()))
        phases = ", ".join(f"{p} {s} ({self.cases[p]} cases)" for p, s in self.phases.items())
        return (
            f"{self.service.value}: {len(self.operations)} operations, {sum(self.statuses.values())} requests "
            f"in {self.seconds:.1f}s ({statuses}); {self.transitions} links, reads after a write: "
            f"{dict(self.reads_after_writes)}; phases: {phases}; stop: {self.stop_reason}"
        )


class LiveRun:
    """The hooks of a run; the global ``before_call`` acts only on this run's schemas."""

    def __init__(self, seeds: Seeds, examples: int, stateful_examples: int, seed: int) -> None:
        self.seeds = seeds
        self.examples = examples
        self.stateful_examples = stateful_examples
        self.seed = seed
        self.schemas: set[int] = set()
        self.positions: set[str] = set()
        self.lock = threading.Lock()

    def config(self, base_url: str) -> SchemathesisConfig:
        bounded = {"max-examples": self.examples, "deterministic": True, "database": "none", "no-shrink": True}
        return SchemathesisConfig.from_dict(
            {
                "seed": self.seed,
                "cache": {"enabled": False},
                "base-url": base_url,
                "workers": 1,
                "request-timeout": 30,
                "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
                "generation": bounded,
                "phases": {
                    "stateful": {
                        "max-steps": 6,
                        # The declared links only (command -> reads with after/wait); no links guessed.
                        "inference": {"algorithms": []},
                        "generation": {**bounded, "max-examples": self.stateful_examples},
                    }
                },
            }
        )

    def run(self, service: Service, base_url: str) -> Outcome:
        """Load the service's OpenAPI document from the running service and run every phase against it."""
        schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=self.config(base_url))
        self.schemas.add(id(schema))
        schema.auth(refresh_interval=None)(RealmToken)
        outcome = Outcome(service, transitions=schema.statistic.transitions.total)
        schema.hook("flatmap_path_parameters")(self.known_subject_hook())
        schema.hook("filter_failure")(cross_field_rule_only)
        schema.hook("after_call")(self.recorder(outcome))
        started = time.monotonic()
        for event in engine_for(schema).execute():
            self.observe(outcome, event)
        outcome.seconds = time.monotonic() - started
        return outcome

    def observe(self, outcome: Outcome, event: events.EngineEvent) -> None:
        if isinstance(event, events.ScenarioFinished):
            outcome.cases[event.phase.value] += len(event.recorder.cases)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        interaction = event.recorder.interactions.get(case_id)
                        answer = interaction.response if interaction is not None else None
                        got = f"{answer.status_code} {answer.content[:300]!r}" if answer is not None else "-"
                        outcome.failures.append(
                            f"[{event.phase.value}] {event.recorder.label}: {check.name}: {failure.title}\n"
                            f"{failure.message}\nanswer: {got}\n{check.failure_info.code_sample}"
                        )
        elif isinstance(event, events.PhaseFinished):
            outcome.phases[event.phase.name.value] = event.status.value
        elif isinstance(event, events.NonFatalError):
            outcome.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            outcome.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            outcome.stop_reason = event.stop_reason.value
            outcome.failures += [f"[after run] {f.title}: {f.message}" for f in event.failures]

    # --- hooks -------------------------------------------------------------------------------

    def recorder(self, outcome: Outcome) -> Any:
        def after_call(
            _context: schemathesis.HookContext, case: schemathesis.Case[Any], response: schemathesis.Response
        ) -> None:
            with self.lock:
                outcome.operations.add(case.operation.label)
                outcome.statuses[(f"{case.method} {case.path}", response.status_code)] += 1
                token = _position_token(response)
                if token:
                    self.positions.add(token)
                if self.after_a_write(case):
                    read = _read_outcome(response)
                    outcome.reads_after_writes[read] += 1
                    if read == "not reached":
                        outcome.not_reached.append(f"{case.operation.label} {case.query} {response.content[:200]!r}")

        return after_call

    def before_call(self, _context: schemathesis.HookContext, case: schemathesis.Case[Any], _kwargs: Any) -> None:
        """A careful client's fresh Idempotency-Key; a generated ``wait`` for no real position, shortened."""
        if id(case.operation.schema) not in self.schemas:
            return  # another suite's schema (the in-process run) in the same session
        key = case.headers.get("Idempotency-Key") if case.headers else None
        if isinstance(key, str) and KEY.fullmatch(key):
            case.headers["Idempotency-Key"] = f"st-{uuid4().hex}"
        query = case.query
        if not query or "wait" not in query or self.after_a_write(case):
            return
        try:
            wait = float(query["wait"])
        except (TypeError, ValueError):  # negative data: stays as it is
            return
        if 0 <= wait <= 60 and not isinstance(query["wait"], bool):
            query["wait"] = min(wait, UNLINKED_WAIT_S)

    def after_a_write(self, case: schemathesis.Case[Any]) -> bool:
        """Whether the case reads ``after`` a position a command of the run answered (a link's read)."""
        after = case.query.get("after") if case.query else None
        return isinstance(after, str) and after in self.positions

    def known_subject_hook(self) -> Any:
        def flatmap_path_parameters(context: schemathesis.HookContext, path_parameters: dict[str, Any] | None) -> Any:
            return self.known_subject_sometimes(context, path_parameters)

        return flatmap_path_parameters

    def known_subject_sometimes(
        self, _context: schemathesis.HookContext, path_parameters: dict[str, Any] | None
    ) -> Any:
        """Swap a well-formed ``case_id`` / ``file_id`` for a seeded one half of the time."""
        if not path_parameters:
            return st.just(path_parameters)
        known = {"case_id": self.seeds.case_id, "file_id": next(iter(self.seeds.files.values()), None)}
        service = _context.operation.path.split("/")[1] if _context.operation else ""
        for svc, file_id in self.seeds.files.items():
            if svc.slug == service:
                known["file_id"] = file_id
        swapped = dict(path_parameters)
        for name, value in known.items():
            if name in path_parameters and value is not None:
                try:
                    UUID(str(path_parameters[name]))
                except ValueError:  # negative data for the path: leave it malformed
                    return st.just(path_parameters)
                swapped[name] = value
        return st.sampled_from([path_parameters, swapped])


def before_call_of(run: LiveRun) -> Any:
    """The run's ``before_call``, to register globally (the only scope Schemathesis 4 offers for it)."""

    def before_call(context: schemathesis.HookContext, case: schemathesis.Case[Any], kwargs: Any) -> None:
        run.before_call(context, case, kwargs)

    return before_call


def _read_outcome(response: schemathesis.Response) -> str:
    """``reached`` (the view had consumed the position), ``not reached`` (not within ``wait``), or the status."""
    if response.status_code != 200:
        return str(response.status_code)
    try:
        projection = json.loads(response.content).get("projection")
    except (ValueError, AttributeError):
        return "200"
    if not isinstance(projection, dict):  # the Perspektive says nothing of it
        return "200"
    return "reached" if projection.get("reached") else "not reached"


def _position_token(response: schemathesis.Response) -> str | None:
    if response.status_code not in (200, 201):
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    position = body.get("position") if isinstance(body, dict) else None
    token = position.get("token") if isinstance(position, dict) else None
    return token if isinstance(token, str) else None


def cross_field_rule_only(
    _context: schemathesis.HookContext, failure: Any, _case: schemathesis.Case[Any], response: schemathesis.Response
) -> bool:
    """Keep every failure except a 422 for schema-valid data caused only by what JSON Schema cannot express.

    - a rule across fields of the body (an end before its start), or one reported at a field (type
      ``across_fields``: a form version not in force on the consent's first day): the in-process suite's exemption;
    - ``corrects`` naming no event of this case or file in this service (``invalid_reference``, 422 at
      ``corrects``, docs/architecture.md "Corrections"): a generated id names nothing that exists.
    A 422 naming any other field, or of another type, is still a failure.
    """
    if failure.code == "ST201" and response.status_code == 413:  # ST201: schema-violating request accepted
        return False  # it was not accepted: the body limit refused it before anything else (documented 413)
    if failure.code != "ST202" or response.status_code != 422:  # ST202: schema-valid request rejected
        return True
    try:
        errors = json.loads(response.content)["detail"]
    except (ValueError, KeyError, TypeError):
        return True
    explained = all(_across_fields(e) or _dangling_correction(e) for e in errors)
    return not (errors and explained)


def _across_fields(error: Any) -> bool:
    """A rule across fields: on the whole body, or at the field it is reported for (``ACROSS_FIELDS``)."""
    if not isinstance(error, dict):
        return False
    return error.get("type") == ACROSS_FIELDS or (
        _whole_object(error.get("loc")) and error.get("type") == "value_error"
    )


def _dangling_correction(error: Any) -> bool:
    return (
        isinstance(error, dict)
        and error.get("loc") == ["body", "corrects"]
        and error.get("type") == ("invalid_reference")
    )


def _whole_object(loc: Any) -> bool:
    return isinstance(loc, list) and loc[:1] == ["body"] and (len(loc) == 1 or isinstance(loc[-1], int))
