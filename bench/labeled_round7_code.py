"""Labeled cases from the seventh round's JavaScript and Python sources (``labeled_cases.py``).

- eslint/eslint (MIT): the RuleTester suites of ``no-eval``, ``no-implied-eval`` and
  ``no-new-func`` (``valid`` good, ``invalid`` bad; cases with ``options`` left out).
- microsoft/eslint-plugin-sdl (MIT): the RuleTester suites of ``no-inner-html`` and
  ``no-document-write``; a snippet written for its TypeScript parser gets a ``.ts`` path.
- Takishima/flake8-secure-coding-standard (Apache-2.0): each string of a test's
  ``pytest.mark.parametrize`` list is a snippet; good when the test asserts no finding
  (``results(s) == set()``), bad otherwise.
- github/codeql (MIT; files read one by one into ``SNAPSHOTS/codeql``, commits in its
  ``MANIFEST.tsv``): the Python query tests ``CWE-295-RequestWithoutValidation`` and
  ``CWE-327-InsecureProtocol``. Each top-level statement the test file labels with a trailing
  comment (``# $ Alert`` or ``# BAD``: bad; ``# GOOD`` / ``# OK``: good) is a case, with the
  file's imports above it; a label that points at another line (``# BAD (at line 28)``) and
  statements inside functions (their label comes from the callers' arguments) are left out.
  An unlabeled InsecureProtocol statement is good only if it names TLS 1.2 or later; a bad
  one must name the legacy protocol itself (``SSL.Context(METHOD)`` is labeled through an
  assignment above it).
  Its JavaScript tests ``CWE-094/CodeInjection/tst.js`` (SEC001),
  ``CWE-078/CommandInjection/child_process-test.js`` (SEC002),
  ``CWE-079/DomBasedXss/string-manipulations.js`` and ``dom.js`` (SEC009): each innermost
  statement whose last line says ``$ Alert`` / ``$ MISSING: Alert`` / ``NOT OK`` is bad,
  ``$ SPURIOUS: Alert`` / ``// OK`` good, an unlabeled one good if its sink gets constants
  only, with the file's ``require`` / ``import`` declarations above it. CodeQL follows taint
  (a request parameter reaching the sink); countersign's rules are about the statement: a bad
  one must call the rule's sink with a non-constant value, an unlabeled one passing a
  non-constant value (``setTimeout(document.location.protocol)``) is left out, and so is a
  constant shell command (``cp.exec("foo")``, neither label by SEC002's definition);
  ``spawn`` / ``execFile`` run no shell (SEC002 covers them only through ``cmd.exe /C``).

These checks are wider than countersign's rules, which are about *dynamic* code and markup:
ESLint's and the SDL plugin's checks flag every call, constant arguments included
(``eval('foo')``, ``element.innerHTML = 'test'``). A bad snippet is kept only if the sink
it names gets a non-constant value (an identifier, ``this``, a call or a template
substitution in the argument or the assigned value): SEC001 is "eval / exec / new Function
on dynamic code", SEC009 is rendering unescaped HTML an attacker can inject into. A flake8
bad snippet that only imports a name (``from os import system``) is left out: an import runs
nothing. A good snippet must name the rule's subject. Found after the seventh round's
measurement (and fixed then, no other label changed): flake8's ``shell_exec`` flags every shell
use, constant commands included (``os.system("ls -l")``, ``subprocess.run(["cat",
"/etc/passwd"], shell=True)``, ``os.popen("cat")``), which SEC002's definition (metacharacters
in an interpolated value) and every earlier round's mapping leave out (bandit's "seems safe"
cases): a bad SEC002 snippet is kept only when its command is not a constant.

Which checks map to which countersign rule was decided from the checks' names and test
files and countersign's rule titles, before countersign ran on any of these cases.
"""

from __future__ import annotations

import argparse
import ast
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

from ast_grep_py import SgNode, SgRoot

from labeled_cases import Case, Repo
from labeled_round4 import _element_code
from labeled_round7_kics import Snapshot

