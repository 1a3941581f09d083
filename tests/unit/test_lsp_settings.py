"""The language server's settings: bad values fall back to defaults and are reported."""

from __future__ import annotations

from countersign.lsp.settings import HeuristicSettings, parse_settings


def test_heuristic_and_settings() -> None:
    on = HeuristicSettings()
    assert on.suspects("a\n" * 8, client_reports_ai=False)
    assert not on.suspects("a\n" * 8, client_reports_ai=True)
    assert not on.suspects("short", client_reports_ai=False)
    settings, errors = parse_settings({"debounceMs": 80000, "heuristic": {"enabled": True}})
    assert settings.debounce_ms == 0 and settings.heuristic.enabled is True
    assert errors == ["countersign.debounceMs: expected a whole number from 0 to 5000, got "
                      "80000; using the default 0"]
