"""Shared test setup: deterministic hypothesis, pinned git identities, isolated $HOME."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Deterministic in CI and locally: the same examples every run, no example database.
settings.register_profile(
    "countersign", derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("countersign")


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own $HOME and user data dir, and pinned git identities."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Ada Author")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "ada@example.com")
        monkeypatch.setenv(f"GIT_{role}_DATE", "2026-11-23T12:00:00+00:00")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    # no resident hook daemon outlives a test; tests/git/test_hook_daemon.py turns it on
    monkeypatch.setenv("COUNTERSIGN_HOOK_DAEMON", "0")
    # no commit hook starts a background track-record refresh ([autonomy]) unless the
    # test asks for one: its trailers would depend on how fast that process ran
    monkeypatch.setenv("COUNTERSIGN_STANDING_REFRESH", "off")
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)
    return home
