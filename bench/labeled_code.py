"""Labeled Python and SQL migration cases (see ``labeled_cases.py``).

Python (area ``python``: code execution, shell commands, unsafe deserialization, TLS
verification off, weak ciphers and protocols):

- astral-sh/ruff (MIT): the ``flake8_bandit`` fixtures ``S*.py``, labeled line by line by
  their snapshots ``ruff_linter__rules__flake8_bandit__tests__S<nnn>_S<nnn>.py.snap``;
- PyCQA/bandit (Apache-2.0): ``examples/*.py``, labeled by running bandit (``--bandit``; the
  version is recorded in each case's source) on them.

Each top-level statement (imports aside) is a case, with the file's imports above it: bad
when the tool reports a mapped check on one of its lines, good when it reports none and the
statement calls something. Findings the tools call safe themselves ("seems safe": a shell
command that is one constant string) leave their statement out, and so does a ``# nosec``.

SQL migrations (area ``sql-migrations``):

- sbdchd/squawk (Apache-2.0 or MIT): the ``lint_ok`` / ``lint_errors`` tests of its rules;
- tsqllint/tsqllint (MIT): the ``delete-where`` and ``update-where`` rule test files, one case
  per statement (a violation on its first line: bad);
- joereynolds/sql-lint (MIT): the ``missing-where`` test table;
- ariga/atlas (Apache-2.0): the ``migrate lint`` integration scripts, one case per migration
  file analyzed (a diagnostic: bad, "no diagnostics found": good).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from labeled_cases import Case, Repo

RUFF = Repo("astral-sh/ruff", "MIT")
BANDIT = Repo("PyCQA/bandit", "Apache-2.0")
SQUAWK = Repo("sbdchd/squawk", "Apache-2.0 OR MIT")
TSQLLINT = Repo("tsqllint/tsqllint", "MIT")
SQL_LINT = Repo("joereynolds/sql-lint", "MIT")
ATLAS = Repo("ariga/atlas", "Apache-2.0")

PYTHON = {  # bandit test id (ruff's S code has the same number) -> countersign rules
    "B102": "SEC001", "B307": "SEC001",  # exec, eval
    "B602": "SEC002", "B604": "SEC002", "B605": "SEC002",  # shell=True, os.system & co
    "B301": "SEC003", "B302": "SEC003", "B614": "SEC003",  # pickle, marshal, torch.load
    "B506": "SEC004",  # yaml.load
    "B501": "SEC005", "B323": "SEC005",  # verify=False, unverified SSL context
    "B304": "SEC008", "B305": "SEC008", "B502": "SEC008", "B503": "SEC008",  # ciphers, TLS
}
SAFE = re.compile(r"seems safe", re.I)
SQUAWK_RULES = {
    "adding_required_field": ["DAT012"], "ban_drop_column": ["DAT003"],
    "ban_drop_table": ["DAT002"], "ban_drop_database": ["DAT002"],
    "renaming_column": ["DAT010"], "renaming_table": ["DAT010"],
    "changing_column_type": ["DAT010"],
}
ATLAS_CODES = {"DS101": "DAT002", "DS102": "DAT002", "DS103": "DAT003", "MF103": "DAT012",
               "BC101": "DAT010", "BC102": "DAT010"}
MIGRATION = "db/migrations/0001.sql"


# ---------------------------------------------------------------- Python


def _units(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The file's import lines, and (first line, last line, source) of each other top-level
    statement (1-based lines, decorators included)."""
    tree = ast.parse(text)
    lines = text.splitlines()
    imports: list[str] = []
    units = []
    for node in tree.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        last = node.end_lineno or node.lineno
        source = "\n".join(lines[first - 1:last])
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.append(source)
        else:
            units.append((first, last, source))
    return "\n".join(imports), units


def _python_cases(text: str, findings: dict[int, list[tuple[str, str]]], code: str,
                  repo: Repo, source: str) -> Iterator[Case]:
    """Cases of one file of the check ``code`` (``B602``); ``findings``: line -> (check,
    message) of what the tool reported."""
    try:
        imports, units = _units(text)
    except SyntaxError:
        return
    for first, last, body in units:
        if "nosec" in body:
            continue
        found = [(c, m) for n in range(first, last + 1) for c, m in findings.get(n, [])
                 if c in PYTHON]
        if found and all(SAFE.search(m) for _, m in found):
            continue
        rules = tuple(sorted({PYTHON[c] for c, _ in found} or {PYTHON[code]}))
        label = "bad" if found else "good"
        if label == "good" and not _calls(body):
            continue
        snippet = f"{imports}\n\n{body}" if imports else body
        group = f"bandit:{found[0][0] if found else code}"
        yield Case("python", rules, "src/app/module.py", snippet, label, repo, source, group)


def _calls(body: str) -> bool:
    try:
        return any(isinstance(n, ast.Call) for n in ast.walk(ast.parse(body)))
    except SyntaxError:
        return False


