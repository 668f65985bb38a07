"""§ 25a AufenthG: residence for well-integrated young people [V S3–S5]."""

from __future__ import annotations

import math
from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.dates import ONE_DAY, add_months, age_on, birthday, de
from shared.perspective.facts import DULDUNG_KINDS, StatusKind
from shared.perspective.norms import AUFENTHG_25A
from shared.perspective.results import Deadline, EvaluationInstant, PrerequisiteResult, Status, any_of
from shared.perspective.rules.common import (
    describe_statuses,
    exempted,
    flag_predicate,
    flag_status,
    german_school_qualification,
    holds,
    no_deception,
    statuses_on,
    texts,
)
from shared.perspective.rules.model import (
    DeadlineRule,
    Pathway,
    Prerequisite,
    Req,
    RuleContext,
    RuleVersion,
    prerequisite,
)
from shared.perspective.rules.stay import Route, duldung_only, holds_104c, period_predicate, residence, spans_of

REF = "§ 25a Abs. 1 S. 1 AufenthG"


STATUS_OLD = Req(
    "status", "Geduldet oder gestattet (Wechsel aus dem Asylverfahren möglich)", REF + " a.F.", facts=("statuses",)
)


@prerequisite(STATUS_OLD)
def _status_until_2022(ctx: RuleContext) -> PrerequisiteResult:
    """Before 31.12.2022 a tolerated person, or a switch from Gestattung [V S4]."""
    status = holds(ctx, ctx.decision_on, DULDUNG_KINDS | {StatusKind.GESTATTUNG})
    return STATUS_OLD.result(status, describe_statuses(statuses_on(ctx, ctx.decision_on), ctx.decision_on))


def _status(with_104c: bool) -> Prerequisite:
    """From 31.12.2022: a § 104c title, or a Duldung held for 12 months [V S4, S5]."""
    label = (
        "Aufenthaltserlaubnis nach § 104c oder seit 12 Monaten geduldet" if with_104c else "Seit 12 Monaten geduldet"
    )
    req = Req("status", label, REF + " Nr. 1", facts=("statuses",))
    duldung = period_predicate(req, [Route("Duldung", 12, spans_of(lambda ctx: duldung_only(ctx.assumptions)))])

    def check(ctx: RuleContext) -> PrerequisiteResult:
        tolerated = duldung(ctx)
        # [U] awaiting legal review: from 2026 the § 104c reference is struck [V S2].
        allowed = with_104c or ctx.assumptions.holders_104c_qualify_for_25a_after_2025
        holder = holds_104c(ctx, ctx.decision_on) if allowed else Status.NOT_MET
        detail = ("Aufenthaltserlaubnis nach § 104c. " if holder is Status.MET else "") + tolerated.detail_de
        return req.result(any_of(holder, tolerated.status), detail, tolerated.earliest_met_on)

    return Prerequisite(req, check)


def _stay(years: int) -> Prerequisite:
    """Uninterrupted permitted, tolerated or gestattet stay; § 60b time only for § 104c holders [V S1]."""
    req = Req("stay", f"{years} Jahre ununterbrochen erlaubt, geduldet oder gestattet", REF + " Nr. 2")
    route = Route(
        "Voraufenthalt",
        12 * years,
        spans_of(lambda ctx: residence(holds_104c(ctx, ctx.decision_on) is Status.MET, ctx.assumptions)),
        lambda ctx: ctx.assumptions.gap_tolerance_months_25a,  # [U] awaiting legal review: tolerance
    )
    return period_predicate(req, [route])


def _schooling(years: int) -> Prerequisite:
    """Usually `years` of successful schooling in Germany or a German qualification."""
    req = Req(
        "schooling",
        f"{years} Jahre erfolgreicher Schulbesuch oder deutscher Abschluss",
        REF + " Nr. 3",
        facts=("schooling", "german_vocational_qualification", "health_exemption_claimed"),
    )

    def check(ctx: RuleContext) -> PrerequisiteResult:
        school = ctx.facts.schooling
        done = None if school is None else school.successful_years
        by_years = Status.UNKNOWN if done is None else (Status.MET if done >= years else Status.NOT_MET)
        vocational = flag_status(ctx.facts.german_vocational_qualification, ctx.decision_on)
        status = any_of(by_years, german_school_qualification(ctx.facts), vocational)
        detail = texts(
            status, "Schulbesuch oder Abschluss nachgewiesen.", f"{done or 0} von {years} Schuljahren, kein Abschluss."
        )
        earliest = None
        if school and done is not None and school.attending and by_years is Status.NOT_MET:
            earliest = add_months(school.as_of, math.ceil((years - done) * 12))
            detail += f" Bei fortgesetztem Schulbesuch voraussichtlich am {de(earliest)}."
        status, detail = exempted(ctx, status, detail)
        return req.result(status, detail, earliest if earliest and earliest > ctx.decision_on else None)

    return Prerequisite(req, check)


