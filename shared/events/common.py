"""Codes shared by every part of the published language."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from shared.events.base import Code, WireModel

EARLIEST_DATE = date(1900, 1, 1)
"""The earliest date the product takes anywhere (a command's field, a query parameter)."""
LATEST_DATE = date(2100, 12, 31)
"""The latest date the product takes anywhere: a validity of 9999-12-31 is refused, not computed with."""

PLAUSIBLE_DATE_PATTERN = r"^(19[0-9]{2}|20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
"""What OpenAPI says of every date the product takes: YYYY-MM-DD from EARLIEST_DATE to LATEST_DATE (their years)."""

IsoLanguage = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
IsoCountry = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]

__all__ = [
    "EARLIEST_DATE",
    "LATEST_DATE",
    "PLAUSIBLE_DATE_PATTERN",
    "Code",
    "ConferenceParticipant",
    "ConsentScope",
    "DataCategory",
    "IsoCountry",
    "IsoLanguage",
    "Norm",
    "PartyId",
    "Purpose",
    "Recipient",
    "RecipientKind",
]


class Norm(StrEnum):
    """Legal norms that residence pathways, permits and decisions refer to."""

    AUFENTHG_16G = "AufenthG_16g"
    AUFENTHG_19D = "AufenthG_19d"
    AUFENTHG_25A = "AufenthG_25a"
    AUFENTHG_25B = "AufenthG_25b"
    AUFENTHG_25_1 = "AufenthG_25_1"
    AUFENTHG_25_2 = "AufenthG_25_2"
    AUFENTHG_25_3 = "AufenthG_25_3"
    AUFENTHG_25_5 = "AufenthG_25_5"
    AUFENTHG_26_4 = "AufenthG_26_4"
    AUFENTHG_9 = "AufenthG_9"
    AUFENTHG_104C = "AufenthG_104c"
    AUFENTHG_104C_2 = "AufenthG_104c_2"
    AUFENTHG_60A_2B = "AufenthG_60a_2b"
    AUFENTHG_60C = "AufenthG_60c"
    AUFENTHG_60D = "AufenthG_60d"
    STAG_8 = "StAG_8"
    STAG_9 = "StAG_9"
    STAG_10 = "StAG_10"


class RecipientKind(StrEnum):
    """The kinds of recipient: the departments and the partner kinds.

    The sharing policy keeps its rules per kind; a consent names parties
    (:data:`PartyId`), and so decides which party of a kind may receive.
    """

    INTAKE = "intake"
    FOREIGN_OFFICE = "foreign_office"
    NATURALISATION_AUTHORITY = "naturalisation_authority"
    """The Einbürgerungsbehörde: a party of its own, served by the foreign_office service."""
    KOBIZ = "kobiz"
    JOBCENTER = "jobcenter"
    EMPLOYMENT_AGENCY = "employment_agency"
    COURSE_PROVIDER = "course_provider"
    WELFARE_ORGANISATION = "welfare_organisation"

    @property
    def department(self) -> bool:
        """A department of the Kreisverwaltung: its one party has the kind's value as id."""
        return self in DEPARTMENT_KINDS


Recipient = RecipientKind
"""The recipient kinds under their earlier name."""

DEPARTMENT_KINDS = frozenset(
    {
        RecipientKind.INTAKE,
        RecipientKind.FOREIGN_OFFICE,
        RecipientKind.NATURALISATION_AUTHORITY,
        RecipientKind.KOBIZ,
    }
)
PARTNER_KINDS = frozenset(set(RecipientKind) - DEPARTMENT_KINDS)

UNNAMED_PARTY_SLUG = "unbenannt"
"""Reserved: ``<kind>:unbenannt`` names no party. A consent of version 1 named a partner
*kind*; upcast, it names this reserved id, which no registry contains (fail closed)."""

_DEPARTMENT_IDS = "|".join(sorted(k.value for k in DEPARTMENT_KINDS))
_PARTNER_IDS = "|".join(sorted(k.value for k in PARTNER_KINDS))
PARTY_ID_PATTERN = rf"^(?:{_DEPARTMENT_IDS}|(?:{_PARTNER_IDS}):[a-z0-9][a-z0-9-]{{1,47}})$"

PartyId = Annotated[
    str,
    StringConstraints(pattern=PARTY_ID_PATTERN),
    Field(
        description=(
            "A named recipient party: a department (intake, foreign_office, naturalisation_authority, kobiz) "
            "or a registered partner as <kind>:<name>, e.g. jobcenter:jc-euskirchen."
        ),
        examples=["foreign_office", "jobcenter:jc-euskirchen", "course_provider:vhs-euskirchen"],
    ),
]


def kind_of(party_id: str) -> RecipientKind:
    """The kind of a party id (``jobcenter:jc-euskirchen`` → jobcenter); ValueError if it has none."""
    kind = RecipientKind(party_id.partition(":")[0])
    if kind.department != (":" not in party_id):
        msg = f"not a party id: {party_id!r}"
        raise ValueError(msg)
    return kind


def party_of_kind_v1(kind: str) -> str:
    """The party an earlier version's recipient kind stands for: a department is its own party;
    a partner kind names no party (``<kind>:unbenannt``), so nothing is released to any partner."""
    recipient = RecipientKind(kind)
    return recipient.value if recipient.department else f"{recipient.value}:{UNNAMED_PARTY_SLUG}"


class DataCategory(StrEnum):
    """Data categories a consent releases, per recipient (docs/domain.md §5)."""

    IDENTITY = "identity"
    STATUS = "status"
    CASE_MANAGEMENT = "case_management"
    LANGUAGE_EDUCATION = "language_education"
    WORK_INCOME = "work_income"
    SCHOOL_ATTENDANCE = "school_attendance"
    HEALTH = "health"
    COUNSELLING = "counselling"
    """Counselling topic codes: only with the secrecy release (§ 203 StGB, § 88 AufenthG)."""


class Purpose(StrEnum):
    """Concrete purposes a consent may name (never "Beratung und Aufgabenerledigung")."""

    PREPARE_APPLICATION_25A = "prepare_application_25a"
    PREPARE_APPLICATION_25B = "prepare_application_25b"
    PREPARE_APPLICATION_104C = "prepare_application_104c"
    PREPARE_TOLERATION_60C_60D = "prepare_toleration_60c_60d"
    PREPARE_SETTLEMENT_PERMIT = "prepare_settlement_permit"
    PREPARE_NATURALISATION = "prepare_naturalisation"
    PASSPORT_PROCUREMENT_SUPPORT = "passport_procurement_support"
    CASE_CONFERENCE = "case_conference"
    LABOUR_MARKET_INTEGRATION = "labour_market_integration"
    LANGUAGE_COURSE_PLACEMENT = "language_course_placement"
    RETURN_COUNSELLING = "return_counselling"


class ConferenceParticipant(StrEnum):
    """Who took part in a case conference (the recipient kinds of version 1, unchanged on the wire)."""

    INTAKE = "intake"
    FOREIGN_OFFICE = "foreign_office"
    KOBIZ = "kobiz"
    JOBCENTER = "jobcenter"
    EMPLOYMENT_AGENCY = "employment_agency"
    COURSE_PROVIDER = "course_provider"
    WELFARE_ORGANISATION = "welfare_organisation"


class ConsentScope(WireModel):
    """One named recipient party, the data categories the person released to it, and
    whether the person released the professionals from secrecy towards it
    (Schweigepflichtentbindung, § 203 StGB; docs/domain.md §5)."""

    recipient: PartyId
    categories: list[DataCategory] = Field(min_length=1, max_length=len(DataCategory))
    secrecy_release: bool = False
