"""Earlier wire versions of the published language, and how each becomes the current one.

One table (:data:`WIRE_UPCASTERS`), next to the catalogue: an entry upcasts the JSON body
of ``<wire type without version>.v<n>`` to version ``n + 1``. A record of an earlier
version — still on a topic, parked as a dead letter, or kept in a view — is read by
applying the steps up to the current version and validating the result with the
current model, so every consumer works on the current model only.

Version 1 → 2 of the consent events: a consent named recipient *kinds*; now it names
parties. A department kind is its own party; a partner kind (``jobcenter``) names no
party of that kind (``jobcenter:unbenannt``, which no registry contains), so nothing of
an earlier consent is released to any partner (fail closed). No secrecy release was
recorded in version 1.

The upcasters take what they recognise and leave everything else as it was, so a body
that was invalid stays invalid and the current model rejects it with its own message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from shared.events.base import WIRE_TYPE_PREFIX, FileEvent, IntegrationEvent
from shared.events.catalogue import ALL_EVENTS
from shared.events.common import party_of_kind_v1
from shared.events.vocabulary import (
    CooperationAct,
    CounsellingTopic,
    DepartureBasis,
    EmploymentScope,
    ExamBody,
    ToleranceGround,
)

WireUpcaster = Callable[[Any], Any]
"""Turns the JSON body of one version into the body of the next."""

_VERSIONED = re.compile(r"^(?P<name>.+)\.v(?P<version>[1-9][0-9]{0,3})$")


def _party_v1(kind: Any) -> Any:
    if not isinstance(kind, str):
        return kind
    try:
        return party_of_kind_v1(kind)
    except ValueError:
        return kind  # not a kind of version 1 either: the current model rejects it


def upcast_scopes_v1(scopes: Any) -> Any:
    """Scopes of version 1 (``recipient`` a kind) as scopes of version 2 (a party, no secrecy release)."""
    if not isinstance(scopes, list):
        return scopes
    return [
        {**s, "recipient": _party_v1(s.get("recipient")), "secrecy_release": False} if isinstance(s, dict) else s
        for s in scopes
    ]


def upcast_recipients_v1(recipients: Any) -> Any:
    """Recipient kinds of version 1 as the parties they stand for."""
    if not isinstance(recipients, list):
        return recipients
    return [_party_v1(r) for r in recipients]


def _scopes_v1_v2(body: Any) -> Any:
    if not isinstance(body, dict) or "scopes" not in body:
        return body
    return {**body, "scopes": upcast_scopes_v1(body["scopes"])}


def _revoked_v1_v2(body: Any) -> Any:
    if not isinstance(body, dict) or "prior_recipients" not in body:
        return body
    return {**body, "prior_recipients": upcast_recipients_v1(body["prior_recipients"])}


def _case_opened_v1_v2(body: Any) -> Any:
    # Version 1 took any code for the case manager, at times a name or an e-mail address.
    if not isinstance(body, dict) or not isinstance(body.get("case_manager_id"), str):
        return body
    manager = body["case_manager_id"]
    return {**body, "case_manager_id": manager if re.fullmatch(r"st-[a-z0-9]{4,32}", manager) else "st-unbekannt"}


def _closed(value: Any, vocabulary: type[StrEnum], other: str) -> Any:
    """A free code of version 1 as a member of the closed vocabulary ("other" if it has none)."""
    if not isinstance(value, str):
        return value
    return value if value in vocabulary._value2member_map_ else other


def _file_v1_v2(fields: Mapping[str, Callable[[Any], Any]]) -> WireUpcaster:
    """Version 1 of a file event was keyed by the case: the file of version 0.1 *was* the case's.

    Its free codes become members of the closed vocabularies ("other" where none fits);
    a deciding person was named by a free code (at times an e-mail address) and is now
    only known as unknown staff (``st-unbekannt``), so nothing personal survives.
    """

    def upcast(body: Any) -> Any:
        if not isinstance(body, dict):
            return body
        new = {**body, "file_id": body.get("case_id")}
        for name, convert in fields.items():
            if name in new:
                new[name] = convert(new[name])
        if "decided_by" in new:
            new["decided_by"] = "st-unbekannt"
        return new

    return upcast


def _toleration_v1_v2(body: Any) -> Any:
    new = _file_v1_v2({})(body)
    if isinstance(new, dict) and isinstance(new.get("ground_code"), str):
        code = new["ground_code"]
        new["health_ground"] = code.startswith("health")  # version 0.1 told it by the prefix
        new["ground_code"] = (
            "illness" if code.startswith("health") else _closed(code, ToleranceGround, "other_factual_obstacle")
        )
    return new


def _codes(vocabulary: type[StrEnum]) -> Callable[[Any], Any]:
    return lambda values: [_closed(v, vocabulary, "other") for v in values] if isinstance(values, list) else values


def _code(vocabulary: type[StrEnum]) -> Callable[[Any], Any]:
    return lambda value: _closed(value, vocabulary, "other")


_FILE_FIELDS: Mapping[str, Mapping[str, Callable[[Any], Any]]] = {
    "CooperationDutyNotified": {"required_act_codes": _codes(CooperationAct)},
    "EmploymentPermissionGranted": {"scope_code": _code(EmploymentScope)},
    "DepartureObligationEnforceable": {"basis_code": _code(DepartureBasis)},
    "PerspectiveCounsellingHeld": {"topic_codes": _codes(CounsellingTopic)},
    "LanguageCertificateObtained": {"exam_body": _code(ExamBody)},
}


def _unchanged(body: Any) -> Any:
    """A step that only added optional fields: their absence means "not recorded"."""
    return body


def _file_upcasters() -> dict[tuple[str, int], WireUpcaster]:
    upcasters: dict[tuple[str, int], WireUpcaster] = {}
    for event in ALL_EVENTS:
        if not issubclass(event, FileEvent) or event.name in _NEW_IN_V2:
            continue
        name = f"{WIRE_TYPE_PREFIX}.{event.owner.slug}.{event.name}"
        special = _toleration_v1_v2 if event.name == "ToleratedStayIssued" else None
        upcasters[(name, 1)] = special or _file_v1_v2(_FILE_FIELDS.get(event.name, {}))
        if event.name in _OPTIONAL_FIELDS_IN_V3:
            upcasters[(name, 2)] = _unchanged
    return upcasters


_NEW_IN_V2 = frozenset(
    {
        "ResidenceFileLinked",
        "EntryRecorded",
        "PassportCooperationRecorded",
        "PensionContributionsRecorded",
        "HousingAssessed",
        "SpecialIntegrationAchieved",
        "CivicKnowledgeEvidenced",
        "AsylumPermissionRecorded",
        "AsylumDecisionRecorded",
        "IdentityAssessed",
        "EmploymentBanAssessed",
        "EmploymentAgencyConsentRecorded",
        "DepartureObstacleAssessed",
        "SchoolingAssessed",
        "QualificationsAssessed",
        "BasicKnowledgeAssessed",
        "SpecialIntegrationAssessed",
        "EmploymentHistoryAssessed",
    }
)
"""File events that did not exist in version 1 (they start at version 2): there is nothing to upcast."""

_OPTIONAL_FIELDS_IN_V3 = frozenset({"TrainingContractConcluded", "LivelihoodAssessed", "EmploymentTaken"})
"""File events whose version 3 only added optional fields (and widened a bound): version 2 reads unchanged.

