"""Structural rules: loading, matching, regions, missing attributes, SQL statements, and the
language server's per-unit re-matching checked against a whole-file scan."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from countersign.core.config import Config, build_ruleset
from countersign.core.diagnostics import message
from countersign.core.diff import FileChange
from countersign.core.origin import Origin
from countersign.core.rulepack import load_pack
from countersign.core.rules import RuleSet
from countersign.core.structure import language_of
from countersign.core.tiers import Tier
from countersign.core.tracked import TrackedDocument
from countersign.core.trailers import compute_stamp, needs_content

AI = Origin("inline", "copilot")
RULES, _ = build_ruleset(Config())

DB = '''\
provider "aws" {
  region = "eu-west-1"
}

resource "aws_db_instance" "main" {
  engine              = "postgres"
  storage_encrypted   = true
  deletion_protection = true
  allocated_storage   = 100
}
'''

HEADER = '''\
[pack]
name = "demo"

[[rules]]
id = "TST001"
tier = "high"
title = "t"
message = "m"
category = "security"
language = "python"
'''


def pack(tmp_path: Path, body: str) -> tuple[list[str], list[str]]:
    path = tmp_path / "demo.toml"
    path.write_text(HEADER + body + 'examples.fire = ["x"]\nexamples.ok = ["y"]\n')
    rules, errors = load_pack(path)
    return [r.id for r in rules], [str(e).replace(str(path), "demo.toml") for e in errors]


@pytest.mark.parametrize(("body", "error"), [
    ('structure.pattern = "requests.get($$$, verify=False"\n',
     "demo.toml:11: rule TST001: key 'structure.pattern': pattern 'requests.get($$$, "
     "verify=False' is not valid python code (ast-grep would match it loosely or not at all)"),
    ('structure.kind = "call"\nstructure.has = { kind = "no_such_kind" }\n',
     "demo.toml:12: rule TST001: key 'structure.has.kind': 'no_such_kind' is not a node kind "
     "of python (see the grammar's node-types, or the ast-grep playground)"),
    ("structure.any = [\n  { kind = \"call\", regex = '(?<=x)y' },\n]\n",
     "demo.toml:12: rule TST001: key 'structure.any[0].regex': invalid regex '(?<=x)y': "),
    ('structure.kind = "call"\nstructure.inside = { kind = "module", stopBy = "far" }\n',
     "demo.toml:12: rule TST001: key 'structure.inside.stopBy': expected a table with at least "
     "one of "),
    ('structure.kind = "call"\nstructure.kinds = "call"\n',
     "demo.toml:12: rule TST001: key 'structure.kinds': unknown key (allowed: "),
    ('structure.kind = "call"\nregion = 3\n',
     "demo.toml:12: rule TST001: key 'region': expected true or a name template"),
    ('sql.statement = "delete"\n',
     "demo.toml:10: rule TST001: key 'language': an sql pattern needs language = \"sql\""),
])
def test_a_broken_structural_rule_names_pack_rule_and_key(
    tmp_path: Path, body: str, error: str
) -> None:
    ids, errors = pack(tmp_path, body)
    assert ids == []
    assert len(errors) == 1 and errors[0].startswith(error), errors


def test_a_key_after_a_structure_header_gets_a_hint(tmp_path: Path) -> None:
    ids, errors = pack(tmp_path, '[rules.structure]\nkind = "call"\nregion = true\n')
    assert ids == [] and "belongs to that table: put it above" in errors[0]


def test_an_unknown_language_is_refused(tmp_path: Path) -> None:
    body = HEADER.replace('language = "python"', 'language = "cobol"')
    path = tmp_path / "demo.toml"
    path.write_text(body + 'structure.kind = "call"\nexamples.fire = ["x"]\nexamples.ok = ["y"]\n')
    _, errors = load_pack(path)
    assert "key 'language': unknown language 'cobol'; expected one of bash" in str(errors[0])


def test_languages_by_file_name() -> None:
    assert [language_of(p) for p in ("infra/main.tf", "a.tf.json", "x.sql", "W.YML", "a.txt")] \
        == ["hcl", "json", "sql", "yaml", None]


def test_a_region_names_itself_and_takes_its_tier_on_the_first_ai_line() -> None:
    ai = {8: AI}  # allocated_storage, inside the aws_db_instance block
    findings = [f for f in RULES.scan_text("infra/rds.tf", DB, ai) if f.rule.id == "INF017"]
    assert [(f.line, f.region, f.origin) for f in findings] == [
        (8, "resource aws_db_instance.main", AI)]
    assert "AI-written by copilot (inline) inside resource aws_db_instance.main; tier " \
        "critical" in message(findings[0], Config())
    assert not [f for f in RULES.scan_text("infra/rds.tf", DB, {1: AI}) if f.rule.id == "INF017"]


def test_a_missing_attribute_is_reported_on_the_block_header() -> None:
    text = DB.replace("  storage_encrypted   = true\n", "")
    found = [(f.rule.id, f.line) for f in RULES.scan_text("infra/rds.tf", text, {7: AI})
             if f.rule.id in {"INF016", "DES011"}]
    assert found == [("INF016", 4)]
    assert not [f for f in RULES.scan_text("infra/rds.tf", DB, None) if f.rule.id == "INF016"]


def test_negative_context_deny_and_condition() -> None:
    allow = '{"Statement": [{"Effect": "Allow",\n  "Action": "*",\n  "Resource": "*"}]}'
    deny = allow.replace("Allow", "Deny")
    assert [f.line for f in RULES.scan_text("policy.json", allow) if f.rule.id == "INF004"] == [1]
    assert not [f for f in RULES.scan_text("policy.json", deny) if f.rule.id == "INF004"]


def test_sql_statements_are_judged_whole() -> None:
    text = "DELETE FROM sessions\nWHERE expires_at < now();\n\\connect other\nDELETE FROM carts;\n"
    assert [(f.rule.id, f.line) for f in RULES.scan_text("db/cleanup.sql", text)] == [
        ("DAT005", 3)]


def test_sql_that_no_dialect_reads_is_judged_by_the_regex_line_by_line() -> None:
    """A typo or an unknown dialect must not hide a DROP from the gate; comments stay quiet."""
    text = ("-- DROP TABLE users; (a comment)\nSELECT 1;\nplz DROP TABLE users;\n"
            "DELETE FROM carts WHERE id = 1;\n")
    assert [(f.rule.id, f.line) for f in RULES.scan_text("db/cleanup.sql", text)] == [
        ("DAT002", 2)]


def test_without_the_text_a_ported_rule_falls_back_to_its_regex() -> None:
    line = "requests.get(url, verify=False)"
    assert [r.id for r, _, _ in RULES.match_line("a.py", line)] == []
    assert [r.id for r, _, _ in RULES.match_line("a.py", line, structured=False)] == [
        "CON001", "SEC005"]


def test_the_hook_judges_a_multi_line_call_and_a_region_from_the_new_text() -> None:
    text = "resp = requests.post(\n    url,\n    verify=False,\n    timeout=5,\n)\n"
    change = FileChange("app/client.py", added={2: "    verify=False,"})
    ai = {"app/client.py": {2: AI}}
    assert needs_content([change], ai, RULES) == ["app/client.py"]
    stamp = compute_stamp([change], ai, RULES, Config(), {"app/client.py": text})
    assert stamp.rule_ids() == ["SEC005"] and stamp.tier == Tier.HIGH
    human = compute_stamp([change], {}, RULES, Config(), {"app/client.py": text})
    assert human.rule_ids() == []
    tf = FileChange("infra/rds.tf", added={8: "  allocated_storage   = 100"})
    stamp = compute_stamp([tf], {"infra/rds.tf": {8: AI}}, RULES, Config(), {"infra/rds.tf": DB})
    assert stamp.tier == Tier.CRITICAL and "INF017" in stamp.rule_ids()


def test_a_suppression_on_the_region_header_counts() -> None:
    text = DB.replace('"main" {', '"main" {  # countersign: ignore[INF017] sandbox database')
    found = [f for f in RULES.scan_text("infra/rds.tf", text, {8: AI}) if f.rule.id == "INF017"]
    assert found and found[0].suppression is not None and not found[0].active
    # the comment on an AI-written header is the AI's own: it does not count
    own = [f for f in RULES.scan_text("infra/rds.tf", text, {4: AI, 8: AI})
           if f.rule.id == "INF017"]
    assert own and own[0].active


# -- the language server's incremental structure -------------------------------------------

PY_UNITS = [
    "x = 1\n",
    "requests.get(url, verify=False)\n",
    "resp = requests.post(\n    url,\n    verify=False,\n)\n",
    "@login_required\ndef view(request):\n    return run(request)\n",
    "def f():\n    eval(code)\n",
    "subprocess.run(cmd, shell=True)\n",
    "\n",
    "# comment\n",
    "class A:\n    def m(self):\n        os.system(cmd)\n",
    "import subprocess as sp\n",
    "from os import system as run\n",
    "sp.getoutput(cmd)\n",
    "run(cmd)\n",
    "from Crypto.Cipher import ARC4 as c4\nx = c4.new(key)\n",
]
TF_UNITS = [
    DB,
    'resource "aws_ebs_volume" "v" {\n  size = 1\n}\n',
    "\n",
    'data "aws_iam_policy_document" "p" {\n  statement {\n    actions = ["*"]\n  }\n}\n',
]
JS_UNITS = [
    "const { exec } = require('child_process');\n",
    "import * as cp from 'child_process';\n",
    "const {\n  spawn: run,\n} = require('child_process');\n",
    "exec(cmd);\n",
    "cp.exec(`ls ${dir}`, done);\n",
    "run(cmd, args, { shell: true });\n",
    "el.innerHTML = html;\n",
    "el.innerHTML = '<b>ok</b>';\n",
    "function f() {\n  eval(code);\n}\n",
    "\n",
    "let x = 1;\n",
    "let h = '<b>';\n",
    "h = x;\n",
    "el.innerHTML = h;\n",
    "function g(h) {\n  el.innerHTML = h;\n}\n",
    "function k() {\n  let h = 'ok';\n  eval(h);\n}\n",
]
PIECES = st.sampled_from(["", "\n", " ", "    ", "(", ")", "{", "}", "x", "verify=False", ",",
                          "shell=True", '"', "def g():\n", "  encrypted = true\n",
                          "@login_required\n", "import os as sp\n", "from os ", " as ",
                          "const ", "exec", " = require('child_process');\n", "{ ", " }",
                          "import * as cp from 'os';\n", "shell: true", "h = ", "let h", "'a'",
                          "h++", "var "])


def _check_against_scan(path: str, units: list[str], data: st.DataObject) -> None:
    text = "".join(data.draw(st.lists(st.sampled_from(units), min_size=1, max_size=8)))
    doc = TrackedDocument(path, text, 1, RULES)
    doc.set_origin([(0, len(text))], AI)
    for _ in range(data.draw(st.integers(0, 6))):
        size = len(doc.text)
        start = data.draw(st.integers(0, size))
        end = data.draw(st.integers(start, min(size, start + 12)))
        doc.change(start, end, data.draw(PIECES), AI if data.draw(st.booleans()) else
                   Origin("human", None))
        doc.settle()
        expected = RULES.scan_text(path, doc.text.text, doc.ai_lines())
        assert _key(doc.findings()) == _key(expected)


def _key(findings: list) -> list[tuple[object, ...]]:
    return sorted((f.rule.id, f.line, f.start, f.end, f.region, f.origin) for f in findings)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.data())
def test_per_unit_rematching_equals_a_whole_file_scan_python(data: st.DataObject) -> None:
    """Import aliases included: an edit to an import line re-matches the uses below it."""
    _check_against_scan("app/views.py", PY_UNITS, data)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.data())
def test_per_unit_rematching_equals_a_whole_file_scan_javascript(data: st.DataObject) -> None:
    """require / import aliases and destructuring: an edit to a declaration re-reads them;
    so does an edit binding a declared name (the file's constants)."""
    _check_against_scan("src/app/run.js", JS_UNITS, data)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.data())
