"""Closed vocabularies of the facts the residence pathways turn on: asylum, household, marital
status, permits of family members and bans on employment.

Like those of :mod:`shared.events.vocabulary`, each is a closed enum whose members carry
German labels (``label_de``); their labels join the same table.
"""

from __future__ import annotations

from shared.events.vocabulary import LABELS_DE, Labelled


class AsylumOutcome(Labelled):
    """The outcome of the asylum procedure (BAMF decision, as the foreign office records it)."""

    ASYLUM = "asylum"
    REFUGEE_PROTECTION = "refugee_protection"
    SUBSIDIARY_PROTECTION = "subsidiary_protection"
    DEPORTATION_BAN = "deportation_ban"
    REJECTED = "rejected"
    DISCONTINUED = "discontinued"

    @property
    def protection_granted(self) -> bool:
        """Asylum or international protection (refugee or subsidiary) was granted."""
        return self in PROTECTION


PROTECTION = frozenset({AsylumOutcome.ASYLUM, AsylumOutcome.REFUGEE_PROTECTION, AsylumOutcome.SUBSIDIARY_PROTECTION})


class HouseholdRelation(Labelled):
    """What a member of the household is to the person (the person's spouse, child, parent, …)."""

    SPOUSE = "spouse"
    REGISTERED_PARTNER = "registered_partner"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    OTHER = "other"


class MaritalStatus(Labelled):
    """The person's marital status (Familienstand)."""

    SINGLE = "single"
    MARRIED = "married"
    REGISTERED_PARTNERSHIP = "registered_partnership"
    DIVORCED = "divorced"
    WIDOWED = "widowed"
    PARTNERSHIP_ENDED = "partnership_ended"

    @property
    def unmarried(self) -> bool:
        """Neither married nor in a registered partnership."""
        return self not in (MaritalStatus.MARRIED, MaritalStatus.REGISTERED_PARTNERSHIP)


class PermitState(Labelled):
    """Where a family member's application or permit stands."""

    APPLIED = "applied"
    GRANTED = "granted"
    REFUSED = "refused"


class EmploymentBanGround(Labelled):
    """Why employment is banned (§ 60a Abs. 6 S. 1 AufenthG); never leaves the foreign office."""

    ENTERED_FOR_BENEFITS = "entered_for_benefits"
    OWN_FAULT_REMOVAL_OBSTACLE = "own_fault_removal_obstacle"
    SAFE_COUNTRY_OF_ORIGIN = "safe_country_of_origin"


LABELS_DE.update(
    {
        AsylumOutcome.ASYLUM: "Asylberechtigung (Art. 16a GG)",
        AsylumOutcome.REFUGEE_PROTECTION: "Flüchtlingseigenschaft (§ 3 AsylG)",
        AsylumOutcome.SUBSIDIARY_PROTECTION: "Subsidiärer Schutz (§ 4 AsylG)",
        AsylumOutcome.DEPORTATION_BAN: "Abschiebungsverbot (§ 60 Abs. 5, 7 AufenthG)",
        AsylumOutcome.REJECTED: "Ablehnung",
        AsylumOutcome.DISCONTINUED: "Einstellung des Verfahrens",
        HouseholdRelation.SPOUSE: "Ehegatte/Ehegattin",
        HouseholdRelation.REGISTERED_PARTNER: "Eingetragene/r Lebenspartner/in",
        HouseholdRelation.CHILD: "Kind",
        HouseholdRelation.PARENT: "Elternteil",
        HouseholdRelation.SIBLING: "Geschwisterkind",
        HouseholdRelation.OTHER: "Sonstige/r Angehörige/r",
        MaritalStatus.SINGLE: "Ledig",
        MaritalStatus.MARRIED: "Verheiratet",
        MaritalStatus.REGISTERED_PARTNERSHIP: "Eingetragene Lebenspartnerschaft",
        MaritalStatus.DIVORCED: "Geschieden",
        MaritalStatus.WIDOWED: "Verwitwet",
        MaritalStatus.PARTNERSHIP_ENDED: "Lebenspartnerschaft aufgehoben",
        PermitState.APPLIED: "Beantragt",
        PermitState.GRANTED: "Erteilt",
        PermitState.REFUSED: "Abgelehnt",
        EmploymentBanGround.ENTERED_FOR_BENEFITS: "Einreise, um Leistungen nach dem AsylbLG zu erlangen (Nr. 1)",
        EmploymentBanGround.OWN_FAULT_REMOVAL_OBSTACLE: "Aufenthaltsbeendigung aus selbst zu vertretenden Gründen "
        "nicht vollziehbar (Nr. 2)",
        EmploymentBanGround.SAFE_COUNTRY_OF_ORIGIN: "Staatsangehörige/r eines sicheren Herkunftsstaates (Nr. 3)",
    }
)