def ruff(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = RUFF.open(mirror)
    fixtures = "crates/ruff_linter/resources/test/fixtures/flake8_bandit"
    snaps = "crates/ruff_linter/src/rules/flake8_bandit/snapshots"
    for code in sorted(PYTHON):
        ruff_code = "S" + code[1:]
        fixture = f"{fixtures}/{ruff_code}.py"
        snap = f"{snaps}/ruff_linter__rules__flake8_bandit__tests__{ruff_code}_{ruff_code}.py.snap"
        if not (repo.exists(fixture) and repo.exists(snap)):
            continue
        findings: dict[int, list[tuple[str, str]]] = {}
        for check, message, line in re.findall(r"^(S\d{3}) (.*)\n\s*-->\s*\S+:(\d+):\d+",
                                               repo.show(snap), re.M):
            findings.setdefault(int(line), []).append(("B" + check[1:], message))
        yield from _python_cases(repo.show(fixture), findings, code, repo, fixture)


def bandit(mirror: Path, args: argparse.Namespace) -> Iterator[Case]:
    if not args.bandit:
        return
    repo = BANDIT.open(mirror)
    version = subprocess.run([args.bandit, "--version"], capture_output=True,
                             text=True).stdout.split()[1]
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(repo.path), "archive", "HEAD", "examples"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        report = subprocess.run([args.bandit, "-r", "-f", "json", "-q", "examples"], cwd=tmp,
                                capture_output=True, text=True)
        results = json.loads(report.stdout)["results"]
        by_file: dict[str, dict[int, list[tuple[str, str]]]] = {}
        for r in results:
            lines = by_file.setdefault(r["filename"], {})
            for n in r["line_range"]:
                lines.setdefault(n, []).append((r["test_id"], r["issue_text"]))
        for path in sorted(Path(tmp, "examples").glob("*.py")):
            name = f"examples/{path.name}"
            findings = by_file.get(name, {})
            codes = sorted({c for f in findings.values() for c, _ in f if c in PYTHON})
            if not codes:
                continue  # a file about checks out of scope: its statements say nothing
            yield from _python_cases(path.read_text(), findings, codes[0], repo,
                                     f"{name} (bandit {version})")


# ---------------------------------------------------------------- SQL


def squawk(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = SQUAWK.open(mirror)
    for rule, ids in SQUAWK_RULES.items():
        source = f"crates/squawk_linter/src/rules/{rule}.rs"
        if not repo.exists(source):
            continue
        text = repo.show(source)
        tests = text[text.find("mod test"):]
        for sql, _, call in re.findall(r'let sql = r#"(.*?)"#;(.*?)(lint_ok|lint_errors)',
                                       tests, re.S):
            label = "good" if call == "lint_ok" else "bad"
            yield Case("sql-migrations", tuple(ids), MIGRATION, sql.strip("\n"), label, repo,
                       source, rule)


def tsqllint(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = TSQLLINT.open(mirror)
    for rule, ids in (("delete-where", ("DAT005",)), ("update-where", ("DAT007",))):
        folder = f"source/TSQLLint.Tests/UnitTests/LintingRules/{rule}"
        tests = repo.show(f"{folder}/{rule.title().replace('-', '')}RuleTests.cs")
        tests = tests.split("DynamicSqlTestCases")[0]
        for name, body in re.findall(r'"([\w-]+)", new List<RuleViolation>(?:\(\)|\s*\{(.*?)\})',
                                     tests, re.S):
            lines = {int(n) for n in re.findall(r"RuleViolation\(RuleName, (\d+), 1\)", body)}
            path = f"{folder}/test-files/{name}.sql"
            for first, chunk in _chunks(repo.show(path)):
                yield Case("sql-migrations", ids, MIGRATION, chunk,
                           "bad" if first in lines else "good", repo, path, f"tsqllint:{rule}")


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """Blank-line separated statements with their first line (1-based)."""
    start, current = 0, []
    for n, line in enumerate([*text.splitlines(), ""], 1):
        if line.strip():
            start = start or n
            current.append(line)
        elif current:
            yield start, "\n".join(current)
            start, current = 0, []


def sql_lint(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = SQL_LINT.open(mirror)
    source = "test/unit/checker/checks/any/missingWhere.test.ts"
    for query, expected in re.findall(r'\[\s*"([^"]+)",\s*"([^"]*)",?\s*\]', repo.show(source)):
        yield Case("sql-migrations", ("DAT005", "DAT007"), MIGRATION, query,
                   "bad" if expected else "good", repo, source, "sql-lint:missing-where")


def atlas(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = ATLAS.open(mirror)
    folder = "internal/integration/testdata/sqlite"
    for path in repo.files(folder):
        if "cli-migrate-lint-" not in path:
            continue
        text = repo.show(path)
        files = dict(re.findall(r"^-- migrations/(\d+)\.sql --\n(.*?)(?=^-- |\Z)", text,
                                re.M | re.S))
        script = text.split("\n-- migrations/")[0].split("\n\n! atlas")[0]
        codes = set(re.findall(r"#([A-Z]{2}\d{3})", text)) & set(ATLAS_CODES)
        if not codes or "--latest" not in script:
            continue
        rules = tuple(sorted({ATLAS_CODES[c] for c in codes}))
        reports = dict(re.findall(r"-- analyzing version (\d+)'\n(.*?)-- ok", script, re.S))
        for version, report in sorted(reports.items()):
            if version not in files:
                continue
            label = "good" if "no diagnostics found" in report else "bad"
            yield Case("sql-migrations", rules, MIGRATION, files[version].strip("\n"), label,
                       repo, f"{path} (migrations/{version}.sql)",
                       f"atlas:{path.rsplit('/', 1)[1]}")


SOURCES = {"ruff": ruff, "bandit": bandit, "squawk": squawk, "tsqllint": tsqllint,
           "sql-lint": sql_lint, "atlas": atlas}
