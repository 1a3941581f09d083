"""countersign's own LSP messages: their names, typed params, and how bad params are answered.

The params are attrs classes read by an lsprotocol converter (camelCase on the wire, like
every LSP type) that is strict about JSON types: cattrs alone would read ``5`` as the string
``"5"`` and ``null`` as ``"None"``. Params that do not fit are answered with an
``InvalidParams`` error naming the field (requests) or logged and ignored (notifications).
"""

from __future__ import annotations

import inspect
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast, get_origin

import attrs
import cattrs
from cattrs.cols import list_structure_factory
from cattrs.v import format_exception
from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls.exceptions import JsonRpcInvalidParams

from countersign.core.origin import AI_KINDS, Origin
from countersign.lsp import convert
from countersign.lsp.documents import DocumentError

if TYPE_CHECKING:
    from countersign.lsp.server import CountersignServer

log = logging.getLogger(__name__)
T = TypeVar("T")
P = TypeVar("P")
R = TypeVar("R")

AI_EDIT = "countersign/aiEdit"
SUMMARY = "countersign/summary"
PROVENANCE = "countersign/provenance"
COMMIT_PREVIEW = "countersign/commitPreview"


class BadParams(ValueError):
    """The params of a countersign message do not fit its type; the message says where."""


# -- params ----------------------------------------------------------------------------


@attrs.define
class AiEditParams:
    """``countersign/aiEdit``: the text now in ``ranges`` of that document version is AI's."""

    text_document: types.VersionedTextDocumentIdentifier
    ranges: list[types.Range]
    tool: str | None = None
    kind: str = ""
    model: str | None = None

    def origin(self) -> Origin:
        return origin_of(self.tool, self.kind, self.model)


@attrs.define
class DocumentParams:
    """``countersign/summary`` and ``countersign/provenance``: the document asked about."""

    text_document: types.TextDocumentIdentifier


@attrs.define
class CommitPreviewParams:
    """``countersign/commitPreview``: a document of the repository (none: the first folder)."""

    text_document: types.TextDocumentIdentifier | None = None


def origin_of(tool: str | None, kind: str, model: str | None) -> Origin:
    """An AI origin; BadParams says what is missing."""
    if not tool:
        raise BadParams(f"'tool' must name the AI tool (like \"copilot\"), got {tool!r}")
    if kind not in AI_KINDS:
        raise BadParams(f"'kind' must be one of {', '.join(AI_KINDS)}, got {kind!r}")
    return Origin(kind, tool, model, at=time.time())


# -- the JSON-RPC messages that carry them ---------------------------------------------


@attrs.define
class ClientRequest:
    """A request of countersign's own: its params stay plain JSON until its handler reads them.

    pygls would otherwise turn them into namedtuples, a new class per JSON object.
    """

    id: int | str
    method: str
    jsonrpc: str
    params: Any = None


@attrs.define
class ClientNotification:
    """A notification of countersign's own, params as plain JSON (see ``ClientRequest``)."""

    method: str
    jsonrpc: str
    params: Any = None


MESSAGE_TYPES: dict[str, type] = {AI_EDIT: ClientNotification, SUMMARY: ClientRequest,
                                  PROVENANCE: ClientRequest, COMMIT_PREVIEW: ClientRequest}
"""What the client sends. The server's own ``countersign/provenance`` notification is sent
as JSON text (``CountersignProtocol.notify_json``), not through these."""


# -- reading params --------------------------------------------------------------------


class _WrongType(TypeError):
    pass


def _exactly(kind: type[T], name: str) -> Callable[[object, type], T]:
    def structure(value: object, _: type) -> T:
        if type(value) is not kind:  # bool is not an integer here
            raise _WrongType(f"expected {name}, got {value!r:.60}")
        return value
    return structure


def _is_list(kind: Any) -> bool:
    return get_origin(kind) is list


def _list_of(kind: Any, converter: cattrs.Converter) -> Callable[[object, Any], list[Any]]:
    items = list_structure_factory(kind, converter)

    def structure(value: object, _: Any) -> list[Any]:
        if not isinstance(value, list):  # cattrs would read a string as a list of letters
            raise _WrongType(f"expected a list, got {value!r:.60}")
        return cast("list[Any]", items(value, kind))
    return structure


def _strict_converter() -> cattrs.Converter:
    converter = get_converter()  # a fresh one: lsprotocol's hooks bind to their converter
    converter.register_structure_hook(str, _exactly(str, "a string"))
    converter.register_structure_hook(int, _exactly(int, "an integer"))
    converter.register_structure_hook_factory(_is_list, lambda t: _list_of(t, converter))
    return converter


_CONVERTER = _strict_converter()


def parse(value: object, kind: type[T], where: str = "params") -> T:
    """``value`` (plain JSON) as ``kind``; BadParams names each part that does not fit."""
    if attrs.has(kind) and not isinstance(value, dict):
        raise BadParams(f"{where} must be an object, got {value!r:.60}")
    try:
        return _CONVERTER.structure(value, kind)
    except (cattrs.BaseValidationError, TypeError, ValueError, KeyError) as exc:
        raise BadParams(_describe(exc, where)) from None


def _describe(exc: Exception, where: str) -> str:
    problems = []
    for line in cattrs.transform_error(exc, path=where, format_exception=_why):
        why, _, path = line.rpartition(" @ ")
        problems.append(f"{re.sub(r'_([a-z])', lambda m: m[1].upper(), path)}: {why}")
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return "; ".join(problems[:3]) + more


def _why(exc: BaseException, kind: type | None) -> str:
    if isinstance(exc, KeyError):
        return "missing"
    if isinstance(exc, (_WrongType, ValueError)):  # ValueError: lsprotocol's range checks
        return str(exc)
    return format_exception(exc, kind)


# -- registering handlers --------------------------------------------------------------


def notification(server: CountersignServer, method: str, kind: type[P],
                 handler: Callable[[CountersignServer, P], None]) -> None:
    """Handle ``method`` with its params read as ``kind``; bad ones are logged and ignored.

    A notification has nobody to answer, so anything wrong with it (a ``ValueError``,
    a document not open) goes to the log and the client's output panel.
    """
    def receive(ls: CountersignServer, params: Any) -> None:
        try:
            handler(ls, parse(params, kind))
        except (ValueError, DocumentError) as exc:
            log.warning("ignoring %s: %s (params: %.300r)", method, exc, params)
            ls.window_log_message(types.LogMessageParams(
                types.MessageType.Warning, f"countersign: ignoring {method}: {exc}"))

    server.feature(method)(receive)


def request(server: CountersignServer, method: str, kind: type[P],
            handler: Callable[[CountersignServer, P], R]) -> None:
    """Handle ``method`` with its params read as ``kind``; bad ones get ``InvalidParams``.

    So does a document the server does not track (``DocumentError``). ``handler`` may be
    a coroutine function.
    """
    if inspect.iscoroutinefunction(handler):
        async def answer_later(ls: CountersignServer, params: Any) -> Any:
            try:
                return await cast(Awaitable[Any], handler(ls, parse(params, kind)))
            except (BadParams, DocumentError) as exc:
                raise JsonRpcInvalidParams(str(exc)) from None

        server.feature(method)(answer_later)
        return

    def answer(ls: CountersignServer, params: Any) -> R:
        try:
            return handler(ls, parse(params, kind))
        except (BadParams, DocumentError) as exc:
            raise JsonRpcInvalidParams(str(exc)) from None

    server.feature(method)(answer)


# -- command arguments -----------------------------------------------------------------


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
