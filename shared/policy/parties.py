"""The recipient parties a consent can name, and which department service serves which party.

A consent names each recipient by name (docs/domain.md §5): a department of the
Kreisverwaltung, or a registered partner — a named Jobcenter, Agentur für Arbeit office,
course provider or welfare organisation. The sharing policy keeps its rules per
recipient *kind*; the consent decides which party of that kind may receive.

- **Department parties** are fixed and always known; their id is their kind
  (``intake``, ``foreign_office``, ``naturalisation_authority``, ``kobiz``).
- **Partner parties** are registered data, ``<kind>:<name>`` (``jobcenter:jc-euskirchen``).
  A partner gateway will manage them; until then they come from a seed file
  (``deploy/seed/partners.json``, demo data), loaded through :class:`PartyRegistry`.
  ``<kind>:unbenannt`` is reserved: it stands for the partner kind an earlier version's
  consent named, and no registry ever contains it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.events.common import DEPARTMENT_KINDS, UNNAMED_PARTY_SLUG, PartyId, RecipientKind, kind_of
from shared.service import Service

SEED_FILE = Path(__file__).resolve().parents[2] / "deploy" / "seed" / "partners.json"
"""Where the partner parties come from until a partner gateway manages them."""

SERVICE_KINDS: Mapping[Service, tuple[RecipientKind, ...]] = MappingProxyType(
    {
        Service.INTAKE: (RecipientKind.INTAKE,),
        Service.FOREIGN_OFFICE: (RecipientKind.FOREIGN_OFFICE, RecipientKind.NATURALISATION_AUTHORITY),
        Service.KOBIZ: (RecipientKind.KOBIZ,),
    }
)
"""The department kinds each service serves: the foreign office's service also serves the
Einbürgerungsbehörde (in Kreis Euskirchen the same department, docs/domain.md §1)."""

SERVICE_PARTIES: Mapping[Service, tuple[str, ...]] = MappingProxyType(
    {service: tuple(kind.value for kind in kinds) for service, kinds in SERVICE_KINDS.items()}
)
"""The parties whose view each service's projection holds, its own party first."""

DEPARTMENT_NAMES: Mapping[RecipientKind, str] = MappingProxyType(
    {
        RecipientKind.INTAKE: "KIM-Fallmanagement (Fallannahme)",
        RecipientKind.FOREIGN_OFFICE: "Ausländerbehörde",
        RecipientKind.NATURALISATION_AUTHORITY: "Einbürgerungsbehörde",
        RecipientKind.KOBIZ: "Kobiz – Kommunales Bildungs- und Integrationszentrum",
    }
)


def is_reserved(party_id: str) -> bool:
    """Whether ``party_id`` is a reserved id that names no party (``<kind>:unbenannt``)."""
    return party_id.partition(":")[2] == UNNAMED_PARTY_SLUG


class Party(BaseModel):
    """One recipient party."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: PartyId
    kind: RecipientKind
    display_name: str = Field(min_length=1, max_length=200)
    active: bool = True
    demo: bool = False
    """Demo data of the seed file, not a real addressee."""

    @model_validator(mode="after")
    def _check_id(self) -> Party:
        if kind_of(self.id) is not self.kind:
            msg = f"party {self.id}: the id does not belong to the kind {self.kind.value}"
            raise ValueError(msg)
        if is_reserved(self.id):
            msg = f"party {self.id}: '{UNNAMED_PARTY_SLUG}' is reserved and names no party"
            raise ValueError(msg)
        return self

    @property
    def department(self) -> bool:
        return self.kind.department


DEPARTMENT_PARTIES: tuple[Party, ...] = tuple(
    Party(id=kind.value, kind=kind, display_name=DEPARTMENT_NAMES[kind]) for kind in RecipientKind if kind.department
)


def service_parties(service: Service) -> tuple[str, ...]:
    """The parties a department service's view is held for."""
    return SERVICE_PARTIES[service]


class PartyRegistry:
    """The known parties: the departments (always) and the registered partners."""

    def __init__(self, partners: Iterable[Party] = ()) -> None:
        parties: dict[str, Party] = {p.id: p for p in DEPARTMENT_PARTIES}
        for party in partners:
            if party.kind in DEPARTMENT_KINDS:
                msg = f"party {party.id}: departments are fixed, not registered"
                raise ValueError(msg)
            if party.id in parties:
                msg = f"party {party.id} is registered twice"
                raise ValueError(msg)
            parties[party.id] = party
        self._parties = MappingProxyType(parties)

    @classmethod
    def from_file(cls, path: Path) -> PartyRegistry:
        """The departments and the partners of a seed file (``{"parties": [...]}``)."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        try:
            partners = [Party.model_validate(p) for p in raw.get("parties", [])]
        except ValidationError as exc:
            msg = f"{path}: {exc}"
            raise ValueError(msg) from None
        return cls(partners)

    def get(self, party_id: str) -> Party | None:
        """The party with this id, or None if it is unknown."""
        return self._parties.get(party_id)

    def __contains__(self, party_id: object) -> bool:
        return isinstance(party_id, str) and party_id in self._parties

    def is_active(self, party_id: str) -> bool:
        """Whether a consent may name this party now (known and active)."""
        party = self._parties.get(party_id)
        return party is not None and party.active

    def of_kind(self, kind: RecipientKind, *, active_only: bool = True) -> list[Party]:
        """The parties of one kind, by id."""
        return sorted(
            (p for p in self._parties.values() if p.kind is kind and (p.active or not active_only)),
            key=lambda p: p.id,
        )

    def active_ids(self) -> list[str]:
        """Every party a consent may name now, by id."""
        return sorted(p.id for p in self._parties.values() if p.active)

    def display_name(self, party_id: str) -> str:
        """The German name of a party, or a German description of an id that names none."""
        party = self._parties.get(party_id)
        if party is not None:
            return party.display_name
        if is_reserved(party_id):
            return f"nicht benannte Stelle der Art {party_id.partition(':')[0]} (Einwilligung vor Version 2)"
        return f"unbekannte Stelle {party_id}"

    def __iter__(self) -> Iterator[Party]:
        return iter(sorted(self._parties.values(), key=lambda p: p.id))


@cache
def default_registry() -> PartyRegistry:
    """The registry of this installation: the departments and the seed file's partners
    (only the departments if the seed file is absent, so no partner is ever assumed)."""
    if not SEED_FILE.is_file():
        return PartyRegistry()
    return PartyRegistry.from_file(SEED_FILE)
