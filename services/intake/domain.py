"""Intake's case file: the person, their consents, and the opening of the KIM case.

The aggregate id is the case id, minted here when the person is registered; every
other service keys its own records of the case by it.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.errors import DomainRuleViolationError


class CaseAlreadyOpenError(DomainRuleViolationError):
    """A case can be opened once."""


class DuplicateConsentError(DomainRuleViolationError):
    """A consent id can be recorded once."""


class Case(Aggregate):
    """A KIM case file at intake."""

    @event("PersonRegistered")
    def __init__(
        self,
        person_id: UUID,
        registered_on: date,
        family_name: str,
        given_names: str,
        birth_date: date,
        languages: list[str],
        claimed_nationalities: list[str],
        contact: str | None,
    ) -> None:
        self.person_id = person_id
        self.registered_on = registered_on
        self.family_name = family_name
        self.given_names = given_names
        self.birth_date = birth_date
        self.languages = languages
        self.claimed_nationalities = claimed_nationalities
        self.contact = contact
        self.consents: dict[str, dict[str, Any]] = {}
        self.opened_on: date | None = None
        self.case_manager_id: str | None = None

    @property
    def status(self) -> str:
        """``registered`` until the case is opened, then ``open``."""
        return "open" if self.opened_on else "registered"

    def grant_consent(self, consent_id: UUID, **terms: Any) -> None:
        """Record a consent the person gave."""
        self.check_consent_is_new(consent_id)
        self._consent_granted(consent_id=consent_id, **terms)

    @event("ConsentGranted")
    def _consent_granted(
        self,
        consent_id: UUID,
        scopes: list[dict[str, Any]],
        purpose: str,
        valid_from: date,
        valid_until: date,
        form_version: str,
        language: str,
        interpreter_used: bool,
    ) -> None:
        self.consents[str(consent_id)] = {
            "scopes": scopes,
            "purpose": purpose,
            "valid_from": valid_from,
            "valid_until": valid_until,
        }

    def open(self, opened_on: date, case_manager_id: str) -> None:
        """Open the KIM case and assign it to a case manager."""
        self.check_not_open()
        self._opened(opened_on=opened_on, case_manager_id=case_manager_id, person_id=self.person_id)

    @event("CaseOpened")
    def _opened(self, opened_on: date, case_manager_id: str, person_id: UUID) -> None:
        self.opened_on = opened_on
        self.case_manager_id = case_manager_id

    def check_not_open(self) -> None:
        if self.opened_on is not None:
            msg = "Der Fall ist bereits eröffnet."
            raise CaseAlreadyOpenError(msg)

    def check_consent_is_new(self, consent_id: UUID) -> None:
        if str(consent_id) in self.consents:
            msg = "Diese Einwilligung ist bereits erfasst."
            raise DuplicateConsentError(msg)