def test_per_unit_rematching_equals_a_whole_file_scan_terraform(data: st.DataObject) -> None:
    _check_against_scan("infra/main.tf", TF_UNITS, data)


def test_an_edit_reparses_only_the_units_around_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from countersign.core import reshape

    text = "".join(f"v{i} = compute({i})\n" for i in range(5000)) + \
        "requests.get(url, verify=False)\n"
    doc = TrackedDocument("app/big.py", text, 1, RULES)
    doc.set_origin([(0, len(text))], AI)
    parsed: list[int] = []
    real = reshape.match_units

    def spy(language: str, rules: object, chunk: str, aliases: object = None) -> object:
        parsed.append(chunk.count("\n") + 1)
        return real(language, rules, chunk, aliases)  # type: ignore[arg-type]

    monkeypatch.setattr(reshape, "match_units", spy)
    start = doc.text.line_range(2500)[0]
    doc.change(start, start, "x")
    end = doc.text.line_range(4999)[1]
    doc.change(end, end, " + 1")
    assert parsed and max(parsed) <= 6 and not doc.structures.stale
    assert [f.rule.id for f in doc.findings() if f.line == 5000] == ["CON001", "SEC005"]


def test_an_edit_in_a_huge_unit_leaves_it_stale_until_settled() -> None:
    body = "".join(f"  a{i} = {i}\n" for i in range(2500))
    text = f'resource "aws_db_instance" "main" {{\n{body}}}\n'
    doc = TrackedDocument("infra/rds.tf", text, 1, RULES)
    doc.set_origin([(0, len(text))], AI)
    end = doc.text.line_range(2)[0]
    doc.change(end, end, "  storage_encrypted = true\n")
    assert doc.structures.stale
    assert "INF016" not in {f.rule.id for f in doc.findings()}  # findings() settles first
    assert not doc.structures.stale


