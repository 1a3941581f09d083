"""The session: initialize, the client's settings, and files changed outside the editor."""

from __future__ import annotations

import logging

from lsprotocol import types
from pygls.capabilities import get_capability

from countersign.lsp import convert
from countersign.lsp.server import CountersignServer
from countersign.lsp.settings import parse_settings

log = logging.getLogger(__name__)
WATCHED = [types.FileSystemWatcher("**/*.toml"),
           types.FileSystemWatcher("**/countersign/ledger.db*")]
"""Config files and ledgers: another process (the hook, an agent) may change them."""


def register(server: CountersignServer) -> None:
    """initialize, initialized, workspace/didChangeConfiguration, didChangeWatchedFiles."""
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
    server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(did_change_watched_files)


def initialize(ls: CountersignServer, params: types.InitializeParams) -> None:
    ls.documents.encoding = convert.encoding_of(ls.workspace.position_encoding)
    settings, errors = parse_settings(params.initialization_options)
    ls.apply_settings(settings, errors)
    wants_pull = get_capability(params.capabilities, "text_document.diagnostic") is not None
    mode = settings.diagnostic_mode
    ls.pull = mode == "pull" or (mode == "auto" and wants_pull)


async def initialized(ls: CountersignServer, params: types.InitializedParams) -> None:
    ls.start_watching()
    if get_capability(ls.client_capabilities,
                      "workspace.did_change_watched_files.dynamic_registration", False):
        try:
            await ls.client_register_capability_async(types.RegistrationParams([
                types.Registration("countersign-watch", types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                   types.DidChangeWatchedFilesRegistrationOptions(WATCHED))]))
        except Exception as exc:  # the server polls anyway
            log.warning("could not register file watchers: %s", exc)
    await load_configuration(ls)


async def load_configuration(ls: CountersignServer) -> None:
    """Ask the client for the ``countersign`` settings section, when it can answer."""
    if not get_capability(ls.client_capabilities, "workspace.configuration", False):
        return
    try:
        answer = await ls.workspace_configuration_async(types.ConfigurationParams(
            [types.ConfigurationItem(section="countersign")]))
    except Exception as exc:
        log.warning("workspace/configuration failed: %s", exc)
        return
    if answer and answer[0] is not None:
        ls.apply_settings(*parse_settings(answer[0]))
        ls.refresh_all()


async def did_change_configuration(ls: CountersignServer,
                                   params: types.DidChangeConfigurationParams) -> None:
    if isinstance(params.settings, dict) and params.settings.get("countersign") is not None:
        ls.apply_settings(*parse_settings(params.settings))
        ls.refresh_all()
    else:
        await load_configuration(ls)


def did_change_watched_files(ls: CountersignServer,
                             params: types.DidChangeWatchedFilesParams) -> None:
    ls.check_files()
