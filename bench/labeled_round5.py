"""Labeled cases from the fifth round's source (see ``labeled_cases.py``): the held-out set.

- ajinabraham/njsscan (LGPL-3.0; read locally, nothing of it is committed): its test assets
  are JavaScript files run through its Semgrep rules. In ``true_positives/`` each statement
  after a ``// ruleid:<rule>`` comment is a bad case of that rule; in ``true_negatives/`` each
  innermost statement of the rule's safe file that names what the rule is about is a good
  case. The file's top-level ``require`` / ``import`` statements come above each snippet (an
  alias is only known from its import).

Which njsscan rules map to which countersign rule was decided from the rules' ids, messages
and countersign's rule titles, before countersign ran on any of these cases.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

from ast_grep_py import SgNode, SgRoot

from labeled_cases import Case, Repo

NJSSCAN = Repo("ajinabraham/njsscan", "LGPL-3.0")
JS = "javascript"
POSITIVES = "tests/assets/node_source/true_positives/semantic_grep"
NEGATIVES = "tests/assets/node_source/true_negatives"
BAD = {  # njsscan rule id -> (its test file, countersign rules)
    "eval_nodejs": ("eval/eval_node.js", ("SEC001",)),
    "generic_os_command_exec": ("exec/exec_os_command.js", ("SEC002",)),
    "shelljs_os_command_exec": ("exec/exec_shelljs.js", ("SEC002",)),
    "dom_xss": ("xss/xss_dom.js", ("SEC009",)),
    "xss_disable_mustache_escape": ("xss/xss_mustache_escape.js", ("SEC009",)),
    "handlebars_noescape": ("xss/xss_templates.js", ("SEC009",)),
    "handlebars_safestring": ("xss/xss_templates.js", ("SEC009",)),
    "squirrelly_autoescape": ("xss/xss_templates.js", ("SEC009",)),
}
"""Out: ``express_xss`` (a response body built from a request: reflected output, not a raw
HTML rendering sink as SEC009 defines it), the eval-like ``vm``/``vm2``/sandbox/YAML and
deserialization rules (no countersign rule says "untrusted data reaches vm"), SSRF, path
traversal, headers, JWT, NoSQL/SQL injection, crypto and TLS."""
GOOD = {  # safe file -> countersign rules
    "hardcoded_evals.js": ("SEC001",),
    "hardcoded_os_command.js": ("SEC002",),
    "safe_shelljs.js": ("SEC002",),
    "safe_xss_dom.js": ("SEC009",),
    "safe_mustache_escape.js": ("SEC009",),
    "safe_templates.js": ("SEC009",),
}
NAMES = {
    "SEC001": re.compile(r"\beval\b|\bFunction\b|\bset(Timeout|Interval)\b"),
    "SEC002": re.compile(r"\bexec(Sync)?\b|\bspawn(Sync)?\b"),
    "SEC009": re.compile(r"HTML|document\.write|escapeMarkup|SafeString|noEscape|autoEscape"),
}
"""What a good statement must name to be a case (a safe file's other statements say nothing
of false alarms)."""
STATEMENTS = ("expression_statement", "lexical_declaration", "variable_declaration",
              "return_statement")


def njsscan(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = NJSSCAN.open(mirror)
    seen: set[str] = set()
    for rule, (test, rules) in BAD.items():
        source = f"{POSITIVES}/{test}"
        root = SgRoot(repo.show(source), "javascript").root()
        for statement in _after_ruleid(root, rule):
            code = _with_imports(root, statement)
            if code not in seen:
                seen.add(code)
                yield Case(JS, rules, "src/app/view.js", code, "bad", repo, source,
                           f"njsscan:{rule}")
    for name, rules in GOOD.items():
        source = f"{NEGATIVES}/{name}"
        root = SgRoot(repo.show(source), "javascript").root()
        for statement in _innermost(root, NAMES[rules[0]]):
            if "require(" in statement.text():
                continue
            code = _with_imports(root, statement)
            if code not in seen:
                seen.add(code)
                yield Case(JS, rules, "src/app/view.js", code, "good", repo, source,
                           f"njsscan:{name.removesuffix('.js')}")


def _after_ruleid(root: SgNode, rule: str) -> Iterator[SgNode]:
    for comment in root.find_all(kind="comment"):
        if re.search(rf"ruleid:\s*{rule}\b", comment.text()) is None:
            continue
        node = comment.next()
        while node is not None and node.kind() == "comment":
            node = node.next()
        if node is not None and node.is_named():
            yield node


def _innermost(root: SgNode, names: re.Pattern[str]) -> Iterator[SgNode]:
    """The statements that name the rule's subject and hold no smaller statement that does
    (a call with a callback holds statements of its own)."""
    for kind in STATEMENTS:
        for node in root.find_all(kind=kind):
            if names.search(node.text()) and sum(
                    1 for k in STATEMENTS for inner in node.find_all(kind=k)
                    if names.search(inner.text())) == 1:  # itself only
                yield node


def _with_imports(root: SgNode, statement: SgNode) -> str:
    imports = [c.text() for c in root.children()
               if c.kind() == "import_statement" or ("require(" in c.text()
                                                      and "\n" not in c.text().strip())]
    column = statement.range().start.column
    body = textwrap.dedent(" " * column + statement.text())
    return "\n".join([*(i for i in imports if i != statement.text()), body])


SOURCES = {"njsscan": njsscan}
