"""The deadlines of the cases a page lists, read as the API reads, and logged when shown.

Per case, what the reader may see of it: the Duldung and residence permit of the summary
(field group ``status``), the consents this view holds (only to whoever may read the field
group ``consent``) and the pathway deadlines of the Perspektive evaluated on the entries
they may read (``shared/http/case_views.py`` ``held_perspective``). The deadlines
themselves are computed by ``shared/perspective/deadlines.py``. Nothing is logged while
computing: :func:`show` logs the cases a page shows, as "Meine Fälle" and the
Perspektive do.

The Perspektive is the expensive part (evaluated per case, about 2 ms in memory and 10 ms
on PostgreSQL for a case of ten entries; docs/web.md "Fristen"): its deadlines are taken
for the cases a person works on (:func:`works_on`), the title and consent deadlines for
every case listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from shared.access import FieldGroup
from shared.http.access_log import RequestAccess
from shared.http.case_views import HeldPerspective, ReadableSummary, held_perspective, show_perspective, show_summaries
from shared.http.schemas import CaseSummaryPublic
from shared.http.visibility import groups_shown
from shared.perspective.deadlines import CaseDeadline, DeadlineKind, case_deadlines
from shared.projection.case_history_store import CaseHistoryStore

CHUNK = 50
"""Cases read at once when a filter looks for the first matching ones."""


@dataclass(frozen=True)
class CaseDeadlines:
    """A case a page may list, its deadlines soonest first, and the Perspektive they were taken from."""

    item: ReadableSummary
    summary: CaseSummaryPublic
    deadlines: list[CaseDeadline]
    perspective: HeldPerspective | None
    """None: not evaluated (nothing readable, or left out to bound the page's cost)."""
    perspective_left_out: bool = False
    """The Perspektive was not evaluated for this case: its pathway deadlines are missing."""

    @property
    def case_id(self) -> UUID:
        return self.summary.case_id

    @property
    def next(self) -> CaseDeadline | None:
        """The most pressing one: an overdue one before an upcoming one."""
        return self.deadlines[0] if self.deadlines else None

    @property
    def unevaluable(self) -> bool:
        return self.perspective is not None and self.perspective.error is not None


def deadlines_of(
    items: Sequence[ReadableSummary],
    store: CaseHistoryStore,
    day: date,
    with_perspective: Callable[[ReadableSummary], bool] = lambda _item: True,
) -> list[CaseDeadlines]:
    """The deadlines of each case from ``day`` on (consents read at once for the page, the Perspektive per case)."""
    readers = [_case_id(i) for i in items if FieldGroup.CONSENT in i.who.readable()]
    consents = store.consents_of_cases(readers) if readers else {}
    found = []
    for item in items:
        case_id = _case_id(item)
        summary = CaseSummaryPublic.model_validate(item.view)
        evaluated = with_perspective(item)
        held = held_perspective(item.who, store, case_id, day) if evaluated else None
        deadlines = case_deadlines(
            case_id,
            day,
            duldung=summary.tolerated_stay,
            residence_permit=summary.residence_permit,
            consents=consents.get(case_id, {}).values() if FieldGroup.CONSENT in item.who.readable() else (),
            perspective=held.result if held is not None else None,
        )
        found.append(CaseDeadlines(item, summary, deadlines, held, not evaluated))
    return found


def works_on(staff_id: str | None) -> Callable[[ReadableSummary], bool]:
    """Whether ``staff_id`` works on the case here: assigned, deputising, or its KIM case manager (a break-glass
    grant alone does not count)."""

    def check(item: ReadableSummary) -> bool:
        reach = item.who.reach
        return staff_id is not None and (staff_id in reach.assignees or staff_id == reach.kim_case_manager)

    return check


def first_matching(
    items: Sequence[ReadableSummary],
    store: CaseHistoryStore,
    day: date,
    keep: Callable[[CaseDeadlines], bool],
    wanted: int,
    with_perspective: Callable[[ReadableSummary], bool] = lambda _item: True,
) -> list[CaseDeadlines]:
    """The first ``wanted`` cases whose deadlines ``keep`` accepts, in order; read a chunk at a time."""
    found: list[CaseDeadlines] = []
    for chunk in _chunks(items):
        found += [c for c in deadlines_of(chunk, store, day, with_perspective) if keep(c)]
        if len(found) >= wanted:
            break
    return found[:wanted]


def _chunks(items: Sequence[ReadableSummary]) -> Iterator[Sequence[ReadableSummary]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def show(cases: Sequence[CaseDeadlines], store: CaseHistoryStore, access: RequestAccess) -> list[CaseSummaryPublic]:
    """Log the cases a page shows: the summary as "Meine Fälle" logs it, the Perspektive as the API logs it, and a
    consent record whose expiry is shown if the summary did not carry the consent group already."""
    shown = show_summaries([c.item for c in cases], store, access)
    for case in cases:
        if case.perspective is not None and case.perspective.result is not None:
            show_perspective(case.perspective, access)
        consent = any(d.kind is DeadlineKind.CONSENT for d in case.deadlines)
        if consent and FieldGroup.CONSENT not in groups_shown([], case.item.view):
            access.shown(case.item.who, case.case_id, frozenset({FieldGroup.CONSENT}))
    return shown


def _case_id(item: ReadableSummary) -> UUID:
    return UUID(str(item.view["case_id"]))
