"""Failures: expected ones print what went wrong, where, and a hint; unexpected ones are logged."""

from __future__ import annotations

import sys
from pathlib import Path


class UserError(Exception):
    """A failure the user can fix; ``hint`` is the exact command or change to make."""

    def __init__(self, message: str, hint: str | None = None, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code

    def __str__(self) -> str:
        return self.message + (f"\nhint: {self.hint}" if self.hint else "")


def log_crash() -> Path:
    """Log the exception being handled, with the command line, and say where."""
    import logging  # these three cost ~10 ms of every commit hook's start; only a crash
    import traceback  # needs them

    import platformdirs

    log = Path(platformdirs.user_log_dir("countersign")) / "countersign.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log)
    logger = logging.getLogger("countersign.crash")
    logger.addHandler(handler)
    logger.error("crash in %s\n%s", " ".join(sys.argv), traceback.format_exc())
    handler.close()
    return log
