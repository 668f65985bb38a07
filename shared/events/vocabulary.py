"""Closed vocabularies: every code that decides sensitivity, recipients or a legal outcome.

A free-form code decided too much before: a ground of toleration spelt
``Krankheit_PTBS`` was not recognised as health data and reached a department on a
consent that did not release health data. Here each such code is a closed enum with
its German label (``label_de``), and what carries legal weight (a health ground, a
shortage occupation) is an explicit boolean of its own, never read from a code.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

StaffId = Annotated[
    str,
    Field(
        pattern=r"^st-[a-z0-9]{4,32}$",
        examples=["st-7f3a91"],
        description="A member of staff, pseudonymously (e.g. st-7f3a91); never a name or an e-mail address.",
    ),
]


class Labelled(StrEnum):
    """A closed vocabulary whose members carry German labels."""

    @property
    def label_de(self) -> str:
        """The German label shown to people."""
        return LABELS_DE[self]


class ToleranceGround(Labelled):
    """Why deportation is suspended (§ 60a Abs. 2 AufenthG and the special Duldungen)."""

    NO_TRAVEL_DOCUMENTS = "no_travel_documents"
    IDENTITY_UNCLARIFIED = "identity_unclarified"
    ILLNESS = "illness"
    FAMILY_TIES = "family_ties"
    TRAINING = "training"
    EMPLOYMENT = "employment"
    PARENT_OF_25A_HOLDER = "parent_of_25a_holder"
    URGENT_HUMANITARIAN = "urgent_humanitarian"
    PENDING_PROCEEDINGS = "pending_proceedings"
    OTHER_LEGAL_OBSTACLE = "other_legal_obstacle"
    OTHER_FACTUAL_OBSTACLE = "other_factual_obstacle"


class CooperationAct(Labelled):
    """What a person is told to do to obtain a passport or clarify identity (§ 60b Abs. 3 AufenthG)."""

    APPLY_FOR_PASSPORT = "apply_for_passport"
    ATTEND_EMBASSY = "attend_embassy"
    SUBMIT_DOCUMENTS = "submit_documents"
    OBTAIN_BIRTH_CERTIFICATE = "obtain_birth_certificate"
    INSTRUCT_LAWYER_ABROAD = "instruct_lawyer_abroad"
    MAKE_DECLARATION = "make_declaration"
    PAY_FEES = "pay_fees"
    OTHER = "other"


class DeceptionKind(Labelled):
    """What a finding of deception establishes."""

    DECEPTION = "deception"
    OBSTRUCTION = "obstruction"


class DeceptionEffect(Labelled):
    """The legal effect the foreign office draws from a finding of deception."""

    WORK_BAN = "work_ban"
    DULDUNG_60B = "duldung_60b"
    REFUSAL_GROUND = "refusal_ground"
    NONE_YET = "none_yet"


class SanctionKind(Labelled):
    """The sanction of a criminal conviction."""

    FINE = "fine"
    CUSTODIAL = "custodial"
    JUVENILE_MEASURES = "juvenile_measures"
    WARNING_WITH_RESERVED_FINE = "warning_with_reserved_fine"


class EmploymentScope(Labelled):
    """What an employment permission allows."""

    ANY_EMPLOYMENT = "any_employment"
    SPECIFIC_EMPLOYER = "specific_employer"
    TRAINING_ONLY = "training_only"
    SELF_EMPLOYMENT = "self_employment"
    OTHER = "other"


class DepartureBasis(Labelled):
    """Why the obligation to leave is enforceable (§ 58 Abs. 2 AufenthG)."""

    ILLEGAL_ENTRY = "illegal_entry"
    NO_TITLE_APPLIED = "no_title_applied"
    DEPARTURE_DEADLINE_PASSED = "departure_deadline_passed"
    ENFORCEABLE_DECISION = "enforceable_decision"
    OTHER = "other"


class RefusalGround(Labelled):
    """Why an application was refused (only the outcome leaves the foreign office)."""

    PREREQUISITES_NOT_MET = "prerequisites_not_met"
    IDENTITY_UNCLARIFIED = "identity_unclarified"
    LIVELIHOOD_NOT_SECURED = "livelihood_not_secured"
    CONVICTION = "conviction"
    DECEPTION = "deception"
    SECURITY = "security"
    EXPULSION_INTEREST = "expulsion_interest"
    DEADLINE_MISSED = "deadline_missed"


class FileClosureReason(Labelled):
    """Why the foreign office closed its file."""

    MOVED_AWAY = "moved_away"
    DEPARTED = "departed"
    NATURALISED = "naturalised"
    DECEASED = "deceased"


class ExamBody(Labelled):
    """Who issued a language certificate (recognised by the authorities)."""

    TELC = "telc"
    GOETHE = "goethe"
    OESD = "oesd"
    TESTDAF = "testdaf"
    ECL = "ecl"
    BAMF_DTZ = "bamf_dtz"
    GERMAN_SCHOOL = "german_school"
    OTHER = "other"


class CounsellingTopic(Labelled):
    """What a perspective counselling session was about (codes only; the notes stay in Kobiz)."""

    RESIDENCE_PERSPECTIVE = "residence_perspective"
    IDENTITY_AND_PASSPORT = "identity_and_passport"
    LANGUAGE_COURSE = "language_course"
    SCHOOL = "school"
    TRAINING = "training"
    WORK = "work"
    LIVELIHOOD = "livelihood"
    HOUSING = "housing"
    FAMILY = "family"
    HEALTH = "health"
    NATURALISATION = "naturalisation"
    RETURN = "return"
    OTHER = "other"


LABELS_DE: dict[Labelled, str] = {
    CooperationAct.OTHER: "Sonstige Mitwirkungshandlung",
    EmploymentScope.OTHER: "Sonstiger Umfang",
    DepartureBasis.OTHER: "Sonstige Grundlage",
    ExamBody.OTHER: "Sonstige Prüfstelle",
    CounsellingTopic.OTHER: "Sonstiges Thema",
    ToleranceGround.NO_TRAVEL_DOCUMENTS: "Passlosigkeit",
    ToleranceGround.IDENTITY_UNCLARIFIED: "Identität ungeklärt",
    ToleranceGround.ILLNESS: "Erkrankung (Reiseunfähigkeit)",
    ToleranceGround.FAMILY_TIES: "Familiäre Bindungen (Art. 6 GG)",
    ToleranceGround.TRAINING: "Ausbildung (§ 60c AufenthG)",
    ToleranceGround.EMPLOYMENT: "Beschäftigung (§ 60d AufenthG)",
    ToleranceGround.PARENT_OF_25A_HOLDER: "Elternteil eines Minderjährigen mit § 25a (§ 60a Abs. 2b AufenthG)",
    ToleranceGround.URGENT_HUMANITARIAN: "Dringende humanitäre oder persönliche Gründe (§ 60a Abs. 2 S. 3 AufenthG)",
    ToleranceGround.PENDING_PROCEEDINGS: "Anhängiges Verfahren",
    ToleranceGround.OTHER_LEGAL_OBSTACLE: "Sonstiges rechtliches Abschiebungshindernis",
    ToleranceGround.OTHER_FACTUAL_OBSTACLE: "Sonstiges tatsächliches Abschiebungshindernis",
    CooperationAct.APPLY_FOR_PASSPORT: "Pass beantragen",
    CooperationAct.ATTEND_EMBASSY: "Bei der Auslandsvertretung vorsprechen",
    CooperationAct.SUBMIT_DOCUMENTS: "Vorhandene Dokumente vorlegen",
    CooperationAct.OBTAIN_BIRTH_CERTIFICATE: "Geburtsurkunde beschaffen",
    CooperationAct.INSTRUCT_LAWYER_ABROAD: "Vertrauensanwalt im Herkunftsland beauftragen",
    CooperationAct.MAKE_DECLARATION: "Freiwilligkeitserklärung abgeben",
    CooperationAct.PAY_FEES: "Gebühren entrichten",
    DeceptionKind.DECEPTION: "Täuschung über Identität oder Staatsangehörigkeit",
    DeceptionKind.OBSTRUCTION: "Verhinderung oder Verzögerung der Abschiebung",
    DeceptionEffect.WORK_BAN: "Beschäftigungsverbot",
    DeceptionEffect.DULDUNG_60B: "Duldung für Personen mit ungeklärter Identität (§ 60b AufenthG)",
    DeceptionEffect.REFUSAL_GROUND: "Versagungsgrund",
    DeceptionEffect.NONE_YET: "Noch keine Rechtsfolge",
    SanctionKind.FINE: "Geldstrafe",
    SanctionKind.CUSTODIAL: "Freiheitsstrafe",
    SanctionKind.JUVENILE_MEASURES: "Erziehungsmaßregeln oder Zuchtmittel (JGG)",
    SanctionKind.WARNING_WITH_RESERVED_FINE: "Verwarnung mit Strafvorbehalt",
    EmploymentScope.ANY_EMPLOYMENT: "Jede Beschäftigung",
    EmploymentScope.SPECIFIC_EMPLOYER: "Bestimmte Beschäftigung",
    EmploymentScope.TRAINING_ONLY: "Nur Ausbildung",
    EmploymentScope.SELF_EMPLOYMENT: "Selbständige Tätigkeit",
    DepartureBasis.ILLEGAL_ENTRY: "Unerlaubte Einreise (§ 58 Abs. 2 S. 1 Nr. 1)",
    DepartureBasis.NO_TITLE_APPLIED: "Kein Titel beantragt (§ 58 Abs. 2 S. 1 Nr. 2)",
    DepartureBasis.DEPARTURE_DEADLINE_PASSED: "Ausreisefrist abgelaufen (§ 58 Abs. 2 S. 1 Nr. 3)",
    DepartureBasis.ENFORCEABLE_DECISION: "Vollziehbare Entscheidung (§ 58 Abs. 2 S. 2)",
    RefusalGround.PREREQUISITES_NOT_MET: "Tatbestandsvoraussetzungen nicht erfüllt",
    RefusalGround.IDENTITY_UNCLARIFIED: "Identität ungeklärt",
    RefusalGround.LIVELIHOOD_NOT_SECURED: "Lebensunterhalt nicht gesichert",
    RefusalGround.CONVICTION: "Verurteilung",
    RefusalGround.DECEPTION: "Täuschung",
    RefusalGround.SECURITY: "Sicherheitsbedenken",
    RefusalGround.EXPULSION_INTEREST: "Ausweisungsinteresse",
    RefusalGround.DEADLINE_MISSED: "Frist versäumt",
    FileClosureReason.MOVED_AWAY: "Wegzug in einen anderen Bezirk",
    FileClosureReason.DEPARTED: "Ausreise",
    FileClosureReason.NATURALISED: "Einbürgerung",
    FileClosureReason.DECEASED: "Verstorben",
    ExamBody.TELC: "telc",
    ExamBody.GOETHE: "Goethe-Institut",
    ExamBody.OESD: "ÖSD",
    ExamBody.TESTDAF: "TestDaF-Institut",
    ExamBody.ECL: "ECL",
    ExamBody.BAMF_DTZ: "Deutsch-Test für Zuwanderer (BAMF)",
    ExamBody.GERMAN_SCHOOL: "Schulabschluss an einer deutschen Schule",
    CounsellingTopic.RESIDENCE_PERSPECTIVE: "Aufenthaltsperspektive",
    CounsellingTopic.IDENTITY_AND_PASSPORT: "Identitätsklärung und Passbeschaffung",
    CounsellingTopic.LANGUAGE_COURSE: "Sprachkurs",
    CounsellingTopic.SCHOOL: "Schule",
    CounsellingTopic.TRAINING: "Ausbildung",
    CounsellingTopic.WORK: "Arbeit",
    CounsellingTopic.LIVELIHOOD: "Lebensunterhalt",
    CounsellingTopic.HOUSING: "Wohnen",
    CounsellingTopic.FAMILY: "Familie",
    CounsellingTopic.HEALTH: "Gesundheit",
    CounsellingTopic.NATURALISATION: "Einbürgerung",
    CounsellingTopic.RETURN: "Rückkehr",
}
