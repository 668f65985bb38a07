"""What of a case an authorised reader sees: only the field groups the access table lets them read.

A timeline entry belongs to the field group of its event (``group_of_event``), a
summary section to the group of the events that set it. Hidden entries are left out
without a trace (need-to-know: not even their number); hidden sections are ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, TypeVar

from shared.access import FieldGroup, group_of_event
from shared.events import EVENTS_BY_WIRE_TYPE
from shared.policy.sharing import rule_for

F = FieldGroup

SUMMARY_GROUPS: dict[str, FieldGroup] = {
    "person": F.IDENTITY_CORE,
    "case": F.CASE_MANAGEMENT,
    "tolerated_stay": F.STATUS,
    "residence_permit": F.STATUS,
    "identity": F.IDENTITY_DETAIL,
    "counselling": F.COUNSELLING,
    "consents": F.CONSENT,
}
"""Summary section → the field group it shows (sections not listed carry no person-level data)."""


class HeldEntry(Protocol):
    """A timeline entry (with the category its projection recorded) or a department's own record."""

    @property
    def type(self) -> str: ...


def group_of(entry: HeldEntry) -> FieldGroup:
    """The entry's field group; an own record has no stored category: the sharing policy's is used."""
    if hasattr(entry, "category"):
        return group_of_event(entry.type, entry.category)
    return group_of_event(entry.type, _category_of(entry))


def _category_of(entry: HeldEntry) -> str | None:
    """The data category the sharing policy gives this very event (a Duldung on health grounds: health)."""
    rule = rule_for(entry.type)
    model = EVENTS_BY_WIRE_TYPE.get(entry.type)
    if rule is None or model is None:
        return None
    _, category, _ = rule.for_event(model.model_validate(getattr(entry, "data", {})))
    return category.value if category is not None else None


E = TypeVar("E", bound=HeldEntry)


def visible_entries(entries: Iterable[E], readable: frozenset[FieldGroup]) -> list[E]:
    """The entries of readable groups, in their order."""
    return [e for e in entries if group_of(e) in readable]


def visible_summary(view: dict[str, Any], readable: frozenset[FieldGroup]) -> dict[str, Any]:
    """The summary with every section of an unreadable group set to ``None``."""
    return {
        key: None if key in SUMMARY_GROUPS and SUMMARY_GROUPS[key] not in readable else value
        for key, value in view.items()
    }


def groups_shown(entries: Sequence[HeldEntry], view: dict[str, Any] | None = None) -> frozenset[FieldGroup]:
    """The field groups an answer actually carries (for the access log)."""
    groups = {group_of(e) for e in entries}
    if view is not None:
        groups |= {SUMMARY_GROUPS[k] for k, v in view.items() if k in SUMMARY_GROUPS and _carries_data(v)}
    return frozenset(groups)


def _carries_data(section: Any) -> bool:
    """A section with something in it (an empty count or no sessions carry nothing about the person)."""
    if section in (None, 0):
        return False
    return not (isinstance(section, dict) and section.get("sessions") == 0)


def visible_fields(
    data: dict[str, Any], sections: dict[str, FieldGroup], readable: frozenset[FieldGroup]
) -> dict[str, Any]:
    """A department's own record with every field of an unreadable group set to ``None``."""
    return {key: None if key in sections and sections[key] not in readable else value for key, value in data.items()}
