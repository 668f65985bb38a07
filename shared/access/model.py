"""The vocabulary of authorisation: field groups, operations, scopes and a principal's relation to a case.

A *field group* is a part of a case's data that docs/domain.md §4 grants separately
(identity core, status, counselling notes, …). A role holds, per service and field
group, a read and a write *scope*: only its own cases, or every case of the
department. Whether a case is *own* is a fact about the case (assignment, deputy,
the KIM case manager, an approved break-glass grant); the decision combines both.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class FieldGroup(StrEnum):
    """A part of a case's data that is granted on its own (docs/domain.md §4 columns)."""

    IDENTITY_CORE = "identity_core"
    CASE_MANAGEMENT = "case_management"
    STATUS = "status"
    IDENTITY_DETAIL = "identity_detail"
    INTEGRATION = "integration"
    COUNSELLING = "counselling"
    HEALTH = "health"
    CRIMINAL = "criminal"
    SOCIAL_DATA = "social_data"
    REMOVAL = "removal"
    NATURALISATION = "naturalisation"
    CONSENT = "consent"
    ACCESS_LOG = "access_log"

    @property
    def label_de(self) -> str:
        return FIELD_GROUP_LABELS[self]


FIELD_GROUP_LABELS: dict[FieldGroup, str] = {
    FieldGroup.IDENTITY_CORE: "Identitätskern (Name, Geburtsdatum, Kontakt)",
    FieldGroup.CASE_MANAGEMENT: "Fallsteuerung (Eröffnung, Zuständigkeit, Konferenzen)",
    FieldGroup.STATUS: "Aufenthaltsstatus und Entscheidungen",
    FieldGroup.IDENTITY_DETAIL: "Identitätsklärung (Dokumente, Mitwirkung)",
    FieldGroup.INTEGRATION: "Sprache, Bildung, Ausbildung und Arbeit",
    FieldGroup.COUNSELLING: "Beratung (Notizen und Themen, § 203 StGB)",
    FieldGroup.HEALTH: "Gesundheit (Art. 9 DSGVO)",
    FieldGroup.CRIMINAL: "Strafrechtliche Verurteilungen (Art. 10 DSGVO)",
    FieldGroup.SOCIAL_DATA: "Sozialdaten (SGB II/XII)",
    FieldGroup.REMOVAL: "Abschiebung (geheim)",
    FieldGroup.NATURALISATION: "Einbürgerung",
    FieldGroup.CONSENT: "Einwilligungen",
    FieldGroup.ACCESS_LOG: "Zugriffsprotokoll",
}


class Operation(StrEnum):
    READ = "read"
    WRITE = "write"


class Scope(IntEnum):
    """How far a grant reaches: the wider scope includes the narrower."""

    OWN = 1
    """Cases the person is assigned to (or deputises on, or manages as KIM case manager)."""
    DEPARTMENT = 2
    """Every case of the department (a caseworker's whole remit, a team lead's team)."""


class Relation(IntEnum):
    """How a principal stands to one case in one service (the widest that applies)."""

    NONE = 0
    """The case is not known to the service, or the principal has no relation to it."""
    DEPARTMENT = 2
    """A case of the department, not assigned to the principal."""
    OWN = 3
    """Assigned, deputy, KIM case manager, or an approved break-glass grant."""

    def reaches(self, scope: Scope) -> bool:
        """Whether a grant of ``scope`` covers a case in this relation."""
        if self is Relation.NONE:
            return False
        return scope is Scope.DEPARTMENT or self is Relation.OWN


@dataclass(frozen=True, slots=True)
class Grant:
    """What a role may do with one field group in one service."""

    read: Scope | None = None
    write: Scope | None = None
    consent_only: bool = False
    """Only what a consent covers (§4 "(C)"); the view already holds nothing else."""

    def scope(self, operation: Operation) -> Scope | None:
        return self.read if operation is Operation.READ else self.write


def rw(scope: Scope, *, consent_only: bool = False) -> Grant:
    return Grant(read=scope, write=scope, consent_only=consent_only)


def r(scope: Scope, *, consent_only: bool = False) -> Grant:
    return Grant(read=scope, consent_only=consent_only)


def w(scope: Scope) -> Grant:
    return Grant(write=scope)
