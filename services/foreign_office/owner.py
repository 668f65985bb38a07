"""What the foreign office knows of a person from its own file beyond what it publishes.

Its Perspektive of its own file (``GET /foreign-office/files/{file_id}/perspective``)
adds these to the facts derived from its published records and its view of the KIM
case; none of them ever leaves the foreign office:

- its findings that have no integration event: convictions (Art. 10), deception
  findings, the declarations, the assessments of security, removal measures, the
  integration prognosis and the renunciation of the previous nationality, and the
  permits of household members (a third person's data);
- the person's date of birth as its own file records it;
- that its file is complete knowledge of its own acts: the statuses it granted or
  recorded, the duties it notified, the obligations to leave it made enforceable and
  the departures it recorded. Where it recorded none, it knows there are none
  (``known_empty``), which another department cannot know.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.foreign_office.domain import ResidenceFile
from shared.access import FieldGroup
from shared.perspective.facts import Conviction, Deception, Flag, MemberPermit

KNOWN_EMPTY = ("statuses", "cooperation_duties", "departure_obligations", "departures")
"""The published lists the foreign office's own file holds completely (convictions and deception
findings are its internal lists, given as they are)."""


F = FieldGroup
FACT_GROUPS: dict[str, FieldGroup] = {
    "convictions": F.CRIMINAL,
    "deceptions": F.IDENTITY_DETAIL,
    "known_empty": F.STATUS,
    "member_permits": F.STATUS,
    "birth_date": F.IDENTITY_CORE,
    "fdgo_declaration": F.STATUS,
    "historical_responsibility_commitment": F.STATUS,
    "integration_prognosis_positive": F.STATUS,
    "nationality_renunciation_ensured": F.NATURALISATION,
    "extremism_indications": F.CRIMINAL,
    "serious_expulsion_interest": F.CRIMINAL,
    "concrete_removal_measures": F.REMOVAL,
}
"""Each of the foreign office's own facts → the field group a reader needs to see it (and have it evaluated)."""


def readable_owner_facts(file: ResidenceFile, readable: frozenset[FieldGroup]) -> dict[str, Any]:
    """The owner's facts the caller may read: an evaluation never rests on data its reader may not see."""
    return {k: v for k, v in owner_facts(file).items() if FACT_GROUPS[k] in readable}


def owner_facts(file: ResidenceFile) -> dict[str, Any]:
    """The facts only the foreign office holds, as keyword arguments of ``derive_facts``."""
    facts: dict[str, Any] = {
        "convictions": [_conviction(c) for c in file.convictions],
        "deceptions": [_deception(x) for x in file.deceptions],
        "known_empty": KNOWN_EMPTY,
        "member_permits": {
            ref: [MemberPermit.model_validate(p) for p in permits] for ref, (_, permits) in file.member_permits.items()
        },
    }
    if file.birth_date is not None:
        facts["birth_date"] = file.birth_date
    for fact, findings in file.assessments.items():
        facts[fact] = latest(findings)
    return facts


def latest(findings: list[tuple[date, bool]]) -> Flag:
    """The latest finding (by its day; of one day, the last recorded) as a flag true from that day."""
    on, value = sorted(findings, key=lambda finding: finding[0])[-1]
    return Flag(value=value, since=on if value else None)


def _conviction(c: dict[str, Any]) -> Conviction:
    return Conviction(
        convicted_on=c["convicted_on"],
        daily_rates=c["day_fines"],
        prison_months=c["prison_months"],
        suspended=c["suspended"],
        intentional=c["intentional"],
        foreigner_only_offence=c["foreigner_only_offence"],
        hate_motive=c["hate_motive"],
        juvenile_measures_only=c["juvenile_measures_only"],
    )


def _deception(x: dict[str, Any]) -> Deception:
    return Deception(
        established_on=x["established_on"],
        kind=x["kind"],
        own=x["own_conduct"],
        prevented_deportation=x["prevented_removal"],
    )
