"""The foreign office's file on a KIM case: tolerations, identity, permits."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.errors import DomainRuleViolationError


class InvalidPeriodError(DomainRuleViolationError):
    """A validity period ends before it starts."""


class IdentityAlreadyClarifiedError(DomainRuleViolationError):
    """Identity is clarified once; corrections are separate events."""


class ResidenceFile(Aggregate):
    """The Ausländerbehörde's record of one case (id = case id)."""

    @event("FileOpened")
    def __init__(self, id: UUID) -> None:  # noqa: A002 - eventsourcing takes the id from it
        self.tolerated_stays: list[dict[str, object]] = []
        self.identity_clarified_on: date | None = None
        self.permits: list[dict[str, object]] = []

    def issue_tolerated_stay(self, valid_from: date, valid_until: date, **terms: object) -> None:
        """Issue a Duldung for a period."""
        check_period(valid_from, valid_until)
        self._tolerated_stay_issued(valid_from=valid_from, valid_until=valid_until, **terms)

    @event("ToleratedStayIssued")
    def _tolerated_stay_issued(
        self,
        subtype: str,
        ground_code: str,
        valid_from: date,
        valid_until: date,
        work_permitted: bool,
        residence_condition: bool,
        remarks: str | None,
    ) -> None:
        self.tolerated_stays.append(
            {"subtype": subtype, "valid_from": valid_from, "valid_until": valid_until}
        )

    def clarify_identity(self, clarified_on: date, method: str, document_ref: str | None) -> None:
        """Record that the person's identity is clarified."""
        if self.identity_clarified_on is not None:
            msg = "Die Identität ist bereits als geklärt erfasst."
            raise IdentityAlreadyClarifiedError(msg)
        self._identity_clarified(clarified_on=clarified_on, method=method, document_ref=document_ref)

    @event("IdentityClarified")
    def _identity_clarified(self, clarified_on: date, method: str, document_ref: str | None) -> None:
        self.identity_clarified_on = clarified_on

    def grant_residence_permit(self, valid_from: date, valid_until: date, **terms: object) -> None:
        """Grant a residence permit under a norm."""
        check_period(valid_from, valid_until)
        self._permit_granted(valid_from=valid_from, valid_until=valid_until, **terms)

    @event("ResidencePermitGranted")
    def _permit_granted(
        self,
        norm: str,
        granted_on: date,
        valid_from: date,
        valid_until: date,
        employment_permitted: bool,
        conditions: str | None,
    ) -> None:
        self.permits.append({"norm": norm, "valid_from": valid_from, "valid_until": valid_until})


def check_period(valid_from: date, valid_until: date) -> None:
    if valid_until < valid_from:
        msg = "Das Ende der Gültigkeit liegt vor ihrem Beginn."
        raise InvalidPeriodError(msg)
