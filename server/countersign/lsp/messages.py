"""countersign's own LSP messages and commands: their names and how their arguments are read."""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from countersign.lsp import convert

AI_EDIT = "countersign/aiEdit"
SUMMARY = "countersign/summary"
PROVENANCE = "countersign/provenance"
COMMIT_PREVIEW = "countersign/commitPreview"


def invalid(exc: Exception) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(str(exc))


def uri_arg(args: tuple[Any, ...], index: int = 0) -> str:
    if len(args) <= index or not isinstance(args[index], str):
        raise JsonRpcInvalidParams(f"argument {index + 1} must be a document URI, got "
                                   f"{args[index] if len(args) > index else 'nothing'!r}")
    uri: str = args[index]
    return uri


def range_arg(args: tuple[Any, ...], index: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    if len(args) <= index or args[index] is None:
        return None
    try:
        return convert.range_of(convert.plain(args[index]))
    except ValueError as exc:
        raise invalid(exc) from None