ESLINT = Repo("eslint/eslint", "MIT")
ESLINT_SDL = Repo("microsoft/eslint-plugin-sdl", "MIT")
FLAKE8_SCS = Repo("Takishima/flake8-secure-coding-standard", "Apache-2.0")
CODEQL = Repo("github/codeql", "MIT")
CODEQL_TESTS = {  # test file -> (countersign rule, what a bad one must name, a good one)
    "python/ql/test/query-tests/Security/CWE-295-RequestWithoutValidation/make_request.py": (
        "SEC005", r"verify", r"verify|requests\.\w+\("),
    "python/ql/test/query-tests/Security/CWE-327-InsecureProtocol/InsecureProtocol.py": (
        "SEC008", r"SSLv2|SSLv3|TLSv1(?!_[23])", r"TLSv1_[23]"),
}
CODEQL_JS = {  # test file -> (countersign rule, the sink a bad statement must call)
    "javascript/ql/test/query-tests/Security/CWE-094/CodeInjection/tst.js": (
        "SEC001", r"^(new )?(eval|Function|setTimeout|setInterval)$"),
    "javascript/ql/test/query-tests/Security/CWE-078/CommandInjection/child_process-test.js": (
        "SEC002", r"\.exec(Sync)?$|promisify\(cp\.exec\)$|\.spawn$"),
    "javascript/ql/test/query-tests/Security/CWE-079/DomBasedXss/string-manipulations.js": (
        "SEC009", r"document\.write(ln)?$|\.innerHTML$"),
    "javascript/ql/test/query-tests/Security/CWE-079/DomBasedXss/dom.js": (
        "SEC009", r"document\.write(ln)?$|\.innerHTML$"),
}
"""Out: BrokenCryptoAlgorithm (it marks the ``encrypt`` call a weak cipher object reaches, not
the statement naming the cipher), MissingHostKeyValidation (SSH host keys, not TLS), the
fluent InsecureProtocol files (a context's versions restricted by later statements)."""
JS, PY = "javascript", "python"

JS_TESTS = {  # (repo, test file) -> (countersign rule, sink: a callee or assigned property)
    (ESLINT, "tests/lib/rules/no-eval.js"): (
        "SEC001", r"^((window|globalThis|global|self|this)\.)?eval$"),
    (ESLINT, "tests/lib/rules/no-implied-eval.js"): (
        "SEC001", r"^((window|globalThis|global|self)\.)?(setTimeout|setInterval|execScript)$"),
    (ESLINT, "tests/lib/rules/no-new-func.js"): (
        "SEC001", r"^((window|globalThis|global)\.)?Function(\.(call|apply|bind))?$"),
    (ESLINT_SDL, "tests/lib/rules/no-inner-html.js"): (
        "SEC009", r"\.(innerHTML|outerHTML|insertAdjacentHTML)$"),
    (ESLINT_SDL, "tests/lib/rules/no-document-write.js"): ("SEC009", r"\.(write|writeln)$"),
}
"""Out: eslint-plugin-react's ``no-danger`` (every bad snippet renders a constant string),
the SDL plugin's ``no-html-method`` (any ``.html(x)`` method: not known to be jQuery's),
Angular/AngularJS sanitizer bypasses, ``no-insecure-url``, ``no-insecure-random`` (SEC007 is
random used for a secret: the snippets do not say), cookies, postMessage, allocation."""
JS_NAMES = {
    "SEC001": re.compile(r"\beval\b|\bFunction\b|\bset(Timeout|Interval)\b|\bexecScript\b"),
    "SEC009": re.compile(r"HTML|\.write(ln)?\b"),
}
UNKNOWN_STRING = re.compile(r"\bset(Timeout|Interval)\(\s*\w+\s*\+")
"""A good ``setTimeout(foo + bar)`` is left out: ESLint passes it because it cannot tell the
sum is a string, which says nothing of whether it is code."""
CONSTANT_NAMES = frozenset({"String", "undefined"})
"""Identifiers that do not make a value dynamic (``String('x=1')`` is a constant)."""

