"""Norm codes, spelled like ``shared.events.catalogue.Norm`` so facts map one to one."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import StringConstraints

NormCode = Annotated[str, StringConstraints(pattern=r"^(AufenthG|StAG|AsylG)_[0-9a-z_]{1,16}$")]
"""A norm as a code: law, underscore, paragraph (and subsection), e.g. ``AufenthG_25_5``."""

AUFENTHG_104C = "AufenthG_104c"
AUFENTHG_104C_2 = "AufenthG_104c_2"
AUFENTHG_16G = "AufenthG_16g"
AUFENTHG_19D = "AufenthG_19d"
AUFENTHG_25_3 = "AufenthG_25_3"
AUFENTHG_25_4 = "AufenthG_25_4"
AUFENTHG_25_5 = "AufenthG_25_5"
AUFENTHG_25A = "AufenthG_25a"
AUFENTHG_25B = "AufenthG_25b"
AUFENTHG_26_4 = "AufenthG_26_4"
AUFENTHG_50 = "AufenthG_50"
AUFENTHG_60A_2B = "AufenthG_60a_2b"
AUFENTHG_60C = "AufenthG_60c"
AUFENTHG_60D = "AufenthG_60d"
AUFENTHG_9 = "AufenthG_9"
STAG_10 = "StAG_10"

# Chapter 2 Section 5 AufenthG (§§ 22–26) holds the humanitarian titles; § 104c sits
# in chapter 9 (transitional law) and is therefore not humanitarian by its place.
_HUMANITARIAN = re.compile(r"^AufenthG_(22|23|23a|24|25|25a|25b)(_[0-9a-z]+)?$")


def norm_de(norm: str) -> str:
    """A norm code as caseworkers cite it: ``AufenthG_25_5`` → "§ 25 Abs. 5 AufenthG"."""
    law, _, rest = norm.partition("_")
    paragraph, _, subsection = rest.partition("_")
    return f"§ {paragraph}{f' Abs. {subsection}' if subsection else ''} {law}"


def is_humanitarian(norm: str) -> bool:
    """Whether a residence permit under `norm` is one of chapter 2 section 5 AufenthG."""
    return bool(_HUMANITARIAN.match(norm))
