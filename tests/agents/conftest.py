"""Agent integration tests reuse the real-repository fixtures of the git tests."""

from tests.git.conftest import cli, hooked, repo

__all__ = ["cli", "hooked", "repo"]
