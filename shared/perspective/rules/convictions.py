"""Conviction prerequisites: the AufenthG threshold (50/90 Tagessätze) and § 12a StAG."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.facts import Conviction
from shared.perspective.results import PrerequisiteResult, Status
from shared.perspective.rules.common import UNKNOWN_DE, reads
from shared.perspective.rules.model import Prerequisite, Reason, Req, RuleContext

# §§ 104c, 60c, 60d, 19d AufenthG: fines for intentional offences of up to 50
# Tagessätze in total, or up to 90 for offences only foreigners can commit (AufenthG,
# AsylG), are disregarded as a rule [V S1, S15]. Custodial sentences never are.
GENERAL_LIMIT = 50
FOREIGNER_ONLY_LIMIT = 90
# § 12a Abs. 1 StAG: fines up to 90 Tagessätze and suspended sentences up to three
# months are disregarded, not if the motive was hateful [V S18, S19].
STAG_LIMIT_DAYS = 90
# [U] awaiting legal review: § 12a Abs. 1 S. 3 adds several convictions up; a month of
# a suspended sentence is taken as 30 days, one Tagessatz as one day (§ 43 StGB).
DAYS_PER_MONTH = 30


def _relevant(ctx: RuleContext) -> list[Conviction] | None:
    """Convictions by the decision date; JGG measures are no sentence and never count."""
    if ctx.facts.convictions is None:
        return None
    return [c for c in ctx.facts.convictions if c.convicted_on <= ctx.decision_on and not c.juvenile_measures_only]


def _aufenthg_sums(convictions: Sequence[Conviction], pessimistic: bool) -> tuple[int, int, bool]:
    """(general Tagessätze, foreigner-only Tagessätze, custodial sentence) in one scenario."""
    general = foreigner_only = 0
    custodial = False
    for c in convictions:
        if not (c.intentional if c.intentional is not None else pessimistic):
            continue  # negligent offences are outside the threshold rule
        custodial = custodial or bool(c.prison_months)
        only_foreigners = c.foreigner_only_offence if c.foreigner_only_offence is not None else not pessimistic
        if only_foreigners:
            foreigner_only += c.daily_rates or 0
        else:
            general += c.daily_rates or 0
    return general, foreigner_only, custodial


def _within(general: int, foreigner_only: int, custodial: bool, assumptions: LegalAssumptions, minor: bool) -> bool:
    if custodial:
        return False
    if not minor:
        return general + foreigner_only == 0
    if assumptions.conviction_pots_separate:
        return general <= GENERAL_LIMIT and foreigner_only <= FOREIGNER_ONLY_LIMIT
    limit = GENERAL_LIMIT if general else FOREIGNER_ONLY_LIMIT
    return general + foreigner_only <= limit


def always_disregarded(ctx: RuleContext) -> bool:
    """Minor fines are disregarded (the rule of §§ 104c, 60c, 60d, 19d [V S1, S15])."""
    return True


def conviction_threshold(
    req: Req, minor_fines_disregarded: Callable[[RuleContext], bool] = always_disregarded
) -> Prerequisite:
    """No intentional conviction beyond 50 Tagessätze (90 for foreigner-only offences).

    Where `minor_fines_disregarded` says no, any intentional conviction counts.
    """
    req = reads(req, "convictions")

    def check(ctx: RuleContext) -> PrerequisiteResult:
        convictions = _relevant(ctx)
        if convictions is None:
            return req.result(Status.UNKNOWN, UNKNOWN_DE)
        minor = minor_fines_disregarded(ctx)
        worst = _aufenthg_sums(convictions, pessimistic=True)
        best = _aufenthg_sums(convictions, pessimistic=False)
        general, foreigner_only, custodial = worst
        limits = f"(Grenze {GENERAL_LIMIT}" if minor else "(keine Bagatellgrenze"
        detail = (
            f"Geldstrafen: {general} Tagessätze allgemein {limits}), {foreigner_only} Tagessätze nur von "
            f"Ausländern begehbar{f' (Grenze {FOREIGNER_ONLY_LIMIT})' if minor else ''}"
            f"{'; Freiheitsstrafe' if custodial else ''}."
        )
        if _within(*worst, ctx.assumptions, minor):
            return req.result(Status.MET, "Keine beachtliche Verurteilung. " + detail)
        if not _within(*best, ctx.assumptions, minor):
            return req.result(Status.NOT_MET, "Schwelle überschritten. " + detail)
        return req.result(Status.UNKNOWN, "Vorsatz oder Art der Straftat nicht erfasst. " + detail)

    return Prerequisite(req, check)


def _stag_days(convictions: Sequence[Conviction], pessimistic: bool) -> int | None:
    """Days to weigh under § 12a in one scenario; None if a conviction can never be ignored."""
    total = 0
    for c in convictions:
        if c.hate_motive if c.hate_motive is not None else pessimistic:
            return None  # § 12a Abs. 1 S. 2: hateful motives are never disregarded
        if c.prison_months:
            if not (c.suspended if c.suspended is not None else not pessimistic):
                return None
            total += round(c.prison_months * DAYS_PER_MONTH)
        total += c.daily_rates or 0
    return total


def stag_12a(req: Req) -> Prerequisite:
    """No conviction beyond the § 12a StAG limits (90 Tagessätze / 3 months suspended)."""
    req = reads(req, "convictions")

    def check(ctx: RuleContext) -> PrerequisiteResult:
        convictions = _relevant(ctx)
        if convictions is None:
            return req.result(Status.UNKNOWN, UNKNOWN_DE)
        worst, best = _stag_days(convictions, pessimistic=True), _stag_days(convictions, pessimistic=False)
        if worst is not None and worst <= STAG_LIMIT_DAYS:
            return req.result(Status.MET, f"Außer Betracht (§ 12a): insgesamt {worst} Tage/Tagessätze.")
        if best is None or best > STAG_LIMIT_DAYS:
            return req.result(
                Status.NOT_MET,
                "Verurteilung über den Grenzen des § 12a Abs. 1 StAG oder aus menschenverachtenden Beweggründen.",
            )
        return req.result(Status.UNKNOWN, "Bewährung oder Beweggründe nicht erfasst.")

    return Prerequisite(req, check)


PUBLIC_SAFETY_WEIGHING = Reason(
    de="Bei Verurteilungen wägt die Behörde Gefahr und Bleibeinteressen ab (§ 9 Abs. 2 S. 1 Nr. 4 AufenthG).",
    en="With convictions the authority weighs the danger against the interests in staying.",
)


def public_safety_review(req: Req) -> Prerequisite:
    """§ 9 Abs. 2 Nr. 4: without convictions met; with any, a weighing for the authority."""
    req = replace(reads(req, "convictions"), discretion=PUBLIC_SAFETY_WEIGHING)

    def check(ctx: RuleContext) -> PrerequisiteResult:
        convictions = _relevant(ctx)
        if convictions is None:
            return req.result(Status.UNKNOWN, UNKNOWN_DE)
        if convictions:
            return req.result(
                Status.UNKNOWN, f"{len(convictions)} Verurteilung(en): Abwägung durch die Behörde erforderlich."
            )
        return req.result(Status.MET, "Keine Verurteilungen erfasst.")

    return Prerequisite(req, check)
