"""The residence pathways and their versioned rules (docs/domain.md § 2)."""

from __future__ import annotations

from shared.perspective.rules import (
    aufenthg_16g,
    aufenthg_19d,
    aufenthg_25_5,
    aufenthg_25a,
    aufenthg_25b,
    aufenthg_26_4,
    aufenthg_50,
    aufenthg_60a_2b,
    aufenthg_60c,
    aufenthg_60d,
    aufenthg_104c,
    aufenthg_104c_2,
    stag_10,
)
from shared.perspective.rules.model import Pathway

PATHWAYS: tuple[Pathway, ...] = (
    aufenthg_104c.PATHWAY,
    aufenthg_104c_2.PATHWAY,
    aufenthg_25a.PATHWAY,
    aufenthg_25b.PATHWAY,
    aufenthg_60c.PATHWAY,
    aufenthg_16g.PATHWAY,
    aufenthg_60d.PATHWAY,
    aufenthg_19d.PATHWAY,
    aufenthg_25_5.PATHWAY,
    aufenthg_60a_2b.PATHWAY,
    aufenthg_26_4.PATHWAY,
    stag_10.PATHWAY,
    aufenthg_50.PATHWAY,
)
"""Every pathway the engine evaluates, in the order a caseworker reads them; the
obligation to leave comes last."""

__all__ = ["PATHWAYS", "Pathway"]
