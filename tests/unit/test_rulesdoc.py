"""The generated rule reference matches the rule packs."""

from __future__ import annotations


def test_rules_reference_is_up_to_date() -> None:
    from countersign.core.rulesdoc import copies, render
    for path in copies():
        assert path.read_text(encoding="utf-8") == render() + "\n", (
            f"{path} is stale: regenerate with python -m countersign.core.rulesdoc --write")
