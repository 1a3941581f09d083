"""Line comment syntax per language, for inserting suppression comments."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_HASH = ("#", "")
_SLASH = ("//", "")
_DASH = ("--", "")
_BY_LANGUAGE: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("python", "shellscript", "sh", "bash", "ruby", "perl", "r", "yaml",
                     "toml", "terraform", "hcl", "dockerfile", "makefile", "elixir",
                     "powershell", "julia", "nix"), _HASH),
    **dict.fromkeys(("javascript", "typescript", "javascriptreact", "typescriptreact", "go",
                     "rust", "java", "c", "cpp", "csharp", "kotlin", "swift", "scala", "php",
                     "dart", "groovy", "zig", "proto", "jsonc"), _SLASH),
    **dict.fromkeys(("sql", "lua", "haskell", "plsql", "ada"), _DASH),
    **dict.fromkeys(("html", "xml", "markdown", "vue", "svelte"), ("<!--", "-->")),
    **dict.fromkeys(("css", "scss", "less"), ("/*", "*/")),
}
_BY_SUFFIX: dict[str, str] = {
    ".py": "python", ".sh": "sh", ".bash": "sh", ".rb": "ruby", ".yml": "yaml",
    ".yaml": "yaml", ".toml": "toml", ".tf": "terraform", ".hcl": "hcl", ".js": "javascript",
    ".mjs": "javascript", ".cjs": "javascript", ".ts": "typescript", ".tsx": "typescript",
    ".jsx": "javascript", ".go": "go", ".rs": "rust", ".java": "java", ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".hpp": "cpp", ".cs": "csharp", ".kt": "kotlin",
    ".swift": "swift", ".scala": "scala", ".php": "php", ".sql": "sql", ".lua": "lua",
    ".hs": "haskell", ".html": "html", ".xml": "xml", ".md": "markdown", ".css": "css",
    ".scss": "scss", ".r": "r", ".pl": "perl", ".ex": "elixir", ".exs": "elixir",
}


def comment_syntax(language_id: str | None, path: str) -> tuple[str, str]:
    """(opening, closing) of a line comment; ``#`` when the language is unknown."""
    if language_id and language_id.lower() in _BY_LANGUAGE:
        return _BY_LANGUAGE[language_id.lower()]
    name = PurePosixPath(path).name.lower()
    if name in ("dockerfile", "makefile"):
        return _HASH
    return _BY_LANGUAGE.get(_BY_SUFFIX.get(PurePosixPath(name).suffix, ""), _HASH)


_IGNORE = re.compile(r"countersign:\s*ignore\[([A-Za-z0-9_,\s]+)\]")


def suppression_comment(rule_id: str, language_id: str | None, path: str,
                        reason: str = "") -> str:
    """`` # countersign: ignore[DAT002] reason`` to append to the flagged line.

    Without a reason the comment ends after the rule id: a high or critical finding stays
    active until someone writes why it is safe (nobody's placeholder counts as a reason).
    """
    opening, closing = comment_syntax(language_id, path)
    body = f"{opening} countersign: ignore[{rule_id}]" + (f" {reason}" if reason else "")
    return f"  {body} {closing}" if closing else f"  {body}"


def ignores(line: str, rule_id: str) -> bool:
    """Whether the line has a ``countersign: ignore[...]`` comment naming ``rule_id``
    (or ALL), with or without a reason."""
    match = _IGNORE.search(line)
    if match is None:
        return False
    ids = {part.strip().upper() for part in match.group(1).split(",")}
    return rule_id.upper() in ids or "ALL" in ids