def test_examples_of_every_builtin_rule_pass() -> None:
    from countersign.core.examples import check_examples
    from countersign.core.rulepack import load_builtin

    rules, errors = load_builtin()
    assert errors == []
    assert [str(f) for r in rules for f in check_examples(r)] == []
    structural = [r for r in rules if r.is_structural]
    assert len(structural) >= 15 and {r.id for r in rules if r.region is not None} >= {
        "INF017", "INF018", "AUT012", "DAT013"}
    assert isinstance(RuleSet(structural), RuleSet)


def test_the_word_gate_lets_every_fire_example_through() -> None:
    from countersign.core.examples import example_path
    from countersign.core.gate import opens, regex_gate, structure_gate
    from countersign.core.rulepack import load_builtin

    rules, _ = load_builtin()
    for rule in rules:
        if rule.structure is not None:
            gate = structure_gate(rule.structure)
            parsed = [e for e in rule.fire if rule.parses(example_path(rule, e))]
            assert parsed and all(opens(gate, e.code.lower()) for e in parsed), rule.id
    assert regex_gate(r"^(verify|ssl_verify)\s*=\s*False$") == frozenset(
        {frozenset({"verify", "false"}), frozenset({"ssl_verify", "false"})})
    assert regex_gate(r"x(abc)?y") is None and regex_gate(r"(foo)+bar") == frozenset(
        {frozenset({"foo", "bar"})})
    assert not opens(structure_gate('{"pattern": "ssl._create_unverified_context($$$)"}'),
                     "value = compute(item)")


