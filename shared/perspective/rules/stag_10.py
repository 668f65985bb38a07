"""§ 10 StAG: naturalisation by entitlement, three versions [V S18–S21]."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.facts import DULDUNG_KINDS, CaseFacts, CefrLevel, StatusInterval, StatusKind
from shared.perspective.norms import STAG_10
from shared.perspective.periods import Category
from shared.perspective.results import EvaluationInstant, PrerequisiteResult, Status, all_of, any_of
from shared.perspective.rules.common import (
    UNKNOWN_DE,
    describe_statuses,
    exempted,
    flag_predicate,
    flag_status,
    german_school_qualification,
    language,
    language_status,
    no_benefits_status,
    statuses_on,
    texts,
)
from shared.perspective.rules.convictions import stag_12a
from shared.perspective.rules.model import Pathway, Prerequisite, Req, RuleContext, RuleVersion, prerequisite
from shared.perspective.rules.stay import Route, always, period_predicate, spans_of

REF = "§ 10 Abs. 1 S. 1 StAG"
V2024_FROM, V2025_FROM = date(2024, 6, 27), date(2025, 10, 30)


def lawful_stay(facts: CaseFacts, assumptions: LegalAssumptions) -> Callable[[StatusInterval], Category]:
    """Lawful habitual stay: titles and Fiktion count [V S18]; Duldung is not lawful and breaks."""
    asylum = facts.asylum_granted

    def classify(s: StatusInterval) -> Category:
        if s.kind in DULDUNG_KINDS:
            return Category.BREAKS
        if s.kind is not StatusKind.GESTATTUNG:
            return Category.COUNTS
        # [U] awaiting legal review: Gestattung counts only once asylum was granted.
        if not assumptions.stag_gestattung_counts_if_asylum_granted:
            return Category.NEUTRAL
        return Category.UNKNOWN if asylum is None else (Category.COUNTS if asylum.value else Category.NEUTRAL)

    return classify


def _route(label: str, years: int, condition: Callable[[RuleContext], Status] = always, *condition_facts: str) -> Route:
    spans = spans_of(lambda ctx: lawful_stay(ctx.facts, ctx.assumptions), "asylum_granted")
    return Route(label, 12 * years, spans, _tolerance, condition, condition_facts)


def _tolerance(ctx: RuleContext) -> int:
    return ctx.assumptions.stag_gap_tolerance_months  # [U] awaiting legal review: § 12b StAG


def _c1_route(ctx: RuleContext) -> Status:
    """§ 10 Abs. 3 (27.6.2024–29.10.2025): C1 (+ [U] special integration achievements)."""
    c1, _ = language_status(ctx.facts, CefrLevel.C1, ctx.decision_on)
    special = flag_status(ctx.facts.special_integration_achievements, ctx.decision_on)
    return all_of(c1, special) if ctx.assumptions.stag_three_years_requires_special_integration else c1


def _old_course(ctx: RuleContext) -> Status:
    return flag_status(ctx.facts.integration_course_completed, ctx.decision_on)


def _old_special(ctx: RuleContext) -> Status:
    # [U] awaiting legal review: which language level counted as a special achievement.
    level, _ = language_status(ctx.facts, ctx.assumptions.stag_old_special_language_level, ctx.decision_on)
    return any_of(level, flag_status(ctx.facts.special_integration_achievements, ctx.decision_on))


STAY_REQ = Req("lawful_stay", "Rechtmäßiger gewöhnlicher Aufenthalt", REF)
STAY_OLD = period_predicate(
    STAY_REQ,
    [
        _route("Regelfall", 8),
        _route("Integrationskurs", 7, _old_course, "integration_course_completed"),
        _route(
            "Besondere Integrationsleistungen",
            6,
            _old_special,
            "language_certificates",
            "special_integration_achievements",
        ),
    ],
)
STAY_2024 = period_predicate(
    STAY_REQ,
    [
        _route("Regelfall", 5),
        _route(
            "Besondere Integration mit C1 (§ 10 Abs. 3)",
            3,
            _c1_route,
            "language_certificates",
            "special_integration_achievements",
        ),
    ],
)
STAY_2025 = period_predicate(STAY_REQ, [_route("Regelfall", 5)])


IDENTITY = Req(
    "identity_nationality",
    "Identität und Staatsangehörigkeit geklärt",
    REF,
    facts=("identity_clarified", "nationality_clarified"),
)


@prerequisite(IDENTITY)
def _identity(ctx: RuleContext) -> PrerequisiteResult:
    req = IDENTITY
    at = ctx.decision_on
    status = all_of(flag_status(ctx.facts.identity_clarified, at), flag_status(ctx.facts.nationality_clarified, at))
    return req.result(status, texts(status, "Geklärt.", "Identität oder Staatsangehörigkeit ungeklärt."))


def _fdgo(historical: bool) -> Prerequisite:
    label = "Bekenntnis zur fdGO" + (" und zur historischen Verantwortung Deutschlands" if historical else "")
    facts = ("fdgo_declaration", "historical_responsibility_commitment") if historical else ("fdgo_declaration",)
    req = Req("fdgo_declaration", label, REF + " Nr. 1", facts=facts)

    def check(ctx: RuleContext) -> PrerequisiteResult:
        at = ctx.decision_on
        parts = [flag_status(ctx.facts.fdgo_declaration, at)]
        # [U] awaiting legal review: the 2024 historical-responsibility commitment.
        if historical and ctx.assumptions.stag_historical_responsibility_required:
            parts.append(flag_status(ctx.facts.historical_responsibility_commitment, at))
        status = all_of(*parts)
        return req.result(status, texts(status, "Bekenntnis abgegeben.", "Bekenntnis fehlt."))

    return Prerequisite(req, check)


QUALIFYING_TITLE = Req(
    "qualifying_title",
    "Unbefristetes Aufenthaltsrecht oder einbürgerungsfähige Aufenthaltserlaubnis",
    REF + " Nr. 2",
    facts=("statuses",),
)


@prerequisite(QUALIFYING_TITLE)
def _qualifying_title(ctx: RuleContext) -> PrerequisiteResult:
    """A permanent right or a qualifying title; [U] not § 104c or § 25 Abs. 3–5."""
    req = QUALIFYING_TITLE
    at = ctx.decision_on
    current = statuses_on(ctx, at)
    detail = describe_statuses(current, at)
    if current is None:
        return req.result(Status.UNKNOWN, detail)
    excluded = ctx.assumptions.stag_non_qualifying_norms  # [U] awaiting legal review

    def one(s: StatusInterval) -> Status:
        if s.kind is StatusKind.NIEDERLASSUNGSERLAUBNIS:
            return Status.MET
        if s.kind not in (StatusKind.AUFENTHALTSERLAUBNIS, StatusKind.FIKTION):
            return Status.NOT_MET
        return Status.UNKNOWN if s.norm is None else (Status.NOT_MET if s.norm in excluded else Status.MET)

    return req.result(any_of(*(one(s) for s in current)), detail)


def _livelihood(old: bool) -> Prerequisite:
    """Without SGB II/XII; before 27.6.2024 unless not attributable, since then only the listed exceptions."""
    req = Req("livelihood", "Lebensunterhalt ohne Leistungen nach SGB II/XII", REF + " Nr. 3", facts=("livelihood",))

    def check(ctx: RuleContext) -> PrerequisiteResult:
        living = ctx.facts.livelihood
        if living is None:
            return req.result(Status.UNKNOWN, UNKNOWN_DE)

        def known(value: bool | None) -> Status:
            return Status.UNKNOWN if value is None else (Status.MET if value else Status.NOT_MET)

        if old:
            exception = known(living.benefits_not_attributable)
        else:
            months = living.fulltime_months_last_24
            worked = Status.UNKNOWN if months is None else (Status.MET if months >= 20 else Status.NOT_MET)
            exception = any_of(
                known(living.guest_worker_generation), worked, known(living.spouse_fulltime_with_minor_child)
            )
        status = any_of(no_benefits_status(ctx.facts), exception)
        return req.result(
            status, texts(status, "Kein Leistungsbezug oder Ausnahme erfüllt.", "Leistungsbezug ohne Ausnahme.")
        )

    return Prerequisite(req, check)


def _test_status(ctx: RuleContext) -> Status:
    """A naturalisation test, or a LiD test with enough points ([U] threshold)."""
    if ctx.facts.civic_tests is None:
        return Status.UNKNOWN
    points = ctx.assumptions.lid_points_for_naturalisation  # [U] awaiting legal review
    passed = [t for t in ctx.facts.civic_tests if t.passed_on <= ctx.decision_on]
    if any(t.kind == "einbuergerungstest" or (t.points is not None and t.points >= points) for t in passed):
        return Status.MET
    return Status.UNKNOWN if any(t.points is None for t in passed) else Status.NOT_MET


NATURALISATION_TEST = Req(
    "naturalisation_test",
    "Kenntnisse der Rechts- und Gesellschaftsordnung (Einbürgerungstest)",
    REF + " Nr. 7",
    facts=("civic_tests", "schooling", "health_exemption_claimed"),
)


@prerequisite(NATURALISATION_TEST)
def _naturalisation_test(ctx: RuleContext) -> PrerequisiteResult:
    req = NATURALISATION_TEST
    # [U] awaiting legal review: a German school qualification replaces the test.
    replaces = ctx.assumptions.stag_school_qualification_replaces_test
    school = german_school_qualification(ctx.facts) if replaces else Status.NOT_MET
    status = any_of(_test_status(ctx), school)
    return req.result(*exempted(ctx, status, texts(status, "Nachweis liegt vor.", "Kein Einbürgerungstest.")))


def _predicates(stay: Prerequisite, *, old: bool, historical: bool) -> tuple[Prerequisite, ...]:
    common = (
        stay,
        _identity,
        _fdgo(historical),
        _qualifying_title,
        _livelihood(old),
        stag_12a(Req("convictions", "Keine Verurteilung über den Grenzen des § 12a", REF + " Nr. 5, § 12a StAG")),
        language(Req("german_b1", "Ausreichende Deutschkenntnisse (B1)", REF + " Nr. 6"), CefrLevel.B1),
        _naturalisation_test,
    )
    renounce = flag_predicate(
        Req(
            "renunciation", "Aufgabe der bisherigen Staatsangehörigkeit (oder Ausnahme nach § 12)", REF + " Nr. 4 a.F."
        ),
        "nationality_renunciation_ensured",
        met_de="Aufgabe gesichert oder Ausnahme.",
        not_met_de="Aufgabe nicht gesichert.",
    )
    return (*common, renounce) if old else common


def _version(
    since: date, until: date | None, predicates: tuple[Prerequisite, ...], label: str, *notes: str
) -> RuleVersion:
    return RuleVersion(
        id=f"{STAG_10}@{since.isoformat()}",
        norm=STAG_10,
        label_de=label,
        valid_from=since,
        valid_to=until,
        evaluation_instant=EvaluationInstant.DECISION,
        predicates=predicates,
        notes_de=("Ausnahmen nach § 10 Abs. 6 (Krankheit, Behinderung, Alter) prüft die Behörde.", *notes),
    )


V2007 = _version(
    date(2007, 8, 28),
    date(2024, 6, 26),
    _predicates(STAY_OLD, old=True, historical=False),
    "§ 10 StAG i.d.F. bis 26.06.2024",
)
V2024 = _version(
    V2024_FROM,
    date(2025, 10, 29),
    _predicates(STAY_2024, old=False, historical=True),
    "§ 10 StAG i.d.F. vom 27.06.2024",
    "Mehrstaatigkeit ist zulässig.",
    "Verkürzung auf drei Jahre ist Ermessen.",
)
V2025 = _version(
    V2025_FROM,
    None,
    _predicates(STAY_2025, old=False, historical=True),
    "§ 10 StAG i.d.F. vom 30.10.2025",
    "Mehrstaatigkeit ist zulässig.",
)


def versions(assumptions: LegalAssumptions) -> tuple[RuleVersion, ...]:
    """The versions of § 10 StAG."""
    return (V2007, V2024, V2025)


PATHWAY = Pathway(STAG_10, "Anspruchseinbürgerung (§ 10 StAG)", versions)
