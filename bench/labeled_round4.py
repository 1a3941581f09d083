"""Labeled cases from the fourth round's sources (``labeled_cases.py``): tuning since round five.

- stelligent/cfn_nag (MIT): each ``it`` of ``spec/custom_rules/<Rule>_spec.rb`` parses one
  template of ``spec/test_templates`` and expects a list of offending logical resource ids.
  The resources of the rule's types (the ``AWS::...`` names in its
  ``lib/cfn-nag/custom_rules/<Rule>.rb``) are labeled: bad when listed, good otherwise. A
  template whose labeled resources share one label is one case (neighbours kept: an ingress
  rule and its group, a permission and its function); otherwise one case per labeled
  resource, alone in a template.
- eslint-community/eslint-plugin-security (Apache-2.0) and mozilla/eslint-plugin-no-unsanitized
  (MPL-2.0): each ``valid`` (good) / ``invalid`` (bad) snippet of a rule's ``RuleTester`` run,
  read with ast-grep's JavaScript parser. A case with ``options`` (the rule configured away
  from its defaults) or a made-up parser (``FANTASY_*``) is left out; a bad snippet of a rule
  wider than countersign's must name what the rule covers (``JS_SCOPE``).

Which checks map to which area was decided from their titles, rule texts and the rules'
titles, before countersign ran on any of these cases.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import yaml
from ast_grep_py import SgNode, SgRoot

from labeled_cases import Case, Repo
from labeled_fresh import _cfn_resources
from labeled_iac import ENC, IAM, INGRESS, STORAGE

CFN_NAG = Repo("stelligent/cfn_nag", "MIT")
ESLINT_SECURITY = Repo("eslint-community/eslint-plugin-security", "Apache-2.0")
NO_UNSANITIZED = Repo("mozilla/eslint-plugin-no-unsanitized", "MPL-2.0")

CFN_NAG_RULES = {  # cfn_nag rule -> (area, countersign rules)
    "RDSDBInstanceStorageEncryptedRule": (ENC, ("INF009", "INF016")),
    "RDSDBClusterStorageEncryptedRule": (ENC, ("INF009", "INF016")),
    "NeptuneDBClusterStorageEncryptedRule": (ENC, ("INF009", "INF016")),
    "EFSFileSystemEncryptedRule": (ENC, ("INF009", "INF016")),
    "DAXClusterEncryptionRule": (ENC, ("INF009", "INF016")),
    "ElastiCacheReplicationGroupAtRestEncryptionRule": (ENC, ("INF009", "INF016")),
    "ElasticsearchDomainEncryptionAtRestOptionsRule": (ENC, ("INF009", "INF016")),
    "RedshiftClusterEncryptedRule": (ENC, ("INF009", "INF016")),
    "WorkspacesWorkspaceEncryptionRule": (ENC, ("INF009", "INF016")),
    "EbsVolumeHasSseRule": (ENC, ("INF009", "INF016")),
    "IamPolicyWildcardActionRule": (IAM, ("INF004",)),
    "IamManagedPolicyWildcardActionRule": (IAM, ("INF004",)),
    "IamRoleWildcardActionOnPermissionsPolicyRule": (IAM, ("INF004",)),
    "IamRoleWildcardActionOnTrustPolicyRule": (IAM, ("INF004",)),
    "SqsQueuePolicyWildcardActionRule": (IAM, ("INF004",)),
    "S3BucketPolicyWildcardPrincipalRule": (IAM, ("INF005",)),
    "SnsTopicPolicyWildcardPrincipalRule": (IAM, ("INF005",)),
    "SqsQueuePolicyWildcardPrincipalRule": (IAM, ("INF005",)),
    "KMSKeyWildcardPrincipalRule": (IAM, ("INF005",)),
    "LambdaPermissionWildcardPrincipalRule": (IAM, ("INF005",)),
    "SecurityGroupIngressOpenToWorldRule": (INGRESS, ("INF007",)),
    "S3BucketPublicReadAclRule": (STORAGE, ("INF008", "INF019", "INF020")),
    "S3BucketPublicReadWriteAclRule": (STORAGE, ("INF008", "INF019", "INF020")),
    "RDSInstancePubliclyAccessibleRule": (STORAGE, ("INF008", "INF019", "INF020")),
    "DMSReplicationInstanceNotPublicRule": (STORAGE, ("INF008", "INF019", "INF020")),
}
"""Out: checks about customer-managed keys (DynamoDB, Kinesis, SNS/SQS, logs, SageMaker,
Kendra, EBS key ids), in-transit encryption, wildcard *resources*, NotAction/NotPrincipal,
non-/32 CIDRs and port ranges, egress, passwords in templates (AUT008 is not measured)."""
CFN_NAG_TYPES = {"SecurityGroupIngressOpenToWorldRule": {"AWS::EC2::SecurityGroup",
                                                          "AWS::EC2::SecurityGroupIngress"}}
"""Rules that name their resource types through a helper, not in their own file."""

JS = "javascript"
ESLINT_RULES = {  # (repo, test file) -> countersign rules
    (ESLINT_SECURITY, "test/rules/detect-eval-with-expression.js"): ("SEC001",),
    (ESLINT_SECURITY, "test/rules/detect-child-process.js"): ("SEC002",),
    (ESLINT_SECURITY, "test/rules/detect-disable-mustache-escape.js"): ("SEC009",),
    (NO_UNSANITIZED, "tests/rules/property.js"): ("SEC009",),
    (NO_UNSANITIZED, "tests/rules/method.js"): ("SEC009",),
}
JS_SCOPE = {  # rules wider than countersign's: what a bad snippet must name
    "test/rules/detect-child-process.js": re.compile(r"\bexec(Sync)?\s*\("),
    "tests/rules/method.js": re.compile(
        r"insertAdjacentHTML|document\.write|\bwriteln\b|createContextualFragment|setHTMLUnsafe"),
}
"""detect-child-process also flags a bare ``require('child_process')`` (an import is not a
shell command); no-unsanitized's method rule also flags ``import(x)`` (code loading, not
HTML rendering)."""
JS_NAMES = {
    "SEC001": re.compile(r"\beval\b|\bFunction\b"),
    "SEC002": re.compile(r"child_process|\bexec"),
    "SEC009": re.compile(r"HTML|document\.write|\bwriteln\b|createContextualFragment|escapeMarkup"),
}
"""What a good snippet must name to be a case: many valid snippets test the rule's parser on
code with no sink at all (``let a = (0,1,2,34);``), which says nothing of false alarms."""


# ---------------------------------------------------------------- cfn_nag


def cfn_nag(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    """A snippet any check mapped to the same countersign rules calls bad is bad (the checks
    split one rule's definition: a read ACL and a read-write ACL, a wildcard in a trust
    policy and in a permissions policy)."""
    repo = CFN_NAG.open(mirror)
    cases: dict[tuple[str, tuple[str, ...], str], Case] = {}
    for rule, (area, rules) in CFN_NAG_RULES.items():
        types = CFN_NAG_TYPES.get(rule) or set(re.findall(
            r"'(AWS::[\w:]+)'", repo.show(f"lib/cfn-nag/custom_rules/{rule}.rb")))
        spec = f"spec/custom_rules/{rule}_spec.rb"
        for template, offending in _cfn_nag_tests(repo.show(spec)):
            source = f"spec/test_templates/{template}"
            for label, path, code, where in _cfn_nag_cases(repo, source, types, offending):
                key = (area, rules, code)
                if key not in cases or (label == "bad" and cases[key].label == "good"):
                    cases[key] = Case(area, rules, path, code, label, repo, where,
                                      cases[key].group if key in cases else f"cfn_nag:{rule}")
    yield from cases.values()


def _cfn_nag_tests(spec: str) -> Iterator[tuple[str, set[str]]]:
    """(template, offending ids) of each ``it`` that reads one template."""
    for block in re.split(r"\n\s*it\s+['\"]", spec)[1:]:
        templates = re.findall(r"read_test_template\(\s*'([^']+)'", block)
        if len(templates) != 1 or "test_template_path" in block:
            continue
        found = re.search(r"expected_logical_resource_ids\s*=\s*(%w\[[^\]]*\]|\[[^\]]*\])",
                          block) or re.search(r"to eq\s*(%w\[[^\]]*\]|\[[^\]]*\])", block)
        if found is None:
            continue
        text = found.group(1)
        ids = set(text[3:-1].split()) if text.startswith("%w") else \
            set(re.findall(r"['\"]([^'\"]+)['\"]", text))
        yield templates[0], ids


def _cfn_nag_cases(repo: Repo, source: str, types: set[str],
                   offending: set[str]) -> Iterator[tuple[str, str, str, str]]:
    if not repo.exists(source):
        return
    text = repo.show(source)
    json_file = source.endswith(".json")
    path = f"cloudformation/template.{'json' if json_file else 'yaml'}"
    try:
        blocks = _cfn_resources(text, source)
    except (json.JSONDecodeError, yaml.YAMLError, AttributeError):
        return
    labels = {rid: "bad" if rid in offending else "good" for rid, block in blocks.items()
              if set(re.findall(r"Type\"?\s*:\s*[\"']?(AWS::[\w:]+)", block)) & types}
    if not labels or not offending <= set(labels):
        return
    kinds = set(labels.values())
    if len(kinds) == 1:
        yield kinds.pop(), path, text, source
        return
    for rid, label in sorted(labels.items()):
        yield label, path, blocks[rid], f"{source} ({rid})"


# ---------------------------------------------------------------- ESLint RuleTester suites


def eslint(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    seen: set[str] = set()
    for (repo, test), rules in ESLINT_RULES.items():
        repo.open(mirror)
        scope = JS_SCOPE.get(test)
        name = test.rsplit("/", 1)[1].removesuffix(".js")
        for label, code in _rule_tester_cases(repo.show(test)):
            if label == "bad" and scope is not None and not scope.search(code):
                continue
            if label == "good" and not JS_NAMES[rules[0]].search(code):
                continue
            if code in seen:
                continue
            seen.add(code)
            yield Case(JS, rules, "src/app/view.js", code, label, repo, test,
                       f"{repo.name.split('/')[1]}:{name}")


def _rule_tester_cases(text: str) -> Iterator[tuple[str, str]]:
    """(label, code) of each element of the ``valid`` / ``invalid`` arrays."""
    root = SgRoot(text, "javascript").root()
    for pair in root.find_all(kind="pair"):
        key = pair.field("key")
        value = pair.field("value")
        if key is None or value is None or key.text() not in ("valid", "invalid") \
                or value.kind() != "array":
            continue
        label = "good" if key.text() == "valid" else "bad"
        for element in value.children():
            code = _element_code(element)
            if code is not None and code.strip():
                yield label, code.strip("\n")


def _element_code(element: SgNode) -> str | None:
    if element.kind() in ("string", "template_string"):
        return _literal(element)
    if element.kind() != "object":
        return None
    keys = {p.field("key").text(): p.field("value") for p in element.children()  # type: ignore[union-attr]
            if p.kind() == "pair"}
    spreads = " ".join(c.text() for c in element.children() if c.kind() == "spread_element")
    if "options" in keys or "FANTASY" in spreads or keys.get("code") is None:
        return None
    return _literal(keys["code"])  # type: ignore[arg-type]


def _literal(node: SgNode) -> str | None:
    if node.kind() == "string":
        try:
            return str(ast.literal_eval(node.text()))
        except (ValueError, SyntaxError):
            return node.text()[1:-1]
    if node.kind() == "template_string" and node.find(kind="template_substitution") is None:
        return node.text()[1:-1].replace("\\`", "`")
    return None


SOURCES = {"cfn_nag": cfn_nag, "eslint": eslint}
