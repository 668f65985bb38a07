"""Reusable predicates: flags, language, civic knowledge, livelihood, deception, status."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import date

from shared.perspective.dates import de
from shared.perspective.facts import CaseFacts, CefrLevel, Flag, StatusInterval, StatusKind
from shared.perspective.norms import norm_de
from shared.perspective.results import PrerequisiteResult, Status, all_of, any_of, negate
from shared.perspective.rules.model import Prerequisite, Req, RuleContext

UNKNOWN_DE = "Keine Angabe erfasst."
EXEMPTION_DE = " Ausnahme wegen Krankheit oder Behinderung geltend gemacht – Prüfung durch die Behörde."


def reads(req: Req, *fields: str) -> Req:
    """`req` declaring that it also reads `fields` (kept in order, without repeats)."""
    return replace(req, facts=tuple(dict.fromkeys((*req.facts, *fields))))


def known(value: bool | None) -> Status:
    """A recorded yes/no as a status (unknown if not recorded)."""
    return Status.UNKNOWN if value is None else (Status.MET if value else Status.NOT_MET)


def flag_status(flag: Flag | None, at: date, *, want: bool = True) -> Status:
    """Whether a flag has the wanted value on `at` (unknown if the flag is unknown)."""
    if flag is None:
        return Status.UNKNOWN
    return Status.MET if flag.holds_on(at) == want else Status.NOT_MET


def texts(status: Status, met_de: str, not_met_de: str, unknown_de: str = UNKNOWN_DE) -> str:
    """The detail text for a status."""
    return {Status.MET: met_de, Status.NOT_MET: not_met_de}.get(status, unknown_de)


def flag_predicate(req: Req, field: str, *, met_de: str, not_met_de: str, want: bool = True) -> Prerequisite:
    """A prerequisite that is one flag (the CaseFacts field `field`) having the wanted value at the decision."""
    req = reads(req, field)

    def check(ctx: RuleContext) -> PrerequisiteResult:
        flag: Flag | None = getattr(ctx.facts, field)
        status = flag_status(flag, ctx.decision_on, want=want)
        return req.result(status, texts(status, met_de, not_met_de))

    return Prerequisite(req, check)


def exempted(ctx: RuleContext, status: Status, detail: str) -> tuple[Status, str]:
    """A claimed health exemption turns "not met" into a question for the authority.

    A claim is the person's own step (A9, only on request), so None means no claim
    was made and the requirement applies as it stands.
    """
    claim = ctx.facts.health_exemption_claimed
    if status is Status.NOT_MET and claim is not None and claim.holds_on(ctx.decision_on):
        return Status.UNKNOWN, detail + EXEMPTION_DE
    return status, detail


def language_status(facts: CaseFacts, level: CefrLevel, at: date) -> tuple[Status, CefrLevel | None]:
    """Whether a certificate of at least `level` was obtained by `at`, and the best level."""
    if facts.language_certificates is None:
        return Status.UNKNOWN, None
    held = [c.level for c in facts.language_certificates if c.obtained_on <= at]
    best = max(held, key=lambda level_: level_.rank, default=None)
    return (Status.MET if best is not None and best.rank >= level.rank else Status.NOT_MET), best


def language(req: Req, level: CefrLevel, *, exemptable: bool = True) -> Prerequisite:
    """German at `level` or above, proven by a certificate."""
    req = reads(req, "language_certificates", *(["health_exemption_claimed"] if exemptable else []))

    def check(ctx: RuleContext) -> PrerequisiteResult:
        status, best = language_status(ctx.facts, level, ctx.decision_on)
        detail = texts(status, f"Nachweis {best} liegt vor.", f"Kein Nachweis {level} (höchster: {best or 'keiner'}).")
        if exemptable:
            status, detail = exempted(ctx, status, detail)
        return req.result(status, detail)

    return Prerequisite(req, check)


def civic_test_passed(facts: CaseFacts, at: date) -> Status:
    """Any LiD or naturalisation test passed by `at`."""
    if facts.civic_tests is None:
        return Status.UNKNOWN
    return Status.MET if any(t.passed_on <= at for t in facts.civic_tests) else Status.NOT_MET


def german_school_qualification(facts: CaseFacts) -> Status:
    """A German school-leaving or vocational qualification from school."""
    if facts.schooling is None or facts.schooling.german_qualification is None:
        return Status.UNKNOWN
    return Status.MET if facts.schooling.german_qualification else Status.NOT_MET


KNOWLEDGE_FACTS = ("integration_course_completed", "civic_tests", "schooling", "german_vocational_qualification")


def basic_knowledge(req: Req) -> Prerequisite:
    """Basic knowledge of the legal and social order: course, LiD test or German education."""
    req = reads(req, *KNOWLEDGE_FACTS, "health_exemption_claimed")

    def check(ctx: RuleContext) -> PrerequisiteResult:
        facts, at = ctx.facts, ctx.decision_on
        status = any_of(
            flag_status(facts.integration_course_completed, at),
            civic_test_passed(facts, at),
            german_school_qualification(facts),
            flag_status(facts.german_vocational_qualification, at),
        )
        detail = texts(
            status,
            "Nachweis durch Integrationskurs, Test oder deutschen Abschluss.",
            "Weder Integrationskurs, Test noch deutscher Abschluss nachgewiesen.",
            "Nachweise teilweise nicht erfasst.",
        )
        return req.result(*exempted(ctx, status, detail))

    return Prerequisite(req, check)


def coverage_status(facts: CaseFacts, minimum: float) -> Status:
    """Own income covers at least `minimum` of the need."""
    if facts.livelihood is None or facts.livelihood.coverage_ratio is None:
        return Status.UNKNOWN
    return Status.MET if facts.livelihood.coverage_ratio >= minimum else Status.NOT_MET


def no_benefits_status(facts: CaseFacts) -> Status:
    """No SGB II/XII benefits are received."""
    if facts.livelihood is None or facts.livelihood.receives_sgb2_or_12 is None:
        return Status.UNKNOWN
    return Status.NOT_MET if facts.livelihood.receives_sgb2_or_12 else Status.MET


def livelihood_secured(req: Req, *, exemptable: bool = False) -> Prerequisite:
    """Livelihood fully secured without SGB II/XII benefits."""
    req = reads(req, "livelihood", *(["health_exemption_claimed"] if exemptable else []))

    def check(ctx: RuleContext) -> PrerequisiteResult:
        status = all_of(coverage_status(ctx.facts, 1.0), no_benefits_status(ctx.facts))
        detail = texts(status, "Lebensunterhalt gesichert.", "Lebensunterhalt nicht (vollständig) gesichert.")
        return req.result(*(exempted(ctx, status, detail) if exemptable else (status, detail)))

    return Prerequisite(req, check)


BOTH_KINDS = frozenset({"deception", "obstruction"})


def no_deception(
    req: Req, *, require_prevented: bool, not_met_de: str, min_count: int = 1, kinds: frozenset[str] = BOTH_KINDS
) -> Prerequisite:
    """Fewer than `min_count` own deceptions/obstructions of `kinds` established by the decision."""
    req = reads(req, "deceptions")

    def check(ctx: RuleContext) -> PrerequisiteResult:
        if ctx.facts.deceptions is None:
            return req.result(Status.UNKNOWN, UNKNOWN_DE)
        found = [d for d in ctx.facts.deceptions if d.established_on <= ctx.decision_on and d.kind in kinds]
        effect_definite = [
            d for d in found if d.own is True and (d.prevented_deportation is True or not require_prevented)
        ]
        effect_possible = [
            d for d in found if d.own is not False and (d.prevented_deportation is not False or not require_prevented)
        ]
        if len(effect_definite) >= min_count:
            return req.result(Status.NOT_MET, not_met_de)
        if len(effect_possible) < min_count:
            return req.result(Status.MET, "Keine maßgebliche eigene Täuschung festgestellt.")
        return req.result(Status.UNKNOWN, "Feststellungen liegen vor; eigenes Verhalten oder Auswirkung offen.")

    return Prerequisite(req, check)


def integration_course_if_mandatory(req: Req) -> Prerequisite:
    """The integration course was completed if the person was obliged to attend."""
    req = reads(req, "integration_course_mandatory", "integration_course_completed")

    def check(ctx: RuleContext) -> PrerequisiteResult:
        facts, at = ctx.facts, ctx.decision_on
        status = any_of(
            negate(flag_status(facts.integration_course_mandatory, at)),
            flag_status(facts.integration_course_completed, at),
        )
        return req.result(
            status,
            texts(status, "Keine Pflicht oder Kurs abgeschlossen.", "Kurspflicht bestand, Kurs nicht abgeschlossen."),
        )

    return Prerequisite(req, check)


def statuses_on(ctx: RuleContext, at: date) -> list[StatusInterval] | None:
    """The statuses held on `at`; None if the history is unknown."""
    return None if ctx.facts.statuses is None else ctx.facts.statuses_on(at)


def holds(ctx: RuleContext, at: date, kinds: Collection[StatusKind], norm: str | None = None) -> Status:
    """Whether a status of `kinds` (and `norm`, if given) is held on `at`."""
    current = statuses_on(ctx, at)
    if current is None:
        return Status.UNKNOWN
    return Status.MET if any(s.kind in kinds and (norm is None or s.norm == norm) for s in current) else Status.NOT_MET


STATUS_DE = {
    StatusKind.DULDUNG_60A: "Duldung (§ 60a)",
    StatusKind.DULDUNG_60B: "Duldung für Personen mit ungeklärter Identität (§ 60b)",
    StatusKind.DULDUNG_60C: "Ausbildungsduldung (§ 60c)",
    StatusKind.DULDUNG_60D: "Beschäftigungsduldung (§ 60d)",
    StatusKind.GESTATTUNG: "Aufenthaltsgestattung",
    StatusKind.AUFENTHALTSERLAUBNIS: "Aufenthaltserlaubnis",
    StatusKind.FIKTION: "Fiktionsbescheinigung",
    StatusKind.NIEDERLASSUNGSERLAUBNIS: "Niederlassungserlaubnis",
}


def describe_statuses(current: list[StatusInterval] | None, at: date) -> str:
    """The statuses held on `at` in words."""
    if current is None:
        return "Statusverlauf unbekannt."
    names = ", ".join(STATUS_DE[s.kind] + (f" nach {norm_de(s.norm)}" if s.norm else "") for s in current)
    return f"Status am {de(at)}: {names or 'kein Status erfasst'}."
