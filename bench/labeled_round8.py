"""Labeled cases from the eighth round's sources (see ``labeled_cases.py``): the held-out set.

Parts of two public test suites no earlier round read, read file by file with the search
tool's ``read_file`` (both repositories are over the fetch limit) into ``SNAPSHOTS/codeql8``
and ``SNAPSHOTS/kics8``, each with a ``MANIFEST.tsv`` naming every file's commit:

- github/codeql (MIT): query tests other than the six files of the seventh round. Python
  ``CWE-078-CommandInjection/command_injection.py`` (SEC002), ``CWE-094/code_injection.py``
  (SEC001), ``CWE-502/unsafe_deserialization.py`` (SEC003; ``yaml.load`` SEC004); JavaScript
  ``CWE-078/UnsafeShellCommandConstruction/lib/lib.js`` and
  ``CWE-078/ShellCommandInjectionFromEnvironment/tst_shell-command-injection-from-
  environment.js`` (SEC002), ``CWE-079/DomBasedXss/tst.js`` (SEC009). Each simple one-line
  statement is a case (Python: with the file's imports its names use; JavaScript: with the
  file's one-line ``require`` declarations), labeled by its trailing comment or, in older
  files, by a comment line right above it holding only the label: ``$ Alert`` /
  ``$ MISSING: Alert`` / ``NOT OK`` / ``BAD`` bad; ``$ SPURIOUS: Alert`` / ``OK`` / ``GOOD``
  good. CodeQL follows taint from a source; countersign's rules are about the statement, so
  a bad case must call the rule's sink with a non-constant value and stay inside the rule's
  definition (SEC002: a shell runs the command: ``os.system``, ``os.popen``, ``shell=True``,
  ``exec``/``execSync``, ``execa.shell``, a literal ``shell: true`` option; a program run
  without a shell (``execFile``, ``subprocess.run(cmd)``) is argument injection, outside it).
  A good case must keep the value from the sink as the test says: a labeled statement whose
  sink gets only constants, or an unlabeled one that calls no shell / renders no HTML; a
  labeled-good statement passing a non-constant value to the sink is kept only when the
  statement shows the sanitizer (``SANITIZED``; ``// OK - not exported``, whose statement
  elsewhere is labeled bad, is left out), and so is a
  statement text labeled both ways (its label came from context the snippet does not hold).
  jQuery's ``$(...).html(x)`` counts as a raw HTML sink (the receiver is jQuery's ``$``);
  ``element.html(x)`` of an unknown receiver and AngularJS ``$sce`` calls are left out.
- Checkmarx/kics (Apache-2.0), queries no round read (``labeled_round8_kics.py``).
- ankane/strong_migrations (MIT), its Rails migration tests (``labeled_round8_sql.py``;
  fetched whole into the mirror).

Which checks map to which countersign rule, and the filters, were decided from the tests'
names and files and countersign's rule titles before countersign ran on any of these cases.
"""

from __future__ import annotations

import argparse
import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from ast_grep_py import SgRoot

from labeled_cases import Case, Repo
from labeled_round7_code import _dynamic_sink
from labeled_round7_kics import Snapshot

CODEQL8 = Repo("github/codeql", "MIT")
JS, PY = "javascript", "python"
PY_TEST = "python/ql/test/query-tests/Security"
PY_SHELL = (r"\bos\.(system|popen)\(|shell\s*=\s*True", r"\bos\.(system|popen)\(|shell\s*=")
"""SEC002: a bad statement runs a shell; a good one names a shell call (``shell=False``: the
sink is not reached)."""
JS_TEST = "javascript/ql/test/query-tests/Security"

