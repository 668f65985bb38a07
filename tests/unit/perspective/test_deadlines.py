"""The deadlines of a case (``shared/perspective/deadlines.py``) and what a reader may see of them.

What is proven here: the days left count from today (0 today, the last day of a horizon
included, the day after not); a deadline missed up to 14 days ago stays, overdue, an older
one is gone; the list is sorted soonest first across kinds and cases; a consent that was
revoked or ended with the case's closure before its term has no expiry to watch; a pathway
deadline naming the same expiry as the summary is not listed twice; of a Duldung and a
residence permit the later issued one counts; and a reader without the field group
``consent`` does not see a consent's expiry (``shared/web/deadlines.py`` ``deadlines_of``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from shared.access import FieldGroup
from shared.access.decide import Reach, Rights
from shared.access.model import Grant, Scope
from shared.events.common import Purpose
from shared.http.access import Authorised
from shared.http.case_views import ReadableSummary
from shared.http.visibility import visible_summary
from shared.identity.principal import Principal
from shared.perspective.assumptions import LegalAssumptions
from shared.perspective.deadlines import (
    PAST_DUE_DAYS,
    CaseDeadline,
    DeadlineKind,
    case_deadlines,
    due_within,
    merged,
)
from shared.perspective.results import Deadline, PathwayResult, PathwayStatus, Perspective
from shared.policy.consent import ConsentState, PartyScope
from shared.projection.memory import InMemoryCaseHistoryStore
from shared.service import Service
from shared.web.deadlines import deadlines_of
from tests.support.projection_suite import Feed, opened, toleration
from tests.support.walk import apply, share_everything

TODAY = date(2026, 6, 1)
CASE = uuid4()


@dataclass(frozen=True)
class Title:
    """A Duldung or residence permit as the case summary shows it."""

    valid_from: date
    valid_until: date
    subtype: str = "60a"
    norm: str = "AufenthG_25b"


def until(days: int) -> Title:
    return Title(TODAY - timedelta(days=100), TODAY + timedelta(days=days))


def consent(days: int, **changes: object) -> ConsentState:
    values: dict[str, object] = {
        "consent_id": str(uuid4()),
        "purpose": Purpose.PREPARE_APPLICATION_25B,
        "valid_from": TODAY - timedelta(days=200),
        "valid_until": TODAY + timedelta(days=days),
        "scopes": {"foreign_office": PartyScope(categories=[])},
    }
    return ConsentState.model_validate(values | changes)


def perspective(*pathways: list[Deadline]) -> Perspective:
    return Perspective(
        evaluated_on=TODAY,
        assumptions=LegalAssumptions(),
        pathways=[
            PathwayResult(
                norm=f"AufenthG_{n}",
                label_de=f"Weg {n}",
                status=PathwayStatus.OPEN,
                rule_version_id=None,
                rule_version_label_de=None,
                version_valid_from=None,
                version_valid_to=None,
                evaluation_instant=None,
                evaluated_at=None,
                prerequisites=[],
                earliest_time_met_on=None,
                deadlines=deadlines,
                notes_de=[],
            )
            for n, deadlines in enumerate(pathways)
        ],
    )


def deadline(key: str, days: int, label: str = "Frist") -> Deadline:
    return Deadline(key=key, label_de=label, on=TODAY + timedelta(days=days), legal_reference="§ 1 AufenthG")


def days_of(found: list[CaseDeadline]) -> list[int]:
    return [d.days_left for d in found]


@pytest.mark.parametrize(
    ("days", "words"),
    [(0, "heute"), (1, "morgen"), (3, "in 3 Tagen"), (-1, "überfällig seit 1 Tag"), (-3, "überfällig seit 3 Tagen")],
)
def test_days_left_count_from_today_and_say_so_in_words(days: int, words: str) -> None:
    [found] = case_deadlines(CASE, TODAY, duldung=until(days))
    assert (found.on, found.days_left, found.when_de, found.overdue) == (
        TODAY + timedelta(days=days),
        days,
        words,
        days < 0,
    )
    assert (found.kind, found.kind_de, found.legal_reference) == (
        DeadlineKind.DULDUNG,
        "Duldung",
        "§ 60a Abs. 4 AufenthG",
    )


def test_a_horizon_includes_its_last_day_and_not_the_next() -> None:
    found = case_deadlines(CASE, TODAY, duldung=until(30), consents=[consent(31)])
    assert days_of(due_within(found, 30)) == [30]
    assert days_of(due_within(found, 31)) == [30, 31]


def test_a_missed_deadline_stays_for_fourteen_days_as_overdue() -> None:
    kept = case_deadlines(CASE, TODAY, duldung=until(-PAST_DUE_DAYS))
    assert days_of(kept) == [-14] and kept[0].overdue and kept[0].when_de == "überfällig seit 14 Tagen"
    assert case_deadlines(CASE, TODAY, duldung=until(-PAST_DUE_DAYS - 1)) == []
    assert days_of(due_within(kept, 30)) == [-14], "an overdue deadline is within any horizon"


def test_soonest_first_across_kinds_and_cases() -> None:
    other = uuid4()
    mine = case_deadlines(
        CASE,
        TODAY,
        residence_permit=until(40),
        consents=[consent(10)],
        perspective=perspective([deadline("identity_clarification", 5)]),
    )
    assert [(d.kind, d.days_left) for d in mine] == [
        (DeadlineKind.PATHWAY, 5),
        (DeadlineKind.CONSENT, 10),
        (DeadlineKind.RESIDENCE_PERMIT, 40),
    ]
    theirs = case_deadlines(other, TODAY, duldung=until(-2), consents=[consent(40)])
    listed = merged([mine, theirs])
    assert [(d.case_id, d.days_left) for d in listed] == [
        (other, -2),
        (CASE, 5),
        (CASE, 10),
        (CASE, 40),  # the same day: the residence permit before the consent
        (other, 40),
    ]
    assert listed[3].kind is DeadlineKind.RESIDENCE_PERMIT and listed[4].kind is DeadlineKind.CONSENT


def test_a_consent_ended_before_its_term_has_no_expiry_to_watch() -> None:
    revoked = consent(20, revoked_on=TODAY - timedelta(days=1))
    closed = consent(20, case_closed_on=TODAY)
    revoked_after = consent(20, revoked_on=TODAY + timedelta(days=25))
    found = case_deadlines(CASE, TODAY, consents=[revoked, closed, revoked_after])
    assert [d.key for d in found] == [f"consent:{revoked_after.consent_id}"]
    assert found[0].label_de == "Ablauf der Einwilligung: Antrag nach § 25b AufenthG vorbereiten"
    assert found[0].legal_reference == "Art. 6 Abs. 1 lit. a, Art. 7 DSGVO"


def test_a_pathway_deadline_is_listed_once() -> None:
    duldung = until(20)
    found = case_deadlines(
        CASE,
        TODAY,
        duldung=duldung,
        perspective=perspective(
            [deadline("duldung_expires", 20), deadline("identity_clarification", 8)],
            [deadline("identity_clarification", 8), deadline("rule_version_ends", 8, "Letzter Tag der Fassung")],
        ),
    )
    assert [(d.kind, d.key) for d in found] == [
        (DeadlineKind.PATHWAY, "identity_clarification"),
        (DeadlineKind.PATHWAY, "rule_version_ends"),
        (DeadlineKind.DULDUNG, "duldung"),
    ]


def test_of_a_duldung_and_a_residence_permit_the_later_issued_counts() -> None:
    duldung = Title(TODAY - timedelta(days=300), TODAY + timedelta(days=10))
    permit = Title(TODAY - timedelta(days=30), TODAY + timedelta(days=300))
    assert [d.kind for d in case_deadlines(CASE, TODAY, duldung=duldung, residence_permit=permit)] == [
        DeadlineKind.RESIDENCE_PERMIT
    ]
    later = Title(TODAY - timedelta(days=5), TODAY + timedelta(days=170), subtype="60c")
    [found] = case_deadlines(CASE, TODAY, duldung=later, residence_permit=permit)
    assert found.kind is DeadlineKind.DULDUNG
    assert found.legal_reference == "§ 60c AufenthG; § 60a Abs. 4 AufenthG"


READER = Principal(
    subject="s",
    staff_id="st-leser01",
    roles=frozenset(),
    groups=frozenset(),
    client_id="kim-web",
    is_service_account=False,
    expires_at=datetime(2100, 1, 1, tzinfo=UTC),
)


def test_a_reader_without_the_consent_group_does_not_see_a_consents_expiry() -> None:
    store = InMemoryCaseHistoryStore(Service.FOREIGN_OFFICE)
    feed = Feed(Service.FOREIGN_OFFICE)
    case = uuid4()
    records = [feed.record(share_everything(case, today=TODAY)), feed.record(opened(case), seconds=1)]
    records.append(feed.record(toleration(case, TODAY - timedelta(days=170)), seconds=2))
    apply(store, feed, records, today=TODAY)
    summary = store.summary(case)
    assert summary is not None and store.consents_of(case)

    def kinds(groups: set[FieldGroup]) -> list[DeadlineKind]:
        rights = Rights(Service.FOREIGN_OFFICE, {g: Grant(read=Scope.DEPARTMENT) for g in groups})
        who = Authorised.of(READER, rights, Reach(known=True, case_id=case))
        item = ReadableSummary(who, visible_summary(summary.view(), who.readable()))
        [found] = deadlines_of([item], store, TODAY, lambda _item: False)
        return [d.kind for d in found.deadlines]

    assert kinds({FieldGroup.STATUS, FieldGroup.CONSENT}) == [DeadlineKind.DULDUNG, DeadlineKind.CONSENT]
    assert kinds({FieldGroup.STATUS}) == [DeadlineKind.DULDUNG]
    assert kinds({FieldGroup.CONSENT}) == [DeadlineKind.CONSENT], "the Duldung is status data"
