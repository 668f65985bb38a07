"""The foreign office's and Kobiz's own files: own ids, statutory work without consent, links to KIM.

- The foreign office opens a file on a person, issues a Duldung and decides on it
  without any KIM case or consent; nothing of it is published.
- Linking the file to a KIM case needs the case to be known to the foreign office's
  view (i.e. on the basis the policy names); the relay then publishes the file's
  earlier events, in version order, and the link, and from then on every
  publishable event of the file — each keyed by the file, naming the case.
- Kobiz's counselling file opened for a KIM case belongs to it from the start.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.bootstrap import build_container, build_relay
from services.foreign_office import commands as fo
from services.foreign_office.application import ForeignOfficeApplication
from services.kobiz import commands as kb
from services.kobiz.application import KobizApplication
from shared.application.department import CaseClosedError
from shared.bus.wire import decode
from shared.errors import CaseNotFoundError, DomainRuleViolationError
from shared.events.common import Norm
from shared.events.vocabulary import FileClosureReason, SanctionKind, ToleranceGround
from shared.outbox.position import InMemoryRelayPosition
from shared.outbox.relay import Relay
from shared.service import Service
from tests.support.fakes import FakeKafka


class Known:
    """A case as a department's view knows it."""

    def __init__(self, status: str | None = "open") -> None:
        self.status = status

    def case_status(self) -> str | None:
        return self.status


def foreign_office(known: dict[UUID, Known]) -> tuple[ForeignOfficeApplication, Relay, FakeKafka]:
    container = build_container(Service.FOREIGN_OFFICE, in_memory=True)
    app = container.app
    assert isinstance(app, ForeignOfficeApplication)
    app.case_view = known.get
    kafka = FakeKafka()
    relay = build_relay(container, positions=InMemoryRelayPosition(), producer_factory=kafka.producer)
    return app, relay, kafka


def publish_all(app: Any, relay: Relay) -> list[Any]:
    """Run the relay over the whole notification log once; return the decoded envelopes it sent."""
    notifications = app.recorder.select_notifications(start=1, limit=1000)
    batch = [relay.to_outgoing(n) for n in notifications]
    return [decode(m.headers, m.key, m.value) for o in batch for m in o.messages]


def person() -> fo.OpenResidenceFile:
    return fo.OpenResidenceFile(family_name="Musterfrau", given_names="Erika", birth_date=date(1990, 2, 3))


def duldung(valid_from: date = date(2019, 4, 1)) -> fo.IssueToleratedStay:
    return fo.IssueToleratedStay(
        subtype="60a",
        ground_code=ToleranceGround.NO_TRAVEL_DOCUMENTS,
        valid_from=valid_from,
        valid_until=date(2027, 3, 31),
        work_permitted=True,
        residence_condition=False,
    )


def test_the_foreign_office_works_on_its_own_file_without_any_kim_case_and_publishes_nothing() -> None:
    app, relay, _ = foreign_office({})
    opened = app.open_file(person())
    file_id = opened.case_id
    saved = app.issue_tolerated_stay(file_id, duldung())
    application = fo.ApplyForResidencePermit(applied_on=date(2026, 1, 2), norm=Norm.AUFENTHG_25B)
    app.apply_for_residence_permit(file_id, application)
    refused = app.refuse_residence_permit(
        file_id,
        fo.RefuseResidencePermit(norm=Norm.AUFENTHG_25B, refused_on=date(2026, 3, 1), decided_by="st-abh001"),
    )
    assert saved.position.published is False and refused.position.published is False
    assert app.get_file(file_id).kim_case_id is None
    assert publish_all(app, relay) == []


def test_linking_publishes_the_files_history_then_the_link_and_everything_after() -> None:
    case_id = uuid4()
    app, relay, _ = foreign_office({case_id: Known()})
    file_id = app.open_file(person()).case_id
    app.issue_tolerated_stay(file_id, duldung())
    app.notify_criminal_conviction(  # internal: never published, linked or not
        file_id,
        fo.NotifyCriminalConviction(
            convicted_on=date(2021, 5, 5), court="AG Euskirchen", sanction_code=SanctionKind.FINE, day_fines=30
        ),
    )
    linked = app.link_to_kim_case(file_id, fo.LinkToKimCase(case_id=case_id, linked_on=date(2026, 2, 1)))
    assert linked.position.published is True
    later = app.clarify_identity(file_id, fo.ClarifyIdentity(clarified_on=date(2026, 2, 2), method="passport"))
    assert later.position.published is True

    sent = publish_all(app, relay)
    assert [e.type.split(".")[-2] for e in sent] == ["ToleratedStayIssued", "ResidenceFileLinked", "IdentityClarified"]
    assert {e.event.case_id for e in sent} == {case_id}
    assert {e.event.file_id for e in sent} == {file_id}  # keyed by the file on the foreign office's topic
    assert all(e.source is Service.FOREIGN_OFFICE for e in sent)
    # The file's history keeps its own notification ids and recorded times.
    stays = [e for e in sent if e.type.endswith("ToleratedStayIssued.v2")]
    assert stays[0].sequence < sent[1].sequence