PY_TESTS = {  # test file -> {countersign rule: (what a bad statement must call, a good one name)}
    f"{PY_TEST}/CWE-078-CommandInjection/command_injection.py": {"SEC002": PY_SHELL},
    f"{PY_TEST}/CWE-078-UnsafeShellCommandConstruction/src/unsafe_shell_test.py": {
        "SEC002": PY_SHELL},
    f"{PY_TEST}/CWE-094/code_injection.py": {
        "SEC001": (r"^\s*(\w+\s*=\s*)?(eval|exec)\(", r"\b(eval|exec)\(")},
    f"{PY_TEST}/CWE-502/unsafe_deserialization.py": {
        "SEC003": (r"\b(pickle|marshal|dill)\.loads?\(", r"\b(pickle|marshal|dill)\.loads?\("),
        "SEC004": (r"\byaml\.load\(", r"\byaml\.load\(")},
}
"""Out: ``CWE-079-Jinja2WithoutEscaping`` (its bad cases are ``Environment(...)`` left at
Jinja's default, a setting rather than a value rendered raw)."""
JS_SHELL = r"(^|\.)exec(Sync)?$|^execa\.shell(Sync)?$"
JS_HTML = r"\.(innerHTML|outerHTML)$|^document\.write(ln)?$|\.insertAdjacentHTML$|^\$\(.*\)\.html$"
JS_TESTS = {  # test file -> (countersign rule, sink: a callee or an assigned property)
    f"{JS_TEST}/CWE-078/UnsafeShellCommandConstruction/lib/lib.js": ("SEC002", JS_SHELL),
    f"{JS_TEST}/CWE-078/ShellCommandInjectionFromEnvironment/"
    "tst_shell-command-injection-from-environment.js": ("SEC002", JS_SHELL),
    f"{JS_TEST}/CWE-079/DomBasedXss/tst.js": ("SEC009", JS_HTML),
}
JS_SUBJECT = {"SEC002": r"\b(exec|execSync|execFile|execFileSync|spawn|spawnSync|shell\w*)\(",
              "SEC009": r"innerHTML|outerHTML|document\.write|insertAdjacentHTML|\.html\(|"
                         r"dangerouslySetInnerHTML"}
"""A good JavaScript statement must name what the rule is about."""
SHELL_OPTION = re.compile(r"\bshell\s*:\s*true\b")
"""``spawn`` / ``execFile`` with a literal ``{shell: true}`` run a shell: inside SEC002."""
REACT_HTML = re.compile(r"dangerouslySetInnerHTML\s*[:=]\s*\{+\s*__html\s*:\s*(?![\"'`\s])")
"""React's ``dangerouslySetInnerHTML`` given a non-literal ``__html``."""
LITERAL_PROGRAM = re.compile(r"\b(execFile|execFileSync|spawn|spawnSync)\(\s*['\"](?!(sh|bash|cmd"
                             r"|cmd\.exe|/bin/sh)['\"])")
OPTIONS_NAME = re.compile(r",\s*[A-Za-z_$][\w$]*\s*\)\s*;?$")
"""An unlabeled ``execFile`` / ``spawn`` is good only when it names a program that is not a
shell and passes no options object by name (``spawn("rm", arr, SPAWN_OPT)`` may say
``shell: true``; ``cp.spawn(sh, args)`` runs ``sh -c``)."""
SANITIZED = re.compile(r"(?i)escape|encode|sanitiz|DOMPurify|quote|parseInt|Number\(|\.length\b"
                       r"|\.replace\(")
"""A labeled-good statement passing a non-constant value is kept only when the statement
itself shows why it is safe (an escaping or sanitizing call, a number)."""
NO_SHELL = re.compile(r"\b(execFile|execFileSync|spawn|spawnSync)\(")

BAD = re.compile(r"\$ (MISSING: )?Alert\b|\bNOT OK\b|#\s*BAD\b|\$result=BAD\b")


def _label(comment: str) -> str | None:
    if "SPURIOUS" in comment:
        return "good" if re.search(r"SPURIOUS:?\s*(Alert|result)", comment) else None
    if BAD.search(comment):
        return "bad"
    return "good" if re.search(r"(//|#)\s*(OK|GOOD)\b", comment) else None


def _above(lines: list[str], line: int) -> str | None:
    """The label of a comment line right above ``line`` (0-based) holding only a label."""
    if line == 0:
        return None
    found = re.fullmatch(r"\s*//\s*(NOT OK|OK)\b.*", lines[line - 1])
    return _label(lines[line - 1]) if found else None


def codeql8_py(_: Path, args: argparse.Namespace) -> Iterator[Case]:
    snapshot = Snapshot(Path(args.snapshots) / "codeql8")
    CODEQL8.path, CODEQL8.commit = snapshot.root, "see MANIFEST.tsv"
    for test, sinks in PY_TESTS.items():
        if test not in snapshot.commits:
            continue
        group = f"codeql8:{test.split('/')[5]}"
        source = f"{test}@{snapshot.commits[test]}"
        items = list(_py_statements(snapshot.show(test)))
        for label, code in _consistent(items):
            statement = code.splitlines()[-1]
            for rule, (sink, subject) in sinks.items():
                if not re.search(sink if label == "bad" else subject, statement):
                    continue
                if label == "bad" and not _py_dynamic(statement):
                    continue
                if label == "good" and _py_dynamic(statement) and not re.search(
                        r"Loader\s*=\s*SafeLoader|shell\s*=\s*False", statement):
                    continue
                yield Case(PY, (rule,), "src/app/module.py", code, label, CODEQL8, source,
                           group)


