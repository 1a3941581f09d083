"""Labeled cases from the sixth round's sources (see ``labeled_cases.py``): the held-out set.

- SonarSource/sonar-python and SonarSource/SonarJS, each read at the last commit before
  their licence became the SONAR Source-Available License (LGPL-3.0 then; read locally,
  nothing of them is committed). sonar-python's check test files mark each flagged line
  with ``# Noncompliant``: each simple statement holding such a line is a bad case, each
  other simple statement naming the rule's subject a good case, with the file's top-level
  imports above it. SonarJS's ``unit.test.ts`` files are ESLint RuleTester suites
  (``valid`` good, ``invalid`` bad); its ``cb.fixture.js`` files mark lines with
  ``// Noncompliant``: each blank-line separated paragraph is a case (a Handlebars option
  object and the ``compile`` call it reaches are one paragraph).
- pylint-dev/pylint (GPL-2.0, read locally): functional tests mark a flagged line with
  ``# [message-name]``; statements as for sonar-python.

Which source checks map to which countersign rule was decided from the checks' names and
descriptions and countersign's rule titles, before countersign ran on any of these cases.

Two mapping mistakes of that decision, found after the sixth round's measurement, are fixed
(seventh round): pylint's ``eval-used`` / ``exec-used`` flag every call, so a bad statement
whose ``eval``/``exec`` runs a constant string is left out (SEC001 is dynamic code:
``constant_code``); sonar-python's secureModeEncryptionAlgorithms passes a weak cipher in a
mode it accepts (``DES.new(key, DES.MODE_CFB)``), but SEC008 is about the cipher too, so a
good statement that names a weak cipher is left out (``WEAK_CIPHER``).
"""

from __future__ import annotations

import argparse
import ast
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

from labeled_cases import Case, Repo
from labeled_round4 import _rule_tester_cases

SONAR_PYTHON = Repo("SonarSource/sonar-python", "LGPL-3.0",
                    rev="cbf9fe0127f243d75f7bdc757900b0b87ce30c1b")
SONAR_JS = Repo("SonarSource/SonarJS", "LGPL-3.0", rev="d78c4344ac064d7ed3c75c7c125caba6882d81f5")
PYLINT = Repo("pylint-dev/pylint", "GPL-2.0")
PY, JS = "python", "javascript"
CHECKS = "python-checks/src/test/resources/checks"
PY_CHECKS = {  # sonar-python test file -> (rule, what a good statement names, bad scope)
    "hotspots/dynamicCodeExecution.py": ("SEC001", r"\b(eval|exec)\b", None),
    "hotspots/osExec.py": ("SEC002", r"\bos\.|subprocess|\b(run|call|Popen)\(",
                           r"os\.system|os\.popen|getstatusoutput|getoutput|shell\s*=\s*True"),
    "torchLoadLeadsToUntrustedCodeExecution.py": ("SEC003", r"\bload\b", None),
    "verifiedSslTlsCertificateCheck.py": (
        "SEC005", r"verify|CERT_|unverified|check_hostname|ssl", None),
    "weakSSLProtocol.py": ("SEC008", r"PROTOCOL_|TLS|SSL", None),
    "secureModeEncryptionAlgorithms.py": ("SEC008", r"\bMODE_|\bmodes\.|Cipher", r"ECB"),
}
"""Out: osExec's ``subprocess.run([...])``, ``os.spawn*``/``exec*`` flag every process start
(SEC002 is a command run through a shell: only os.system/popen/getoutput/shell=True are
kept); secureModeEncryptionAlgorithms also flags CBC and PKCS#1 v1.5 padding (SEC008 is
weak ciphers, ECB, legacy TLS: only ECB kept); pseudoRandom flags every ``random`` call
(SEC007 is random used for a secret); cipherBlockChaining (static IV), the CDK encryption
checks (Python CDK code, not Terraform/CloudFormation) and hashing checks. unverifiedHostname
is left out whole: it marks the line creating a context when a later statement disables
hostname checks (the statement that disables them is unmarked), so a statement's label is not
about the statement."""
SELF_DISABLING = re.compile(
    r"check_hostname\s*=\s*False|_create_unverified_context|CERT_NONE|verify\s*=\s*False")
"""An unmarked statement that itself disables verification is not taken as good: Sonar
marks where such a context reaches a connection (data flow), SEC005 the statement that
disables it."""
PYLINT_CHECKS = {  # pylint functional test -> (rule, message, what a good statement names)
    "tests/functional/e/eval_used.py": ("SEC001", "eval-used", r"\beval\b"),
    "tests/functional/e/exec_used.py": ("SEC001", "exec-used", r"\bexec\b"),
}
JS_TESTS = {  # SonarJS rule -> countersign rule
    "S1523": "SEC001",  # dynamic code execution (eval, Function)
    "S4721": "SEC002",  # OS command execution
}
JS_FIXTURES = {"S5247": "SEC009"}  # disabling template engines' auto-escaping
JS_NAMES = {
    "SEC001": re.compile(r"\beval\b|\bFunction\b"),
    "SEC002": re.compile(r"child_process|\bexec"),
}
OTHER_SINK = re.compile(r"innerHTML|document\.write")
"""A S5247 paragraph that also writes ``innerHTML`` is left out: whatever its label for
auto-escaping, the sink makes it an SEC009 case of another kind."""
SIMPLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return)
WEAK_CIPHER = re.compile(r"\b(DES3?|TripleDES|Blowfish|ARC[24]|CAST5?|IDEA|SEED|XOR)\b")
"""A cipher SEC008 flags whatever its mode: a statement naming one is not a good SEC008 case."""


