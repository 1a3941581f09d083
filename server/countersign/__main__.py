"""``python -m countersign``: what the installed git hooks run."""

from countersign.cli.main import run

run()
