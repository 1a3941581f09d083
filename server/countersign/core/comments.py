"""Line comment syntax per language, for inserting suppression comments."""

from __future__ import annotations

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


REASON_PLACEHOLDER = "REASON: say why this is safe"


def suppression_comment(rule_id: str, language_id: str | None, path: str,
                        reason: str = REASON_PLACEHOLDER) -> str:
    """`` # countersign: ignore[DAT002] reason`` to append to the flagged line."""
    opening, closing = comment_syntax(language_id, path)
    tail = f" {closing}" if closing else ""
    return f"  {opening} countersign: ignore[{rule_id}] {reason}{tail}"
