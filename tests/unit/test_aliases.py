"""Import aliases (Python, JavaScript): which names are read, where they are used, and columns
mapped back."""

from __future__ import annotations

import pytest

from countersign.core.aliases import (
    column_back,
    file_aliases,
    import_lines,
    is_import_line,
    relevant,
    replacements,
    rewrite,
)
from countersign.core.config import Config, build_ruleset
from countersign.core.jsconstants import constants, sites
from countersign.core.structure import parse_root

IMPORTS = """import os
import subprocess as sp
from Crypto.Cipher import ARC4 as c4, AES
from pickle import (
    loads as unpack,
)
from . import local as other

def f():
    import yaml as y
"""


def test_the_top_level_imports_give_the_aliases() -> None:
    assert file_aliases(IMPORTS) == {
        "sp": "subprocess", "c4": "Crypto.Cipher.ARC4", "AES": "Crypto.Cipher.AES",
        "unpack": "pickle.loads"}


def test_uses_are_rewritten_but_not_attributes_keywords_or_definitions() -> None:
    text = "sp.run(x)\nobj.sp(sp=1, k=sp)\ndef sp(): pass\n"
    found = replacements(parse_root("python", text), {"sp": "subprocess"})
    assert rewrite(text, found) == \
        "subprocess.run(x)\nobj.sp(sp=1, k=subprocess)\ndef sp(): pass\n"


def test_a_parameter_default_is_a_use_but_its_name_is_not() -> None:
    text = "def f(v=V1, w: int = V1, V1=0): pass\n"
    found = replacements(parse_root("python", text), {"V1": "ssl.PROTOCOL_TLSv1"})
    assert rewrite(text, found) == ("def f(v=ssl.PROTOCOL_TLSv1, w: int = ssl.PROTOCOL_TLSv1, "
                                    "V1=0): pass\n")


@pytest.mark.parametrize(("column", "end", "back"), [
    (0, False, 0), (2, False, 0), (10, True, 2), (11, False, 3), (17, False, 9),
    (20, False, 10), (20, True, 12), (36, True, 12), (37, False, 13)])
def test_columns_map_back_to_the_original_line(column: int, end: bool, back: int) -> None:
    # "sp.run(x, c4)" -> "subprocess.run(x, Crypto.Cipher.ARC4)"
    found = [(0, 0, 2, "subprocess"), (0, 10, 2, "Crypto.Cipher.ARC4")]
    assert rewrite("sp.run(x, c4)", found) == "subprocess.run(x, Crypto.Cipher.ARC4)"
    assert column_back(found, 0, column, end) == back


JS_IMPORTS = """import * as cp from 'node:child_process';
import run, { execSync as es, spawn } from "child_process";
import { thing } from './local';
const { exec, spawn: sp } = require('child_process');
const ex2 = require("child_process").exec;
const {
  execFile,
} = require('child_process');
let count = 0;
function f() {
  const inner = require('vm');
}
"""
# a require inside a function binds the same module: indented declarations count too


def test_javascript_imports_and_require_destructuring_give_the_aliases() -> None:
    assert file_aliases(JS_IMPORTS, "javascript") == {
        "cp": "child_process", "run": "child_process", "es": "child_process.execSync",
        "spawn": "child_process.spawn", "exec": "child_process.exec",
        "sp": "child_process.spawn", "ex2": "child_process.exec",
        "execFile": "child_process.execFile", "inner": "vm", "count": "0"}
    assert file_aliases(JS_IMPORTS, "typescript") == file_aliases(JS_IMPORTS, "javascript")


def test_javascript_import_lines_cover_a_multi_line_require() -> None:
    marks = import_lines(JS_IMPORTS.split("\n"), "javascript")
    assert marks[:8] == [True] * 8 and not any(marks[8:10]) and marks[10]


def test_javascript_uses_are_rewritten_but_not_properties_or_the_imports() -> None:
    text = ("const { exec } = require('child_process');\n"
            "exec(cmd); obj.exec(cmd); const o = { exec };\n"
            "function g(exec) { return 1; }\n")
    found = replacements(parse_root("javascript", text), {"exec": "child_process.exec"},
                         "javascript")
    assert rewrite(text, found) == (
        "const { exec } = require('child_process');\n"
        "child_process.exec(cmd); obj.exec(cmd); const o = { exec };\n"
        "function g(exec) { return 1; }\n")


JS_CONSTANTS = """const cp = require('child_process');
const CMD = 'ls -l';
const LIMIT = 3;
const built = `ls ${dir}`;
let later = 'x';
  const inner = 'y';
"""
# a name every binding gives a constant is one, at any indentation; a template with a
# substitution is not a constant


def test_javascript_constants_are_read_with_the_imports() -> None:
    assert file_aliases(JS_CONSTANTS, "javascript") == {
        "cp": "child_process", "CMD": "'ls -l'", "LIMIT": "3", "later": "'x'",
        "inner": "'y'"}
    assert is_import_line("const CMD = 'ls -l';", "javascript")