PY_TESTS = {  # flake8-secure-coding-standard test -> countersign rule
    "tests/eval_exec_test.py": "SEC001",
    "tests/shell_exec_test.py": "SEC002",
    "tests/pickle_load_test.py": "SEC003",
    "tests/marshal_load_test.py": "SEC003",
    "tests/shelve_open_test.py": "SEC003",
    "tests/jsonpickle_decode_test.py": "SEC003",
    "tests/yaml_load_test.py": "SEC004",
}
"""Out: assert, open/chmod/mkdir/mkfifo permissions, os.realpath, pdb, shlex.quote,
tempfile.mktemp (no countersign rule of that definition)."""
PY_NAMES = {
    "SEC001": r"\b(eval|exec)\b",
    "SEC002": r"\bos\.|subprocess|\bsp\.|\bshell\b|popen|system",
    "SEC003": r"pickle|marshal|shelve|\bload",
    "SEC004": r"yaml|\bload",
}
PY_BAD_SCOPE = {"SEC001": r"\b(eval|exec)\s*\(\s*(?![rbuf]*['\"])", "SEC004": r"\byaml\."}
"""SEC001 is dynamic code: ``exec("a = 5")`` of a constant is left out; a bare
``full_load(...)`` with no import says nothing of which library it comes from."""


