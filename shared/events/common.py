"""Codes shared by every part of the published language."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from shared.events.base import Code, WireModel

IsoLanguage = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
IsoCountry = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]

__all__ = ["Code", "ConsentScope", "DataCategory", "IsoCountry", "IsoLanguage", "Norm", "Purpose", "Recipient"]


class Norm(StrEnum):
    """Legal norms that residence pathways, permits and decisions refer to."""

    AUFENTHG_16G = "AufenthG_16g"
    AUFENTHG_19D = "AufenthG_19d"
    AUFENTHG_25A = "AufenthG_25a"
    AUFENTHG_25B = "AufenthG_25b"
    AUFENTHG_25_5 = "AufenthG_25_5"
    AUFENTHG_26_4 = "AufenthG_26_4"
    AUFENTHG_9 = "AufenthG_9"
    AUFENTHG_104C = "AufenthG_104c"
    AUFENTHG_60A_2B = "AufenthG_60a_2b"
    AUFENTHG_60C = "AufenthG_60c"
    AUFENTHG_60D = "AufenthG_60d"
    STAG_8 = "StAG_8"
    STAG_9 = "StAG_9"
    STAG_10 = "StAG_10"


class Recipient(StrEnum):
    """Who may receive events: the departments and the partner types."""

    INTAKE = "intake"
    FOREIGN_OFFICE = "foreign_office"
    KOBIZ = "kobiz"
    JOBCENTER = "jobcenter"
    EMPLOYMENT_AGENCY = "employment_agency"
    COURSE_PROVIDER = "course_provider"
    WELFARE_ORGANISATION = "welfare_organisation"


class DataCategory(StrEnum):
    """Data categories a consent releases, per recipient (docs/domain.md §5)."""

    IDENTITY = "identity"
    STATUS = "status"
    CASE_MANAGEMENT = "case_management"
    LANGUAGE_EDUCATION = "language_education"
    WORK_INCOME = "work_income"
    SCHOOL_ATTENDANCE = "school_attendance"
    HEALTH = "health"


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


class ConsentScope(WireModel):
    """One named recipient and the data categories the person released to it."""

    recipient: Recipient
    categories: list[DataCategory] = Field(min_length=1, max_length=7)
