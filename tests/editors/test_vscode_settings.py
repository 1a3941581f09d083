"""The VS Code extension's settings schema (``package.json``) mirrors the server's settings.

``contributes.configuration`` must declare every field of ``lsp.settings.Settings`` (nested
dataclasses as dotted keys, camelCase) with the same default, a matching type and limits, a
description and a scope; and nothing else, except the settings only the extension reads
(``CLIENT_ONLY`` in ``src/settings.ts``, which keeps them out of what the server is sent).
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from pathlib import Path
from typing import Any

import pytest

from countersign.lsp import settings as server_settings
from countersign.lsp.settings import Settings

EXTENSION = Path(__file__).parents[2] / "editors" / "vscode"
PACKAGE = json.loads((EXTENSION / "package.json").read_text())
PROPERTIES: dict[str, dict[str, Any]] = PACKAGE["contributes"]["configuration"]["properties"]
SCOPES = {"application", "machine", "machine-overridable", "window", "resource",
          "language-overridable"}


def camel(name: str) -> str:
    return re.sub(r"_(\w)", lambda m: m.group(1).upper(), name)


def server_fields(cls: Any = Settings, prefix: str = "") -> dict[str, dataclasses.Field[Any]]:
    """``countersign.<dotted camelCase key>`` -> dataclass field, nested ones flattened."""
    out: dict[str, dataclasses.Field[Any]] = {}
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[f.name]):
            out |= server_fields(hints[f.name], f"{prefix}{camel(f.name)}.")
        else:
            out[f"countersign.{prefix}{camel(f.name)}"] = f
    return out


def client_only() -> set[str]:
    source = (EXTENSION / "src" / "settings.ts").read_text()
    match = re.search(r"export const CLIENT_ONLY = \[([^\]]*)\]", source)
    assert match, "src/settings.ts no longer declares CLIENT_ONLY"
    return {f"countersign.{key}" for key in re.findall(r"'([^']+)'", match.group(1))}


SERVER = server_fields()
CLIENT_ONLY = client_only()


def default_of(f: dataclasses.Field[Any]) -> Any:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def schema_types(annotation: Any) -> set[str]:
    """JSON schema types for a field's annotation (``int | None`` -> integer, null)."""
    if typing.get_origin(annotation) is typing.Literal:
        return {"string"}
    out: set[str] = set()
    for arg in typing.get_args(annotation) or (annotation,):
        if arg is type(None):
            out.add("null")
        elif arg is bool:
            out.add("boolean")
        elif arg is int:
            out.add("integer")
        elif arg is str:
            out.add("string")
        else:
            raise AssertionError(f"no JSON schema type for {arg!r}")
    return out


def hints_of(key: str) -> Any:
    """The annotation of a server setting, found through the nested dataclasses."""
    cls: Any = Settings
    *parents, last = key.removeprefix("countersign.").split(".")
    for part in parents:
        cls = typing.get_type_hints(cls)[re.sub(r"(?<!^)(?=[A-Z])", "_", part).lower()]
    return typing.get_type_hints(cls)[re.sub(r"(?<!^)(?=[A-Z])", "_", last).lower()]


def test_every_server_setting_is_declared() -> None:
    missing = sorted(set(SERVER) - set(PROPERTIES))
    assert missing == [], f"add these to contributes.configuration in package.json: {missing}"


def test_every_declared_setting_is_the_servers_or_client_only() -> None:
    unknown = sorted(set(PROPERTIES) - set(SERVER) - CLIENT_ONLY)
    assert unknown == [], f"not server settings and not in CLIENT_ONLY (src/settings.ts): {unknown}"
    assert set(PROPERTIES) >= CLIENT_ONLY, "CLIENT_ONLY names a setting package.json lacks"
    assert {"countersign.server.path", "countersign.interpreter"} <= CLIENT_ONLY


@pytest.mark.parametrize("key", sorted(PROPERTIES))
def test_every_property_has_default_description_and_scope(key: str) -> None:
    prop = PROPERTIES[key]
    assert "default" in prop, key
    assert prop.get("description") or prop.get("markdownDescription"), key
    assert prop.get("scope") in SCOPES, key


@pytest.mark.parametrize("key", sorted(SERVER))
def test_server_setting_default_type_and_limits_agree(key: str) -> None:
    f, prop = SERVER[key], PROPERTIES[key]
    assert prop["default"] == default_of(f), key

    declared = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
    assert set(declared) == schema_types(hints_of(key)), key

    annotation = hints_of(key)
    if typing.get_origin(annotation) is typing.Literal:
        assert prop["enum"] == list(typing.get_args(annotation)), key
    limits = f.metadata.get("limits")
    if "integer" in declared:
        assert limits is not None, key
        assert (prop["minimum"], prop["maximum"]) == limits, key


def test_the_server_accepts_the_schema_defaults() -> None:
    """What the extension sends on a fresh install parses without a single complaint."""
    sent: dict[str, Any] = {}
    for key in SERVER:
        *parents, last = key.removeprefix("countersign.").split(".")
        node = sent
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = PROPERTIES[key]["default"]
    parsed, errors = server_settings.parse_settings(sent)
    assert errors == []
    assert parsed == Settings()


def test_every_contributed_command_is_registered() -> None:
    source = "\n".join(p.read_text() for p in (EXTENSION / "src").glob("*.ts"))
    for command in PACKAGE["contributes"]["commands"]:
        assert f"'{command['command']}'" in source, command["command"]