def eslint_suites(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    seen: set[str] = set()
    for (repo, test), (rule, sink) in JS_TESTS.items():
        repo.open(mirror)
        name = test.rsplit("/", 1)[1].removesuffix(".js")
        for label, code, typescript in _rule_tester_items(repo.show(test)):
            if label == "bad" and not _dynamic_sink(code, re.compile(sink), typescript):
                continue
            if (label == "good" and (not JS_NAMES[rule].search(code)
                                     or UNKNOWN_STRING.search(code))) or code in seen:
                continue
            seen.add(code)
            path = "src/app/view.ts" if typescript else "src/app/view.js"
            yield Case(JS, (rule,), path, code, label, repo, test,
                       f"{repo.name.split('/')[1]}:{name}")


def _rule_tester_items(text: str) -> Iterator[tuple[str, str, bool]]:
    """(label, code, written for a TypeScript parser) of each ``valid``/``invalid`` element."""
    root = SgRoot(text, "javascript").root()
    for pair in root.find_all(kind="pair"):
        key, value = pair.field("key"), pair.field("value")
        if key is None or value is None or key.text() not in ("valid", "invalid") \
                or value.kind() != "array":
            continue
        for element in value.children():
            code = _element_code(element)
            if code is not None and code.strip():
                typescript = re.search(r"tsLanguageOptions|typescript", element.text()) is not None
                yield ("good" if key.text() == "valid" else "bad"), \
                    textwrap.dedent(code.strip("\n")).strip(), typescript


def _dynamic_sink(code: str, sink: re.Pattern[str], typescript: bool) -> bool:
    """Whether a call of ``sink`` (or an assignment to it) gets a non-constant value."""
    root = SgRoot(code, "typescript" if typescript else "javascript").root()
    constants = CONSTANT_NAMES | _constant_names(root)
    for node in root.find_all(any=[{"kind": "call_expression"}, {"kind": "new_expression"}]):
        callee = node.field("function") or node.field("constructor")
        arguments = node.field("arguments")
        if callee is None or arguments is None or not sink.search(callee.text()):
            continue
        values = [a for a in arguments.children() if a.is_named() and a.kind() != "comment"]
        if callee.text().endswith(("insertAdjacentHTML", ".call", ".apply")):
            values = values[1:]
        if any(_dynamic(v, constants) for v in values):
            return True
    for node in root.find_all(any=[{"kind": "assignment_expression"},
                                   {"kind": "augmented_assignment_expression"}]):
        left, right = node.field("left"), node.field("right")
        if left is not None and right is not None and sink.search(left.text()) \
                and _dynamic(right, constants):
            return True
    return False


def _constant_names(root: SgNode) -> set[str]:
    """Names a ``const NAME = <string or number literal>`` of the snippet binds."""
    out = set()
    for declaration in root.find_all(kind="lexical_declaration"):
        if not declaration.text().startswith("const"):
            continue
        for declarator in declaration.find_all(kind="variable_declarator"):
            name, value = declarator.field("name"), declarator.field("value")
            if name is not None and value is not None and value.kind() in ("string", "number"):
                out.add(name.text())
    return out


def _dynamic(node: SgNode, constants: frozenset[str] | set[str]) -> bool:
    """Whether a value holds ``this`` or a name that is not a known constant."""
    names = [node, *node.find_all(any=[{"kind": "identifier"}, {"kind": "this"}])]
    return any(n.kind() == "this" or (n.kind() == "identifier" and n.text() not in constants)
               for n in names)


def flake8_scs(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = FLAKE8_SCS.open(mirror)
    seen: set[str] = set()
    for test, rule in PY_TESTS.items():
        names = re.compile(PY_NAMES[rule])
        for label, code in _parametrized(repo.show(test)):
            if code in seen or not code.strip():
                continue
            body = ast.parse(code).body
            if label == "bad" and (all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in body)
                                   or (rule in PY_BAD_SCOPE
                                   and not re.search(PY_BAD_SCOPE[rule], code))
                                   or (rule == "SEC002" and _constant_command(body))):
                continue
            if label == "good" and (not names.search(code) or not any(
                    isinstance(n, ast.Call) for n in ast.walk(ast.Module(body, [])))):
                continue
            seen.add(code)
            yield Case(PY, (rule,), "src/app/module.py", code, label, repo, test,
                       f"flake8-scs:{Path(test).stem.removesuffix('_test')}")


def _constant_command(body: list[ast.stmt]) -> bool:
    """Whether every shell call of the snippet runs a constant command (its first argument,
    the second of ``loop.subprocess_shell``, is a string or a list of strings)."""
    calls = [n for n in ast.walk(ast.Module(body, [])) if isinstance(n, ast.Call) and n.args]
    commands = [c.args[1] if ast.unparse(c.func).endswith("subprocess_shell")
                and len(c.args) > 1 else c.args[0] for c in calls]
    return bool(commands) and all(
        isinstance(a, ast.Constant) or (isinstance(a, (ast.List, ast.Tuple)) and all(
            isinstance(e, ast.Constant) for e in a.elts)) for a in commands)


def _parametrized(text: str) -> Iterator[tuple[str, str]]:
    """(label, snippet) of each parametrized string: good when the test asserts no
    finding."""
    for function in ast.walk(ast.parse(text)):
        if not isinstance(function, ast.FunctionDef):
            continue
        good = "== set()" in (ast.get_source_segment(text, function) or "")
        for decorator in function.decorator_list:
            if not isinstance(decorator, ast.Call) or "parametrize" not in ast.unparse(
                    decorator.func) or len(decorator.args) < 2:
                continue
            values = decorator.args[1]
            if not isinstance(values, (ast.List, ast.Tuple)):
                continue
            for item in values.elts:
                first = item.elts[0] if isinstance(item, ast.Tuple) and item.elts else item
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    try:
                        ast.parse(first.value)
                    except SyntaxError:
                        continue
                    yield ("good" if good else "bad"), first.value


def codeql(_: Path, args: argparse.Namespace) -> Iterator[Case]:
    snapshot = Snapshot(Path(args.snapshots) / "codeql")
    CODEQL.path, CODEQL.commit = snapshot.root, "see MANIFEST.tsv"
    for test, (rule, bad_names, good_names) in CODEQL_TESTS.items():
        if test not in snapshot.commits:
            continue
        group = f"codeql:{test.split('/')[-2]}"
        source = f"{test}@{snapshot.commits[test]}"
        for label, code in _commented_statements(snapshot.show(test)):
            if label is None and re.search(good_names, code.splitlines()[-1]) \
                    and not re.search(bad_names, code.splitlines()[-1]):
                label = "good" if rule == "SEC008" else None
            if label is None or not re.search(bad_names if label == "bad" else good_names,
                                              code.splitlines()[-1]):
                continue
            yield Case(PY, (rule,), "src/app/module.py", code, label, CODEQL, source, group)


def _commented_statements(text: str) -> Iterator[tuple[str | None, str]]:
    """(label from the trailing comment or None, context + statement) of each top-level
    one-line statement that is not an import; the context is the unlabeled top-level
    ``name = ...`` lines and the imports whose names the statement (or that context) uses."""
    tree = ast.parse(text)
    lines = text.splitlines()
    for node in tree.body:
        if not isinstance(node, (ast.Expr, ast.Assign)) or node.lineno != node.end_lineno:
            continue
        line = lines[node.lineno - 1]
        comment = line[node.end_col_offset or 0:]
        if re.search(r"\b(at|from) line\b", comment):
            continue
        label = "bad" if re.search(r"#\s*(\$\s*Alert|BAD)\b", comment) else \
            "good" if re.search(r"#\s*(GOOD|OK)\b", comment) else None
        statement = line[:node.end_col_offset or 0].rstrip()
        yield label, "\n".join([*_context(tree, text, node), statement])


def _context(tree: ast.Module, text: str, statement: ast.stmt) -> list[str]:
    used = {n.id for n in ast.walk(statement) if isinstance(n, ast.Name)}
    aliases = [n for n in tree.body if isinstance(n, ast.Assign) and n.lineno < statement.lineno
               and "#" not in (ast.get_source_segment(text, n) or "#")
               and any(isinstance(t, ast.Name) and t.id in used for t in n.targets)]
    for alias in aliases:
        used |= {n.id for n in ast.walk(alias.value) if isinstance(n, ast.Name)}
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
               and any((a.asname or a.name).split(".")[0] in used for a in n.names)]
    return [ast.get_source_segment(text, n) or "" for n in sorted(
        [*imports, *aliases], key=lambda n: n.lineno)]