def test_a_files_binding_places_are_its_lines_put_together() -> None:
    """What lets the editor keep them per line and re-read the constants only when an
    edit changes them."""
    text = JS_CONSTANTS + "let c; c = 123; el.innerHTML = `${c}`;\nlater += x; n++;\n"
    assert sites(text) != [] and sorted(sites(text), key=repr) == sorted(
        (s for line in text.split("\n") for s in sites(line)), key=repr)
    assert constants(text) == {"CMD": "'ls -l'", "LIMIT": "3", "inner": "'y'", "c": "123"}


@pytest.mark.parametrize(("code", "name", "value"), [
    ("let a = 'x'; let b = a; const c = b + 'y';", "c", '""'),
    ("const c = 'x' + \"y\";", "c", "('x' + \"y\")"),
    ("let a = 'x'; let b = a; const c = b + 'y';", "b", '""'),
    ("let a; if (m) { a = 'x'; } else { a = \"y\"; }", "a", '"y"'),
    ("var a = 'x'; a = evil;", "a", None),
    ("var a = 'x'; a = f();", "a", None),
    ("var a = 'x';\na =\n  'y';", "a", None),
    ("let a = `t`; a += 'x';", "a", None),
    ("for (let a of xs) {}", "a", None),
    ("let a = ''; for (a of xs) {}", "a", None),
    ("let a = ''; [a] = xs;", "a", None),
    ("let a = ''; ({ a } = o);", "a", None),
    ("let a = ''; xs[a] = 1;", "a", "''"),
    ("let a = ''; const { a: b, c } = o;", "c", None),
    ("let c = 'x';\nlet [p, c] = pair;", "c", None),
    ("let a = this;", "a", None),
    ("let a = 'x';", "b", None),
])
def test_a_name_is_a_constant_when_every_binding_gives_it_one(
        code: str, name: str, value: str | None) -> None:
    assert constants(code).get(name) == value


def test_constants_are_resolved_whatever_the_file_imports() -> None:
    words = frozenset({"child_process"})
    assert relevant({"cp": "child_process", "CMD": "'ls'"}, words) == {
        "cp": "child_process", "CMD": "'ls'"}
    assert relevant({"child_process": "child_process", "CMD": "'ls'"}, words) == {
        "CMD": "'ls'"}
    assert relevant({"fs": "fs", "CMD": "'ls'"}, words) == {"CMD": "'ls'"}


def test_a_constant_command_passed_by_name_is_not_a_shell_injection() -> None:
    rules, _ = build_ruleset(Config())
    safe = "const cp = require('child_process');\nconst CMD = 'ls';\ncp.exec(CMD);\n"
    bad = "const cp = require('child_process');\nlet cmd = 'ls';\ncmd += x;\ncp.exec(cmd);\n"
    assert not any(f.rule.id == "SEC002" for f in rules.scan_text("src/a.js", safe))
    assert any(f.rule.id == "SEC002" for f in rules.scan_text("src/a.js", bad))


@pytest.mark.parametrize(("code", "bound"), [
    ("const util = require('util');\nconst cp = require('child_process');\n"
     "const run = util.promisify(cp.exec);\n", "util.promisify(child_process.exec)"),
    ("const { promisify } = require('node:util');\nconst { exec } = require('child_process');\n"
     "const run = promisify(exec);\n", "util.promisify(child_process.exec)"),
    ("const run = require('util').promisify(require('child_process').execSync);\n",
     "util.promisify(child_process.execSync)"),
    ("const run = promisify(local);\n", None),
    ("const CMD = 'ls';\nconst run = promisify(CMD);\n", None),
    ("const run = require('bluebird').promisifyAll(require('child_process'));\n",
     "child_process"),
    ("const cp = require('child_process');\nconst run = thenifyAll(cp);\n", "child_process"),
    ("const cp = require('child_process');\nconst run = promisifyAll(cp.exec);\n", None),
    ("const run = promisifyAll(local);\n", None),
])
def test_a_promisified_member_binds_its_wrapper(code: str, bound: str | None) -> None:
    assert file_aliases(code, "javascript").get("run") == bound
    assert import_lines(code.split("\n"), "javascript")[code.count("\n") - 1]
    assert is_import_line("const run = promisify(exec);", "javascript")


def test_a_promisified_exec_is_a_shell_command_through_its_name() -> None:
    rules, _ = build_ruleset(Config())
    head = "const { promisify } = require('util');\nconst cp = require('child_process');\n"
    bad = head + "const run = promisify(cp.exec);\nasync function f(c) { await run(c); }\n"
    safe = head + "const run = promisify(cp.execFile);\nasync function f(c) { await run(c); }\n"
    assert [(f.rule.id, f.line) for f in rules.scan_text("src/a.js", bad)
            if f.rule.id == "SEC002"] == [("SEC002", 3)]
    assert not any(f.rule.id == "SEC002" for f in rules.scan_text("src/a.js", safe))


def test_a_promisified_module_is_the_module_and_a_bare_exec_is_not() -> None:
    rules, _ = build_ruleset(Config())
    bound = "const pcp = promisifyAll(require('child_process'));\npcp.exec(code);\n"
    bare = "pcp.exec(code);\n"
    assert [(f.rule.id, f.line) for f in rules.scan_text("src/a.js", bound)
            if f.rule.id == "SEC002"] == [("SEC002", 1)]
    assert not any(f.rule.id == "SEC002" for f in rules.scan_text("src/a.js", bare))