def sonar_python(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = SONAR_PYTHON.open(mirror)
    seen: set[str] = set()
    for test, (rule, names, scope) in PY_CHECKS.items():
        source = f"{CHECKS}/{test}"
        marker = re.compile(r"#\s*Noncompliant")
        for label, code in _python_units(repo.show(source), marker, re.compile(names)):
            if label == "bad" and scope is not None and not re.search(scope, code):
                continue
            if label == "good" and rule == "SEC005" and SELF_DISABLING.search(code):
                continue
            if label == "good" and rule == "SEC008" and WEAK_CIPHER.search(code):
                continue
            if code not in seen:
                seen.add(code)
                yield Case(PY, (rule,), "src/app/module.py", code, label, repo, source,
                           f"sonar-python:{Path(test).stem}")


def pylint(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = PYLINT.open(mirror)
    seen: set[str] = set()
    for source, (rule, message, names) in PYLINT_CHECKS.items():
        marker = re.compile(rf"#\s*\[{message}\]")
        for label, code in _python_units(repo.show(source), marker, re.compile(names)):
            if label == "bad" and constant_code(code):
                continue
            if code not in seen:
                seen.add(code)
                yield Case(PY, (rule,), "src/app/module.py", code, label, repo, source,
                           f"pylint:{message}")


def constant_code(code: str) -> bool:
    """Whether every ``eval``/``exec`` call of a snippet runs a constant string (or nothing):
    outside SEC001, which is about code built at run time."""
    calls = [n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Name) and n.func.id in ("eval", "exec")]
    return bool(calls) and all(
        not c.args or (isinstance(c.args[0], ast.Constant) and isinstance(c.args[0].value, str))
        for c in calls)


def _python_units(text: str, marker: re.Pattern[str],
                  names: re.Pattern[str]) -> Iterator[tuple[str, str]]:
    """(label, code) of each simple statement: bad if a line of it is marked."""
    tree = ast.parse(text)
    lines = text.splitlines()
    imports = [ast.get_source_segment(text, n) or "" for n in tree.body
               if isinstance(n, (ast.Import, ast.ImportFrom))]
    for node in ast.walk(tree):
        if not isinstance(node, SIMPLE) or node.end_lineno is None:
            continue
        span = lines[node.lineno - 1:node.end_lineno]
        body = textwrap.dedent("\n".join(span))
        code = "\n".join([*imports, re.sub(r"\s*#.*$", "", body, flags=re.M)])
        if any(marker.search(line) for line in span):
            yield "bad", code
        elif names.search(re.sub(r"#.*$", "", body, flags=re.M)):
            yield "good", code


def sonarjs(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = SONAR_JS.open(mirror)
    seen: set[str] = set()
    for sonar, rule in JS_TESTS.items():
        source = f"packages/jsts/src/rules/{sonar}/unit.test.ts"
        for label, code in _rule_tester_cases(repo.show(source)):
            if label == "good" and not JS_NAMES[rule].search(code):
                continue
            if code not in seen:
                seen.add(code)
                yield Case(JS, (rule,), "src/app/view.js", code, label, repo, source,
                           f"sonarjs:{sonar}")
    for sonar, rule in JS_FIXTURES.items():
        source = f"packages/jsts/src/rules/{sonar}/cb.fixture.js"
        for label, code in _paragraphs(repo.show(source)):
            if code not in seen and not OTHER_SINK.search(code):
                seen.add(code)
                yield Case(JS, (rule,), "src/app/view.js", code, label, repo, source,
                           f"sonarjs:{sonar}")


def _paragraphs(text: str) -> Iterator[tuple[str, str]]:
    """(label, code) of each blank-line separated paragraph holding code, the file's
    ``require`` lines above it; comment-only lines and comments are dropped."""
    requires = [line for line in text.splitlines()
                if re.match(r"(const|var|let) \w+ = require\([^)]*\);$", line)]
    for chunk in re.split(r"\n\s*\n", text):
        marked = "Noncompliant" in chunk
        kept = [re.sub(r"\s*//.*$", "", line) for line in chunk.splitlines()
                if not re.match(r"\s*(//|/\*|\*)", line)]
        body = textwrap.dedent("\n".join(line for line in kept if line.strip()))
        if not body or all(line in requires for line in body.splitlines()):
            continue
        head = [r for r in requires if r not in body]
        yield ("bad" if marked else "good"), "\n".join([*head, body])


SOURCES = {"sonar_python": sonar_python, "pylint": pylint, "sonarjs": sonarjs}