Version 3 of ``LivelihoodAssessed`` takes coverage above 100 % and open answers; of
``TrainingContractConcluded`` the helper training and a start under the Gestattung; of
``EmploymentTaken`` qualified employment and a match with a recognised degree."""

WIRE_UPCASTERS: Mapping[tuple[str, int], WireUpcaster] = MappingProxyType(
    {
        ("de.nrw.kim.intake.ConsentGranted", 1): _scopes_v1_v2,
        ("de.nrw.kim.intake.ConsentScopeChanged", 1): _scopes_v1_v2,
        ("de.nrw.kim.intake.ConsentRevoked", 1): _revoked_v1_v2,
        ("de.nrw.kim.intake.CaseOpened", 1): _case_opened_v1_v2,
        **_file_upcasters(),
    }
)
"""(wire type without version, version n) → the step from version n to n + 1."""

_CURRENT: Mapping[str, type[IntegrationEvent]] = MappingProxyType(
    {e.wire_type().rpartition(".v")[0]: e for e in ALL_EVENTS}
)


def upcast_wire(wire_type: str, body: Any) -> tuple[type[IntegrationEvent], Any] | None:
    """The current model for ``wire_type`` and ``body`` upcast to it; None if the type or its
    version is unknown (a version newer than the current one, or one no step leads from)."""
    match = _VERSIONED.match(wire_type)
    if match is None:
        return None
    model = _CURRENT.get(match["name"])
    version = int(match["version"])
    if model is None or version > model.version:
        return None
    while version < model.version:
        step = WIRE_UPCASTERS.get((match["name"], version))
        if step is None:
            return None
        body, version = step(body), version + 1
    return model, body
