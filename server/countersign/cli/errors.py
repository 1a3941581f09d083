"""Expected failures: they print what went wrong, where, and a hint, and exit 1."""

from __future__ import annotations


class UserError(Exception):
    """A failure the user can fix; ``hint`` is the exact command or change to make."""

    def __init__(self, message: str, hint: str | None = None, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code

    def __str__(self) -> str:
        return self.message + (f"\nhint: {self.hint}" if self.hint else "")
