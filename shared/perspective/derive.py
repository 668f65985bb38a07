"""The facts a department may use, derived from what it holds.

A department holds the events of its own view of the shared history (timeline
entries) and, for its own files, its own records (translated into the same shape).
The owner of a file adds what only it holds (``derive_facts``'s keywords): its
internal findings (the foreign office's convictions, deception findings and
assessments), the permits of household members, and the lists its own file holds
completely (``known_empty``).

Absence means *unknown*, never "no": a department cannot know that a certificate
does not exist, only that it has not been shared with it. A "no" is known only where
it was recorded as such (an assessment with an explicit answer) or where the owner's
own file is complete knowledge of its own acts. Corrections replace the event they
name; nothing is edited in place. The derivations are grouped by who records the
facts: the foreign office (``derive_status``), intake (``derive_person``) and Kobiz
(``derive_kobiz``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from shared.perspective.derive_common import FactEntry as FactEntry
from shared.perspective.derive_common import Held, current_entries
from shared.perspective.derive_kobiz import kobiz_facts
from shared.perspective.derive_person import person_facts
from shared.perspective.derive_status import status_facts
from shared.perspective.facts import CaseFacts, MemberPermit


def derive_facts(
    entries: Iterable[FactEntry],
    *,
    known_empty: Iterable[str] = (),
    member_permits: Mapping[str, Sequence[MemberPermit]] | None = None,
    **internal: Any,
) -> CaseFacts:
    """CaseFacts from what a department holds of one person (nothing more).

    ``internal``: CaseFacts fields only the owner holds (they win over derived ones);
    ``known_empty``: list fields the owner's own records hold completely (absent = ``[]``);
    ``member_permits``: the owner's records of household members' permits, by member reference.
    """
    held: Held = current_entries(entries)
    facts: dict[str, Any] = person_facts(held) | status_facts(held) | kobiz_facts(held)
    facts |= internal
    for name in known_empty:
        if facts.get(name) is None:
            facts[name] = []
    if member_permits and facts.get("household_members"):
        facts["household_members"] = [
            m.model_copy(update={"permits": list(member_permits[m.member_ref])})
            if m.member_ref in member_permits
            else m
            for m in facts["household_members"]
        ]
    return CaseFacts(**facts)
