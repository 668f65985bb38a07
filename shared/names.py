"""Names as a register compares them: folded spelling and the Kölner Phonetik.

Registers write the same name in many ways: ``Müller`` and ``Mueller``, ``Çelik`` and
``Celik``, ``Al-Hassan`` and ``Al Hassan``, and a name heard at the front desk as
``Schmidt`` or ``Schmitt``. Two keys make them comparable:

- :func:`fold` — lower case, the German umlauts and ß written out (ä→ae, ö→oe, ü→ue,
  ß→ss), other accents stripped (é→e, ç→c, ø→o), every other character that is no
  letter or digit a space; letters of other scripts stay as they are;
- :func:`cologne` — the Kölner Phonetik (Hans Joachim Postel, 1969) of one word, the
  phonetic code German registers use: ``Schmidt`` and ``Schmitt`` are both ``862``.

:func:`name_level` compares a searched name with a registered one on these keys, best first:
the same, spelled alike, a part of it, sounding alike, similar (Jaro-Winkler, ``jellyfish``).

Pure functions without state; nothing here is logged.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import IntEnum

from jellyfish import jaro_winkler_similarity

WRITTEN_OUT = {
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "ß": "ss",
    "ẞ": "ss",
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ł": "l",
    "ı": "i",
}
"""Letters written out (German umlauts and ß) or without a decomposition into base letter and accent."""
DROPPED = frozenset("'’`´ʼ")
"""Apostrophes join the parts of a name (``O'Brien`` → ``obrien``) instead of splitting it."""


def fold(text: str) -> str:
    """The spelling key of a name: ``"Müller-Lüdenscheidt"`` → ``"mueller luedenscheidt"``."""
    lowered = text.lower()
    spelled = "".join(WRITTEN_OUT.get(ch, ch) for ch in lowered if ch not in DROPPED)
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", spelled) if not unicodedata.combining(ch))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in bare).split())


def tokens(text: str) -> tuple[str, ...]:
    """The folded parts of a name (``"Anna-Maria Lena"`` → ``("anna", "maria", "lena")``)."""
    return tuple(fold(text).split())


_VOWELS = frozenset("aeijouy")
_C_HARD_AT_START = frozenset("ahkloqrux")
_C_HARD = frozenset("ahkoqux")


def _code(word: str, i: int) -> str:
    """The digit of the letter at ``i`` by its neighbours (Kölner Phonetik); ``""`` for H and other characters."""
    ch = word[i]
    before = word[i - 1] if i > 0 else ""
    after = word[i + 1] if i + 1 < len(word) else ""
    simple = {"b": "1", "f": "3", "v": "3", "w": "3", "g": "4", "k": "4", "q": "4", "l": "5", "m": "6", "n": "6"}
    if ch in _VOWELS:
        return "0"
    if ch in simple:
        return simple[ch]
    match ch:
        case "p":
            return "3" if after == "h" else "1"
        case "d" | "t":
            return "8" if after in ("c", "s", "z") else "2"
        case "c":
            if i == 0:
                return "4" if after in _C_HARD_AT_START else "8"
            return "4" if after in _C_HARD and before not in ("s", "z") else "8"
        case "x":
            return "8" if before in ("c", "k", "q") else "48"
        case "r":
            return "7"
        case "s" | "z":
            return "8"
    return ""


def cologne(word: str) -> str:
    """The Kölner Phonetik of a word (folded first): ``"Wikipedia"`` → ``"3412"``, ``"Müller"`` → ``"657"``.

    Each letter gets a digit by its neighbours; equal digits next to each other count once,
    then every ``0`` but a leading one is dropped. Letters of other scripts and digits give
    nothing, so a word without Latin letters has the empty code.
    """
    letters = "".join(ch for ch in fold(word) if "a" <= ch <= "z")
    digits = "".join(_code(letters, i) for i in range(len(letters)))
    collapsed = "".join(d for i, d in enumerate(digits) if i == 0 or d != digits[i - 1])
    return collapsed[:1] + collapsed[1:].replace("0", "")


def codes(text: str) -> tuple[str, ...]:
    """The phonetic codes of a name's parts, without empty ones (``"Schmidt Meyer"`` → ``("862", "67")``)."""
    return tuple(code for code in (cologne(part) for part in tokens(text)) if code)


SIMILARITY = 0.88
"""Jaro-Winkler similarity of two folded names from which they count as similar."""
PREFIX = 2
"""Letters a searched name must share with the start of a name to be a part of it or similar to it."""


@dataclass(frozen=True, slots=True)
class NameKeys:
    """A name's search keys: folded spelling, its parts, their phonetic codes."""

    key: str
    parts: tuple[str, ...]
    codes: tuple[str, ...]

    @classmethod
    def of(cls, name: str) -> NameKeys:
        parts = tokens(name)
        return cls(" ".join(parts), parts, codes(name))

    @property
    def start(self) -> str | None:
        """The beginning a name must share to be a part of this one or similar to it (None: too short)."""
        return self.key[:PREFIX] if len(self.key) >= PREFIX else None


class Level(IntEnum):
    """How a name matches, best last (the value orders them)."""

    SIMILAR = 1
    """Jaro-Winkler similarity of the folded names at least :data:`SIMILARITY`."""
    PHONETIC = 2
    """Every part sounds like a part of the other (Kölner Phonetik)."""
    PART = 3
    """Every searched part is a part of the name, or the name begins with what was searched."""
    SPELLING = 4
    """The same once folded (umlauts, accents, hyphens, case)."""
    EXACT = 5
    """The same as written (ignoring case and surrounding spaces)."""


def name_level(wanted: str, wanted_keys: NameKeys, found: str, found_keys: NameKeys) -> Level | None:
    """How the name ``found`` matches the searched ``wanted`` (None: not at all).

    Only what :func:`narrows` lets through (``shared.persons.PersonQuery.may_match``) can match: a shared part, a shared
    phonetic code, or the same beginning (for a part or a similar name).
    """
    if not wanted_keys.key or not found_keys.key:
        return None
    if wanted_keys.key == found_keys.key:
        return same_name(wanted, found)
    start = wanted_keys.start
    if set(wanted_keys.parts) <= set(found_keys.parts) or (start and found_keys.key.startswith(wanted_keys.key)):
        return Level.PART
    if wanted_keys.codes and set(wanted_keys.codes) <= set(found_keys.codes):
        return Level.PHONETIC
    similar = start and found_keys.key.startswith(start)
    if similar and jaro_winkler_similarity(wanted_keys.key, found_keys.key) >= SIMILARITY:
        return Level.SIMILAR
    return None


def alike(a: str, a_keys: NameKeys, b: str, b_keys: NameKeys) -> Level | None:
    """How two names of two registrations match, either way round (the duplicate check)."""
    found = [level for level in (name_level(a, a_keys, b, b_keys), name_level(b, b_keys, a, a_keys)) if level]
    return max(found) if found else None


def same_name(a: str, b: str) -> Level:
    """Two names whose folded keys are equal: the same as written, or spelled alike."""
    return Level.EXACT if " ".join(a.lower().split()) == " ".join(b.lower().split()) else Level.SPELLING


def narrows(wanted: NameKeys, found: NameKeys) -> bool:
    """A shared part, a shared phonetic code, or the same beginning."""
    start = wanted.start
    return bool(
        set(wanted.parts) & set(found.parts)
        or set(wanted.codes) & set(found.codes)
        or (start is not None and found.key.startswith(start))
    )
