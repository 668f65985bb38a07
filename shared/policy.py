"""The sharing policy, as data: who may receive which event, and on which basis.

This table is reviewed like code. The relay publishes an event only if it has a
rule here with at least one recipient besides its owner; each projection keeps an
event only if its own service is a recipient. Events without a rule (notes,
internal bookkeeping) never leave their owner.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from shared.events import catalogue as ev
from shared.events.base import IntegrationEvent
from shared.events.catalogue import Recipient
from shared.settings import Service


class Sensitivity(StrEnum):
    """DOMAIN.md §3 sensitivity classes."""

    NORMAL = "normal"
    ART9 = "art9"
    ART10 = "art10"
    SOCIAL_DATA = "social_data"
    SECRET = "secret"


class LegalBasis(StrEnum):
    """DOMAIN.md §3 legal bases for a transfer."""

    OWN_TASK = "own_task"
    AUFENTHG_87 = "aufenthg_87"
    AUFENTHG_88A = "aufenthg_88a"
    SGB_X = "sgb_x"
    CONSENT = "consent"


@dataclass(frozen=True)
class SharingRule:
    """Sensitivity and recipients of one integration event type."""

    event: type[IntegrationEvent]
    sensitivity: Sensitivity
    recipients: Mapping[Recipient, LegalBasis] = field(default_factory=dict)

    def __post_init__(self) -> None:
        owner = Recipient(self.event.owner.value)
        recipients = {owner: LegalBasis.OWN_TASK, **self.recipients}
        object.__setattr__(self, "recipients", MappingProxyType(recipients))

    @property
    def published(self) -> bool:
        """Whether the event leaves its owner at all."""
        if self.sensitivity is Sensitivity.SECRET:
            return False
        return any(r.value != self.event.owner.value for r in self.recipients)

    def basis_for(self, recipient: Recipient | Service) -> LegalBasis | None:
        """The legal basis on which ``recipient`` may hold this event, or None."""
        return self.recipients.get(Recipient(recipient.value))


C = LegalBasis.CONSENT
OWN = LegalBasis.OWN_TASK

RULES: tuple[SharingRule, ...] = (
    # The foreign office learns of a registration only with consent, so that
    # intake never becomes a channel for § 87 reports (DOMAIN.md §3 row 1).
    SharingRule(
        ev.PersonRegistered,
        Sensitivity.NORMAL,
        {Recipient.KOBIZ: OWN, Recipient.FOREIGN_OFFICE: C},
    ),
    SharingRule(
        ev.ConsentGranted,
        Sensitivity.NORMAL,
        {Recipient.KOBIZ: OWN, Recipient.FOREIGN_OFFICE: C},
    ),
    SharingRule(
        ev.CaseOpened,
        Sensitivity.NORMAL,
        {Recipient.KOBIZ: OWN, Recipient.FOREIGN_OFFICE: C},
    ),
    SharingRule(
        ev.ToleratedStayIssued,
        Sensitivity.NORMAL,
        {Recipient.INTAKE: C, Recipient.KOBIZ: C},
    ),
    SharingRule(
        ev.IdentityClarified,
        Sensitivity.NORMAL,
        {Recipient.INTAKE: C, Recipient.KOBIZ: C},
    ),
    SharingRule(
        ev.ResidencePermitGranted,
        Sensitivity.NORMAL,
        {
            Recipient.INTAKE: C,
            Recipient.KOBIZ: C,
            Recipient.JOBCENTER: C,
            Recipient.EMPLOYMENT_AGENCY: C,
        },
    ),
    # Codes only; the counselling notes are a separate, internal event field
    # that no translation ever copies (§ 88 AufenthG).
    SharingRule(
        ev.PerspectiveCounsellingHeld,
        Sensitivity.NORMAL,
        {Recipient.INTAKE: OWN, Recipient.FOREIGN_OFFICE: C},
    ),
)

RULES_BY_TYPE: Mapping[str, SharingRule] = MappingProxyType(
    {rule.event.wire_type(): rule for rule in RULES}
)


def rule_for(event: type[IntegrationEvent] | str) -> SharingRule | None:
    """The rule of an event class or wire type; None means: never shared."""
    key = event if isinstance(event, str) else event.wire_type()
    return RULES_BY_TYPE.get(key)


def may_receive(recipient: Recipient | Service, wire_type: str) -> bool:
    """Whether ``recipient`` may hold events of ``wire_type`` at all."""
    rule = rule_for(wire_type)
    return rule is not None and rule.published and rule.basis_for(recipient) is not None
