"""Handlers for countersign's own messages and commands, with their params typed.

A handler takes the attrs class of its params (``messages``) or declares the type of each
command argument; these wrappers read them with an lsprotocol converter that is strict about
JSON types (cattrs alone reads ``5`` as the string ``"5"`` and ``null`` as ``"None"``). What
does not fit is answered with an ``InvalidParams`` error naming the field (requests and
commands), or logged and ignored (notifications).
"""

from __future__ import annotations

import inspect
import logging
import re
import typing
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast, get_origin

import attrs
import cattrs
from cattrs.cols import list_structure_factory
from cattrs.v import format_exception
from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from countersign.lsp.documents import DocumentError
from countersign.lsp.messages import BadParams

if TYPE_CHECKING:
    from countersign.lsp.server import CountersignServer

log = logging.getLogger(__name__)
T = TypeVar("T")
P = TypeVar("P")
R = TypeVar("R")


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
        raise BadParams(describe(exc, where)) from None


def describe(exc: Exception, where: str) -> str:
    """What does not fit in ``exc``, each part named by its path under ``where`` ("" for
    paths from the top: ``params.position``)."""
    problems = []
    for line in cattrs.transform_error(exc, path=where, format_exception=_why):
        why, _, path = line.rpartition(" @ ")
        path = re.sub(r"_([a-z])", lambda m: m[1].upper(), path).lstrip(".")
        problems.append(f"{path}: {why}")
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return "; ".join(problems[:3]) + more


def _why(exc: BaseException, kind: type | None) -> str:
    if isinstance(exc, KeyError):
        return "missing"
    if isinstance(exc, (_WrongType, ValueError)):  # ValueError: lsprotocol's range checks
        return str(exc)
    return format_exception(exc, kind)


# -- registering handlers and commands ------------------------------------------------


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

def command(server: CountersignServer, name: str, handler: Callable[..., R]) -> None:
    """Run ``handler`` for command ``name``, each argument read as the type it declares.

    Missing trailing arguments take the handler's defaults and extra ones are ignored, as
    clients send what they have. (pygls reads typed command arguments too, but takes no
    optional ones and answers a bad one with "While structuring Range".) Bad arguments and
    documents the server does not track get ``InvalidParams``.
    """
    params = list(inspect.signature(handler).parameters.values())[1:]
    hints = typing.get_type_hints(handler)

    def run(ls: LanguageServer, *args: Any) -> R:
        try:
            values = [_argument(args, i, p, hints[p.name]) for i, p in enumerate(params)]
            return handler(cast("CountersignServer", ls), *values)
        except (BadParams, DocumentError) as exc:
            raise JsonRpcInvalidParams(str(exc)) from None

    server.command(name)(run)


def _argument(args: tuple[Any, ...], index: int, param: inspect.Parameter, kind: Any) -> Any:
    if index < len(args):
        return parse(args[index], kind, f"arguments[{index}]")
    if param.default is inspect.Parameter.empty:
        raise BadParams(f"arguments[{index}] ({param.name}) is missing")
    return param.default
