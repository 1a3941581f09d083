"""Labeled cases from the ninth round's sources (see ``labeled_cases.py``): the held-out set.

Sources for the two areas still short of the bar, none read by an earlier round:

- Checkmarx/kics (Apache-2.0): queries about resource policies no earlier round read, test
  files read one by one with the search tool's ``read_file`` into ``SNAPSHOTS/kics9``
  (``MANIFEST.tsv`` names each file's commit; expected results stored reduced to ``line`` and
  ``fileName``), labeled as the eighth round's kics cases (``labeled_round8_kics.py``): each
  top-level block (Terraform) or resource (CloudFormation YAML) of a ``positive*`` file
  holding a line the expected results name is bad, each of a ``negative*`` file of a kind
  some bad case has is good; JSON templates are not read. An expected-results entry naming
  no file names a line of every positive file (the stored one predates the second file):
  the version-mismatch guard below decides.
- typescript-eslint/typescript-eslint (MIT): ``no-implied-eval``'s RuleTester suite, read
  into ``SNAPSHOTS/tseslint9`` reduced to its ``valid``/``invalid`` elements.
- Rantanen/eslint-plugin-xss (ISC, fetched whole into the mirror): ``no-mixed-html``'s suite.

The mapping (decided from the checks' names, the test files and countersign's rule
definitions before countersign ran on any of these cases):

- iam-wildcards (INF004 wildcard action, INF005 principal everyone). A bad block must name
  what its rule is about (a ``"*"`` principal; for the two queries about both, a wildcard
  action or a ``"*"`` principal) with ``Effect`` Allow and no ``Condition``: the issue defines
  a wildcard in ``Deny`` or restricted by a ``Condition`` as safe, so such a bad case is
  outside the definition and left out (Lambda's ``SourceAccount`` / ``SourceArn`` are that
  permission's conditions). A good block that grants a wildcard action or everyone without a
  ``Condition`` is left out (inside the definition); ``"*"`` with a ``Condition`` stays good.
- javascript, SEC001 (dynamic code): a bad ``no-implied-eval`` case must pass ``setTimeout``,
  ``setInterval``, ``execScript`` or ``Function`` a value that comes from outside the snippet
  (a parameter of an enclosing function): a string the snippet builds from its own constants
  (a literal, ``const foo = 'x = 1'``, a function returning a literal, ``new String('x')``,
  ``fn + ''`` of a local function) is constant code, outside the definition. ``setImmediate``
  is not a code sink (it takes no string). A good case must name a sink; every valid case
  passes a function or a constant (shadowed ``setTimeout`` included), so all are kept.
- javascript, SEC009 (raw HTML): a bad ``no-mixed-html`` case must write a non-constant
  value to ``innerHTML`` / ``outerHTML`` / ``insertAdjacentHTML`` / ``document.write``; a
  good one must name such a sink and pass constants or a visibly escaped value. Cases with
  ``options`` are left out (as every earlier round); ``no-location-href-assign`` is out
  (navigation, not HTML rendering).
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from ast_grep_py import SgNode, SgRoot

from labeled_cases import Case, Repo
from labeled_iac import IAM
from labeled_round4 import _literal
from labeled_round7_code import (
    CONSTANT_NAMES,
    _constant_names,
    _dynamic,
    _dynamic_sink,
    _rule_tester_items,
)
from labeled_round7_kics import Snapshot
from labeled_round8 import SANITIZED
from labeled_round8_kics import query_blocks

KICS9 = Repo("Checkmarx/kics", "Apache-2.0")
TSESLINT9 = Repo("typescript-eslint/typescript-eslint", "MIT")
XSS9 = Repo("Rantanen/eslint-plugin-xss", "ISC")
SECURITY_NODE9 = Repo("gkouziik/eslint-plugin-security-node", "ISC")
TF, CFN = "assets/queries/terraform/aws", "assets/queries/cloudFormation/aws"
JS = "javascript"

EVERYONE = re.compile(r'(?i)\bprincipal"?\s*:\s*(\{\s*"AWS"\s*:\s*)?\[?\s*["\']\*["\']'
                      r'|\bidentifiers\s*=\s*\[\s*"\*"')
WILDCARD_ACTION = re.compile(r'(?i)\bactions?"?\s*[:=]\s*\[?\s*"([\w-]+:)?\*"')
CONDITION = re.compile(r'(?i)"?\bcondition"?\s*[:=]|^\s*Source(Account|Arn)\s*:', re.M)
DENY = re.compile(r'(?i)"?effect"?\s*[:=]\s*"?deny\b')


def _principal(label: str, code: str) -> bool:
    """INF005: bad names everyone unrestricted; good does not grant everyone unrestricted."""
    return _judge(label, code, EVERYONE.search(code) is not None)


def _either(label: str, code: str) -> bool:
    """INF004 or INF005: the query flags a wildcard in the action or the principal."""
    found = EVERYONE.search(code) is not None or WILDCARD_ACTION.search(code) is not None
    return _judge(label, code, found)


def _action(label: str, code: str) -> bool:
    """INF004: bad grants a wildcard action unrestricted; good does not."""
    return _judge(label, code, WILDCARD_ACTION.search(code) is not None)


def _judge(label: str, code: str, wildcard: bool) -> bool:
    restricted = CONDITION.search(code) is not None or DENY.search(code) is not None
    if label == "bad":
        return wildcard and not restricted
    return not wildcard or restricted


QUERIES: dict[str, tuple[tuple[str, ...], Callable[[str, str], bool]]] = {
    # query folder -> (countersign rules, filter)
    f"{TF}/kms_key_with_vulnerable_policy": (("INF004", "INF005"), _either),
    f"{TF}/elasticsearch_domain_with_vulnerable_policy": (("INF004", "INF005"), _either),
    f"{TF}/s3_bucket_allows_delete_action_from_all_principals": (("INF005",), _principal),
    f"{TF}/sqs_queue_exposed": (("INF005",), _principal),
    f"{TF}/sqs_policy_allows_all_actions": (("INF004",), _action),
    f"{CFN}/sns_topic_is_publicly_accessible": (("INF005",), _principal),
    f"{CFN}/ecr_repository_is_publicly_accessible": (("INF005",), _principal),
    f"{CFN}/sqs_policy_with_public_access": (("INF005",), _principal),
    f"{CFN}/lambda_permission_principal_is_wildcard": (("INF005",), _principal),
    f"{CFN}/kms_key_with_vulnerable_policy": (("INF004", "INF005"), _either),
}
"""Read and giving no bad case: the stored positives of the S3 delete, ``sqs_queue_exposed``
and ``sqs_policy_allows_all_actions`` queries all restrict their wildcard by a ``Condition``
(their negatives of the same kinds stay good); CloudFormation SQS ``positive2.yaml`` names an
account's ARN, not everyone; Lambda's ``positive1.yaml`` restricts ``"*"`` by ``SourceAccount``
and ``SourceArn``; KMS ``positive2.yaml`` has no key policy at all (AWS's default one)."""


def kics9(_: Path, args: argparse.Namespace) -> Iterator[Case]:
    snapshot = Snapshot(Path(args.snapshots) / "kics9")
    KICS9.path, KICS9.commit = snapshot.root, "see MANIFEST.tsv"
    seen: set[str] = set()
    for query, (rules, keep) in QUERIES.items():
        group = f"kics9:{query.removeprefix('assets/queries/')}"
        for label, path, code in query_blocks(snapshot, query, _named(snapshot, query), keep,
                                              seen):
            where = "infra/main.tf" if path.endswith(".tf") else "cloudformation/template.yaml"
            yield Case(IAM, rules, where, code, label, KICS9,
                       f"{path}@{snapshot.commits[path]}", group)


def _named(snapshot: Snapshot, query: str) -> dict[str, set[int]]:
    """Positive file (not JSON) -> the 1-based lines its expected results name; an entry
    naming no file names that line of every positive file."""
    expected = f"{query}/test/positive_expected_result.json"
    if expected not in snapshot.commits:
        return {}
    positives = [p for p in snapshot.files(f"{query}/test") if Path(p).name.startswith(
        "positive") and not p.endswith(".json")]
    out: dict[str, set[int]] = {}
    for entry in json.loads(snapshot.show(expected)):
        name = entry.get("fileName")
        for path in positives:
            if name is None or Path(path).name == name:
                out.setdefault(path, set()).add(int(entry["line"]))
    return out


IMPLIED = re.compile(r"^((window|globalThis|global|self)(\.|\[['\"]))?(setTimeout|setInterval"
                     r"|execScript|Function)(['\"]\])?$")
SEC001_NAMES = re.compile(r"\b(setTimeout|setInterval|execScript|Function|eval)\b")


def tseslint9(_: Path, args: argparse.Namespace) -> Iterator[Case]:
    snapshot = Snapshot(Path(args.snapshots) / "tseslint9")
    TSESLINT9.path, TSESLINT9.commit = snapshot.root, "see MANIFEST.tsv"
    test = "packages/eslint-plugin/tests/rules/no-implied-eval.test.ts"
    if test not in snapshot.commits:
        return
    seen: set[str] = set()
    for label, code, _typescript in _rule_tester_items(snapshot.show(test)):
        if code in seen or not SEC001_NAMES.search(code):
            continue
        if label == "bad" and not _parameter_reaches(code):
            continue
        seen.add(code)
        yield Case(JS, ("SEC001",), "src/app/view.ts", code, label, TSESLINT9,
                   f"{test}@{snapshot.commits[test]}", "tseslint9:no-implied-eval")


def _parameter_reaches(code: str) -> bool:
    """Whether a code sink's first argument holds a parameter of an enclosing function."""
    root = SgRoot(code, "typescript").root()
    for call in root.find_all(any=[{"kind": "call_expression"}, {"kind": "new_expression"}]):
        callee = call.field("function") or call.field("constructor")
        arguments = call.field("arguments")
        if callee is None or arguments is None or not IMPLIED.search(callee.text()):
            continue
        values = [a for a in arguments.children() if a.is_named() and a.kind() != "comment"]
        names = {n.text() for n in (values[0].find_all(kind="identifier") if values else [])}
        if values and values[0].kind() == "identifier":
            names.add(values[0].text())
        if names & _parameters(call):
            return True
    return False


def _parameters(node: SgNode) -> set[str]:
    """Names bound by the formal parameters of the functions enclosing ``node``."""
    out: set[str] = set()
    for outer in node.ancestors():
        params = outer.field("parameters")
        if params is not None:
            out |= {p.text() for p in params.find_all(kind="identifier")
                    if p.parent() is not None and p.parent().kind() in (  # type: ignore[union-attr]
                        "required_parameter", "optional_parameter", "formal_parameters")}
    return out


HTML_SINK = r"\.(innerHTML|outerHTML|insertAdjacentHTML)$|(^|\.)document\.write(ln)?$"
HTML_NAMES = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write")


def xss9(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    XSS9.open(mirror)
    test = "tests/lib/rules/no-mixed-html.js"
    seen: set[str] = set()
    for label, code, _typescript in _rule_tester_items(XSS9.show(test)):
        if code in seen or not HTML_NAMES.search(code):
            continue
        dynamic = _dynamic_sink(code, re.compile(HTML_SINK), False)
        if (label == "bad" and not dynamic) or (
                label == "good" and dynamic and not SANITIZED.search(code)):
            continue
        seen.add(code)
        yield Case(JS, ("SEC009",), "src/app/view.js", code, label, XSS9, test,
                   "eslint-plugin-xss9:no-mixed-html")


SECURITY_NODE_TESTS = {  # test -> (countersign rule, sink: a callee)
    "detect-eval-with-expr": ("SEC001", r"^eval$"),
    "detect-runinthiscontext-method-in-nodes-vm": ("SEC001", r"^vm\.runInThisContext$"),
    "detect-child-process": ("SEC002", r"(^|\.)exec(Sync)?$"),
    "detect-html-injection": ("SEC009", r"(^|\.)document\.write(ln)?$"),
}


def security_node9(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    SECURITY_NODE9.open(mirror)
    for name, (rule, sink) in SECURITY_NODE_TESTS.items():
        test = f"tests/lib/rules/{name}.js"
        for label, code in _named_code_items(SECURITY_NODE9.show(test)):
            if _first_dynamic(code, re.compile(sink)) != (label == "bad"):
                continue
            yield Case(JS, (rule,), "src/app/server.js", code, label, SECURITY_NODE9, test,
                       f"security-node9:{name}")


def _first_dynamic(code: str, sink: re.Pattern[str]) -> bool:
    """Whether a call of ``sink`` gets a non-constant first argument (the code, command or
    markup; a callback after it says nothing)."""
    root = SgRoot(code, "javascript").root()
    constants = CONSTANT_NAMES | _constant_names(root)
    for call in root.find_all(kind="call_expression"):
        callee, arguments = call.field("function"), call.field("arguments")
        if callee is None or arguments is None or not sink.search(callee.text()):
            continue
        values = [a for a in arguments.children() if a.is_named() and a.kind() != "comment"]
        if values and _dynamic(values[0], constants):
            return True
    return False


def _named_code_items(text: str) -> Iterator[tuple[str, str]]:
    """(label, code) of each ``valid``/``invalid`` element whose ``code`` is a string or a
    name the file binds to one (this suite's style), elements with ``options`` left out."""
    root = SgRoot(text, "javascript").root()
    strings: dict[str, str] = {}
    for declarator in root.find_all(kind="variable_declarator"):
        name, value = declarator.field("name"), declarator.field("value")
        if name is not None and value is not None and value.kind() == "string":
            strings[name.text()] = _literal(value) or ""
    for pair in root.find_all(kind="pair"):
        key, value = pair.field("key"), pair.field("value")
        if key is None or value is None or key.text() not in ("valid", "invalid"):
            continue
        for element in value.children():
            fields = {p.field("key").text(): p.field("value") for p in  # type: ignore[union-attr]
                      element.children() if p.kind() == "pair"}
            code = fields.get("code")
            if code is None or "options" in fields:
                continue
            found = strings.get(code.text()) if code.kind() == "identifier" else _literal(code)
            if found:
                yield ("good" if key.text() == "valid" else "bad"), found


SOURCES = {"kics9": kics9, "tseslint9": tseslint9, "eslint-plugin-xss9": xss9,
           "security-node9": security_node9}