def codeql_js(_: Path, args: argparse.Namespace) -> Iterator[Case]:
    snapshot = Snapshot(Path(args.snapshots) / "codeql")
    CODEQL.path, CODEQL.commit = snapshot.root, "see MANIFEST.tsv"
    for test, (rule, sink) in CODEQL_JS.items():
        if test not in snapshot.commits:
            continue
        group = f"codeql:{test.split('/')[-2]}"
        source = f"{test}@{snapshot.commits[test]}"
        seen: set[str] = set()
        for label, code in _js_statements(snapshot.show(test)):
            body = code.splitlines()[-1]
            dynamic = _dynamic_sink(body, re.compile(sink), False)
            if rule == "SEC002" and label != "bad" and re.search(
                    r"\.exec(Sync)?\(|bash|/sh\b|cmd\.exe", body):
                continue  # a constant shell command, a shell option or a shell named: unclear
            if rule == "SEC002" and ".spawn" in body and "cmd.exe" not in body \
                    and label == "bad":
                continue
            if (label == "bad" and not dynamic) or (label is None and dynamic):
                continue
            if label is None and not JS_NAMES.get(rule, re.compile(sink)).search(body) \
                    and not re.search(r"\b(exec|spawn|execFile|fork)\w*\(", body):
                continue
            if code not in seen:
                seen.add(code)
                yield Case(JS, (rule,), "src/app/view.js", code, label or "good", CODEQL,
                           source, group)


def _js_statements(text: str) -> Iterator[tuple[str | None, str]]:
    """(label from the comment after it or None, requires + statement) of each innermost
    statement (one with no statement inside it)."""
    root = SgRoot(text, "javascript").root()
    lines = text.splitlines()
    requires = []
    for declaration in root.children():
        if declaration.kind() in ("lexical_declaration", "variable_declaration"):
            keyword = declaration.text().split()[0]
            requires += [f"{keyword} {d.text()};" for d in declaration.children()
                         if d.kind() == "variable_declarator" and "require(" in d.text()
                         and "\n" not in d.text()]
    requires += [c.text() for c in root.children() if c.kind() == "import_statement"]
    kinds = ("expression_statement", "lexical_declaration", "variable_declaration")
    for node in root.find_all(any=[{"kind": k} for k in kinds]):
        if any(inner != node for k in kinds for inner in node.find_all(kind=k)) \
                or "\n" in node.text() or "require(" in node.text():
            continue
        marker = re.search(r"\s*//\s*(\$|NOT OK|OK\b)[^\n]*$", node.text())
        statement = node.text()[:marker.start()] if marker else node.text()
        comment = marker.group(0) if marker else \
            lines[node.range().end.line][node.range().end.column:]
        label = None
        if re.search(r"\$ SPURIOUS: Alert|//\s*OK\b", comment):
            label = "good"
        elif re.search(r"\$ (MISSING: )?Alert\b|NOT OK", comment):
            label = "bad"
        elif "$ Source" in comment:
            continue
        yield label, "\n".join([*requires, statement])


SOURCES = {"eslint-core-sdl": eslint_suites, "flake8-scs": flake8_scs, "codeql": codeql,
           "codeql-js": codeql_js}
