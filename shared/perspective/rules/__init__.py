"""The residence pathways and their versioned rules (docs/domain.md § 2)."""

from __future__ import annotations

from shared.perspective.rules import (
    aufenthg_19d,
    aufenthg_25a,
    aufenthg_25b,
    aufenthg_26_4,
    aufenthg_60c,
    aufenthg_60d,
    aufenthg_104c,
    stag_10,
)
from shared.perspective.rules.model import Pathway

PATHWAYS: tuple[Pathway, ...] = (
    aufenthg_104c.PATHWAY,
    aufenthg_25a.PATHWAY,
    aufenthg_25b.PATHWAY,
    aufenthg_60c.PATHWAY,
    aufenthg_60d.PATHWAY,
    aufenthg_19d.PATHWAY,
    aufenthg_26_4.PATHWAY,
    stag_10.PATHWAY,
)
"""Every pathway the engine evaluates, in the order a caseworker reads them."""

__all__ = ["PATHWAYS", "Pathway"]
