"""docs/access.md shows the access table exactly as the code has it."""

from __future__ import annotations

from shared.access.render import BEGIN, END, markdown
from shared.settings import REPO_ROOT


def test_the_documented_table_is_the_table_in_force() -> None:
    text = (REPO_ROOT / "docs" / "access.md").read_text(encoding="utf-8")
    documented = text[text.index(BEGIN) : text.index(END) + len(END)] + "\n"
    assert documented == markdown(), "run `kim access-table --write` after changing shared/access/table.py"