def _py_statements(text: str) -> Iterator[tuple[str, str]]:
    """(label, imports + statement) of each labeled one-line expression or assignment."""
    tree = ast.parse(text)
    lines = text.splitlines()
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Expr, ast.Assign)) or node.lineno != node.end_lineno \
                or isinstance(getattr(node, "value", None), ast.Constant):
            continue
        line = lines[node.lineno - 1]
        label = _label(line[node.end_col_offset or 0:])
        if label is None:
            continue
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        context = [ast.get_source_segment(text, n) or "" for n in imports
                   if any((a.asname or a.name).split(".")[0] in used for a in n.names)]
        statement = line[node.col_offset:node.end_col_offset or 0]
        yield label, "\n".join([*dict.fromkeys(context), statement])


def _py_dynamic(statement: str) -> bool:
    """Whether the call's first argument holds a name (not a constant)."""
    call = ast.parse(statement).body[0]
    value = call.value if isinstance(call, (ast.Expr, ast.Assign)) else None
    if not isinstance(value, ast.Call) or not value.args:
        return False
    return any(isinstance(n, ast.Name) for n in ast.walk(value.args[0]))


def _consistent(items: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """Each (label, code) once, leaving out a code labeled both ways."""
    labels: dict[str, set[str]] = {}
    for label, code in items:
        labels.setdefault(code, set()).add(label)
    for code, found in labels.items():
        if len(found) == 1:
            yield next(iter(found)), code


def codeql8_js(_: Path, args: argparse.Namespace) -> Iterator[Case]:
    snapshot = Snapshot(Path(args.snapshots) / "codeql8")
    CODEQL8.path, CODEQL8.commit = snapshot.root, "see MANIFEST.tsv"
    for test, (rule, sink) in JS_TESTS.items():
        if test not in snapshot.commits:
            continue
        group = f"codeql8:{test.split('/')[6]}"
        source = f"{test}@{snapshot.commits[test]}"
        for label, code in _consistent(list(_js_statements(snapshot.show(test)))):
            if _keep(rule, sink, label, code.splitlines()[-1]):
                yield Case(JS, (rule,), "src/app/view.js", code, "good" if label == "none"
                           else label, CODEQL8, source, group)


def _keep(rule: str, sink: str, label: str, body: str) -> bool:
    """Whether a JavaScript statement is inside the rule's definition with its label."""
    dynamic = _dynamic_sink(body, re.compile(sink), False)
    if rule == "SEC002" and SHELL_OPTION.search(body) and NO_SHELL.search(body):
        dynamic = True
    if rule == "SEC009" and REACT_HTML.search(body):
        dynamic = True
    if label == "bad":
        return dynamic
    if (dynamic and (label == "none" or not SANITIZED.search(body))) \
            or not re.search(JS_SUBJECT[rule], body):
        return False
    if rule == "SEC002" and label == "none":
        return LITERAL_PROGRAM.search(body) is not None and not SHELL_OPTION.search(body) \
            and not OPTIONS_NAME.search(body)
    return True


def _js_statements(text: str) -> Iterator[tuple[str, str]]:
    """(label, or "none" for an unlabeled statement; requires + statement) of each innermost
    one-line statement."""
    root = SgRoot(text, "javascript").root()
    lines = text.splitlines()
    requires = []
    for declaration in root.children():
        if declaration.kind() in ("lexical_declaration", "variable_declaration"):
            keyword = declaration.text().split()[0]
            requires += [f"{keyword} {d.text()};" for d in declaration.children()
                         if d.kind() == "variable_declarator" and "require(" in d.text()
                         and "\n" not in d.text()]
    kinds = ("expression_statement", "lexical_declaration", "variable_declaration")
    for node in root.find_all(any=[{"kind": k} for k in kinds]):
        if any(inner != node for k in kinds for inner in node.find_all(kind=k)) \
                or "\n" in node.text() or "require(" in node.text():
            continue
        end = node.range().end
        comment = lines[end.line][end.column:]
        label = _label(comment) if "//" in comment else _above(lines, node.range().start.line)
        if "$ Source" in comment or ("//" in comment and label is None):
            continue
        statement = re.sub(r"\s*//.*$", "", node.text())
        yield label or "none", "\n".join([*requires, statement])


def sources() -> dict[str, Callable[[Path, argparse.Namespace], Iterator[Case]]]:
    """The eighth round's sources (CodeQL here, kics in ``labeled_round8_kics``)."""
    import labeled_round8_kics
    import labeled_round8_sql

    return {"codeql8-py": codeql8_py, "codeql8-js": codeql8_js, **labeled_round8_kics.SOURCES,
            **labeled_round8_sql.SOURCES}