def test_a_link_needs_the_case_known_to_the_departments_view_and_happens_once() -> None:
    known_case, other_case = uuid4(), uuid4()
    app, _, _ = foreign_office({known_case: Known()})
    file_id = app.open_file(person()).case_id
    with pytest.raises(CaseNotFoundError):
        app.link_to_kim_case(file_id, fo.LinkToKimCase(case_id=other_case, linked_on=date(2026, 2, 1)))
    app.link_to_kim_case(file_id, fo.LinkToKimCase(case_id=known_case, linked_on=date(2026, 2, 1)))
    with pytest.raises(DomainRuleViolationError):
        app.link_to_kim_case(file_id, fo.LinkToKimCase(case_id=known_case, linked_on=date(2026, 2, 2)))


def test_a_closed_file_takes_only_corrections_but_a_closed_kim_case_does_not_stop_the_foreign_office() -> None:
    case_id = uuid4()
    view = {case_id: Known("open")}
    app, _, _ = foreign_office(view)
    file_id = app.open_file(person()).case_id
    app.link_to_kim_case(file_id, fo.LinkToKimCase(case_id=case_id, linked_on=date(2026, 2, 1)))
    view[case_id] = Known("closed")
    app.issue_tolerated_stay(file_id, duldung())  # statutory work goes on after KIM ends
    app.close_file(file_id, fo.CloseResidenceFile(closed_on=date(2026, 6, 1), reason=FileClosureReason.MOVED_AWAY))
    with pytest.raises(DomainRuleViolationError):
        app.issue_tolerated_stay(file_id, duldung())


def test_kobiz_opens_its_file_for_a_known_kim_case_and_publishes_from_the_start() -> None:
    case_id = uuid4()
    container = build_container(Service.KOBIZ, in_memory=True)
    app = container.app
    assert isinstance(app, KobizApplication)
    view = {case_id: Known()}
    app.case_view = view.get
    relay = build_relay(container, positions=InMemoryRelayPosition(), producer_factory=FakeKafka().producer)
    with pytest.raises(CaseNotFoundError):
        app.open_file(kb.OpenCounsellingFile(opened_on=date(2026, 1, 7), case_id=uuid4()))
    file_id = app.open_file(kb.OpenCounsellingFile(opened_on=date(2026, 1, 7), case_id=case_id)).case_id
    outside = app.open_file(kb.OpenCounsellingFile(opened_on=date(2026, 1, 7))).case_id
    session = kb.HoldCounselling(held_on=date(2026, 1, 8), counsellor_id="st-kobiz01", notes="vertraulich")
    app.hold_counselling(file_id, session)
    app.hold_counselling(outside, session)
    sent = publish_all(app, relay)
    assert [(e.event.file_id, e.event.case_id) for e in sent] == [(file_id, case_id)]
    # Once the KIM case is closed, Kobiz's file on it takes only corrections.
    view[case_id] = Known("closed")
    with pytest.raises(DomainRuleViolationError):
        app.hold_counselling(file_id, session)
    app.hold_counselling(outside, session)
    # Nor can a file be opened for, or linked to, a closed KIM case.
    with pytest.raises(CaseClosedError):
        app.open_file(kb.OpenCounsellingFile(opened_on=date(2026, 7, 1), case_id=case_id))
    with pytest.raises(CaseClosedError):
        app.link_to_kim_case(outside, kb.LinkToKimCase(case_id=case_id, linked_on=date(2026, 7, 1)))
    assert app.get_file(outside).kim_case_id is None


def test_a_residence_file_cannot_be_linked_to_a_closed_kim_case() -> None:
    case_id = uuid4()
    app, _, _ = foreign_office({case_id: Known("closed")})
    file_id = app.open_file(person()).case_id
    with pytest.raises(CaseClosedError):
        app.link_to_kim_case(file_id, fo.LinkToKimCase(case_id=case_id, linked_on=date(2026, 2, 1)))
    assert app.get_file(file_id).kim_case_id is None