def _age(limit: int) -> Prerequisite:
    """The application is filed before the `limit`th year of life is completed: judged at application [V S4].

    The year is completed at the end of the day before the birthday; born on 29.2.,
    at the end of 28.2. in a common year (§§ 187 Abs. 2, 188 Abs. 2, 3 BGB, see
    dates.birthday), so an application on 28.2. is still in time.
    """
    req = Req(
        "age_at_application",
        f"Antrag vor dem {limit}. Geburtstag",
        REF + " Nr. 4",
        facts=("birth_date", "applications"),
    )

    def check(ctx: RuleContext) -> PrerequisiteResult:
        birth = ctx.facts.birth_date
        if birth is None:
            return req.result(Status.UNKNOWN, "Geburtsdatum unbekannt.")
        at, completed = ctx.instant_on, birthday(birth, limit)
        filed = "gestellt" if ctx.application_recorded else "unterstellt"
        detail = f"Antrag {filed} am {de(at)} im Alter von {age_on(birth, at)}; {limit}. Geburtstag am {de(completed)}."
        return req.result(Status.MET if at < completed else Status.NOT_MET, detail)

    return Prerequisite(req, check)


def _age_deadline(limit: int) -> DeadlineRule:
    def deadlines(ctx: RuleContext) -> list[Deadline]:
        birth = ctx.facts.birth_date
        if birth is None or ctx.application_recorded:
            return []
        last_day = birthday(birth, limit) - ONE_DAY
        label = f"Letzter Tag für den Antrag (vor dem {limit}. Geburtstag)"
        return (
            [Deadline(key="age_limit", label_de=label, on=last_day, legal_reference=REF)]
            if last_day >= ctx.decision_on
            else []
        )

    return deadlines


def _common(years: int, age: int, status: Prerequisite) -> tuple[Prerequisite, ...]:
    return (
        status,
        _stay(years),
        _schooling(years),
        _age(age),
        flag_predicate(
            Req("integration_prognosis", "Positive Integrationsprognose", REF + " Nr. 5"),
            "integration_prognosis_positive",
            met_de="Prognose positiv.",
            not_met_de="Prognose nicht positiv.",
        ),
        flag_predicate(
            Req("no_extremism", "Keine Anhaltspunkte gegen das Bekenntnis zur fdGO", REF + " Nr. 6"),
            "extremism_indications",
            want=False,
            met_de="Keine Anhaltspunkte.",
            not_met_de="Anhaltspunkte liegen vor.",
        ),
        # Mandatory refusal for one's own deception, not the parents' [V S3, S4].
        no_deception(
            Req(
                "no_own_deception", "Abschiebung nicht wegen eigener Täuschung ausgesetzt", "§ 25a Abs. 1 S. 3 AufenthG"
            ),
            require_prevented=True,
            kinds=frozenset({"deception"}),
            not_met_de="Zwingender Versagungsgrund: eigene Täuschung über Identität oder Staatsangehörigkeit.",
        ),
        flag_predicate(
            Req("passport", "Pass oder Passersatz (Regelvoraussetzung)", "§ 5 Abs. 1 Nr. 4 AufenthG"),
            "passport_present",
            met_de="Pass liegt vor.",
            not_met_de="Kein Pass; Absehen nur im Ermessen (§ 5 Abs. 3 S. 2).",
        ),
    )


NOTES = (
    "Leistungsbezug während Schule, Ausbildung oder Studium ist unschädlich (§ 25a Abs. 1 S. 2).",
    "Abs. 2 (Aufenthaltserlaubnis für Eltern und Geschwister) ist nicht modelliert; "
    "Duldung der Eltern und Geschwister eines Minderjährigen: Pfad § 60a Abs. 2b.",
)


def _version(since: date, until: date | None, years: int, age: int, status: Prerequisite, label: str) -> RuleVersion:
    return RuleVersion(
        id=f"{AUFENTHG_25A}@{since.isoformat()}",
        norm=AUFENTHG_25A,
        label_de=label,
        valid_from=since,
        valid_to=until,
        evaluation_instant=EvaluationInstant.APPLICATION,
        predicates=_common(years, age, status),
        deadlines=(_age_deadline(age),),
        notes_de=NOTES,
    )


V2015 = _version(
    date(2015, 8, 1), date(2022, 12, 30), 4, 21, _status_until_2022, "§ 25a AufenthG i.d.F. vom 01.08.2015"
)
V2022 = _version(date(2022, 12, 31), date(2025, 12, 31), 3, 27, _status(True), "§ 25a AufenthG i.d.F. vom 31.12.2022")
V2026 = _version(date(2026, 1, 1), None, 3, 27, _status(False), "§ 25a AufenthG i.d.F. vom 01.01.2026")


def versions(assumptions: LegalAssumptions) -> tuple[RuleVersion, ...]:
    """The versions of § 25a."""
    return (V2015, V2022, V2026)


PATHWAY = Pathway(
    AUFENTHG_25A,
    "Aufenthaltserlaubnis für gut integrierte Jugendliche und junge Volljährige (§ 25a AufenthG)",
    versions,
)