def test_a_cached_pack_skips_the_checks_it_passed_and_never_hides_an_error(
    tmp_path: Path
) -> None:
    import json

    from countersign.core.rulepack import CHECK_TAG

    cache = tmp_path / "cache"
    good = tmp_path / "good.toml"
    good.write_text(HEADER + 'structure.pattern = "eval($X)"\n'
                    'examples.fire = ["x"]\nexamples.ok = ["y"]\n')
    first, second = load_pack(good, cache), load_pack(good, cache)
    assert first[0] == second[0] and first[1] == second[1] == []
    [stored] = [json.loads(p.read_text()) for p in cache.iterdir()]
    assert stored["countersign-structures-checked"] == CHECK_TAG
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace("eval($X)", "eval($X"))
    for _ in range(2):
        _, errors = load_pack(bad, cache)
        assert [e.key for e in errors] == ["structure.pattern"]


def test_import_aliases_resolve_in_a_scan_and_after_an_edit_to_the_import() -> None:
    text = "import subprocess as sp\n\ndef f(cmd):\n    return sp.getoutput(\n        cmd)\n"
    assert [(f.rule.id, f.line, f.start) for f in RULES.scan_text("app/run.py", text)] == [
        ("SEC002", 3, 11)]
    doc = TrackedDocument("app/run.py", text, 1, RULES)
    doc.set_origin([(0, len(text))], AI)
    doc.change(len("import "), len("import subprocess"), "shlex")
    assert "SEC002" not in {f.rule.id for f in doc.findings()}
    doc.change(len("import "), len("import shlex"), "subprocess")
    assert [f.rule.id for f in doc.findings() if f.line == 3] == ["SEC002"]


def test_javascript_aliases_resolve_in_a_scan_and_after_an_edit_to_the_require() -> None:
    text = ("const { exec } = require('child_process');\n\n"
            "function f(cmd) {\n  exec(\n    cmd);\n}\n")
    assert [(f.rule.id, f.line, f.start) for f in RULES.scan_text("src/run.js", text)] == [
        ("SEC002", 3, 2)]
    doc = TrackedDocument("src/run.js", text, 1, RULES)
    doc.set_origin([(0, len(text))], AI)
    at = text.index("child_process")
    doc.change(at, at + len("child_process"), "./db")
    assert "SEC002" not in {f.rule.id for f in doc.findings()}
    doc.change(at, at + len("./db"), "child_process")
    assert [f.rule.id for f in doc.findings() if f.line == 3] == ["SEC002"]


def test_a_javascript_constant_follows_an_edit_to_its_binding_elsewhere() -> None:
    """An edit to a line binding a name re-reads the file's constants; uses far below it
    match again when typing pauses, as a scan of the new text does."""
    text = ("let banner = '<b>hi</b>';\n" + "call(x);\n" * 30
            + "el.innerHTML = banner;\nfunction show(banner) {\n  el.innerHTML = banner;\n}\n")
    assert [(f.rule.id, f.line) for f in RULES.scan_text("src/view.js", text)] == [
        ("SEC009", 33)]
    doc = TrackedDocument("src/view.js", text, 1, RULES)
    doc.set_origin([(0, len(text))], AI)
    at = text.index("'<b>hi</b>'")
    doc.change(at, at + len("'<b>hi</b>'"), "location.hash")
    doc.settle()
    assert sorted(f.line for f in doc.findings() if f.rule.id == "SEC009") == [31, 33]
    at = doc.text.text.index("location.hash")
    doc.change(at, at + len("location.hash"), "'<i>'")
    doc.settle()
    assert [f.line for f in doc.findings() if f.rule.id == "SEC009"] == [33]


@pytest.mark.parametrize(("path", "text", "line"), [
    ("app/run.py", "\n\nimport subprocess as sp\nsp.getoutput(cmd)\n", 3),
    ("src/run.js", "\n\nconst { exec } = require('child_process');\nexec(cmd);\n", 3),
    ("src/run.ts", "  const { exec } = require('child_process');\n  exec(cmd);\n", 1),
])
def test_aliases_read_the_whole_text_before_the_first_token(path: str, text: str,
                                                            line: int | None) -> None:
    """The parse tree's root starts at its first token: blank lines above it used to shift
    the rewritten lines (an IndexError in a scan), an indented first line was read as an
    import by a scan but not by the editor (now both read it: JS scopes are not indents)."""
    found = [f.line for f in RULES.scan_text(path, text) if f.rule.id == "SEC002"]
    assert found == ([] if line is None else [line])
    doc = TrackedDocument(path, text, 1, RULES)
    doc.set_origin([(0, len(text))], AI)
    assert _key(doc.findings()) == _key(RULES.scan_text(path, text, doc.ai_lines()))


def test_a_promisified_exec_follows_an_edit_to_its_wrapper_elsewhere() -> None:
    """The wrapper's name is a file-level alias: an edit to its declaration re-reads it,
    and an edit next to a use far below agrees with a scan."""
    text = ("const cp = require('child_process');\nconst util = require('util');\n"
            "const run = util.promisify(cp.exec);\n" + "call(x);\n" * 30
            + "async function f(c) {\n  await run(c);\n}\n")
    assert [(f.rule.id, f.line) for f in RULES.scan_text("src/run.js", text)] == [
        ("SEC002", 34)]
    doc = TrackedDocument("src/run.js", text, 1, RULES)
    doc.set_origin([(0, len(text))], AI)
    at = text.index("await run(c)")
    doc.change(at, at, " ")
    assert [(f.rule.id, f.line) for f in doc.findings()] == [("SEC002", 34)]
    at = doc.text.text.index("cp.exec")
    doc.change(at, at + len("cp.exec"), "cp.execFile")
    doc.settle()
    assert "SEC002" not in {f.rule.id for f in doc.findings()}
    assert _key(doc.findings()) == _key(RULES.scan_text("src/run.js", doc.text.text,
                                                        doc.ai_lines()))
