"""Labeled cases from the third round's sources (see ``labeled_cases.py``): the held-out set.

- fugue/regula (Apache-2.0): the Rego tests of ``rego/tests/rules/{tf,cfn}`` label the
  resources of their input files (``by_resource_id["X"] == false``, ``not allow with input as
  resources["X"]``, ``deny ...``) or a whole input file (a ``test_invalid_*`` / ``test_valid_*``
  test of one input without resource ids). An input file whose labeled resources all share one
  label is one case (so a resource judged with its neighbours, a Lambda permission, an
  ingress rule, keeps them); a file with both labels gives one case per labeled resource.
- aquasecurity/tfsec (MIT): ``docs/checks/<provider>/<service>/<check>/index.md``, each
  Terraform block of "Insecure Example" (bad) and "Secure Example" (good), for checks that
  were not used from trivy-checks (``TFSEC_USED``).
- dlint-py/dlint (BSD-3-Clause): each test's ``get_ast_node(...)`` snippet, one case
  per top-level statement with the snippet's imports above it, bad when the test expects a
  finding on one of its lines. A linter wider than countersign's rule keeps a bad statement
  only if it names what the rule covers (``DLINT_SCOPE``); a good statement must call something.

Which checks map to which area was decided from their titles and the rules' titles, before
countersign ran on any of these cases; port-specific ingress checks give bad cases only, as
in the earlier rounds (``labeled_iac.BAD_ONLY``).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

from ast_grep_py import SgRoot

from labeled_cases import Case, Repo
from labeled_code import _calls, _units
from labeled_iac import ENC, IAM, INGRESS, RULES, STORAGE

REGULA = Repo("fugue/regula", "Apache-2.0")
TFSEC = Repo("aquasecurity/tfsec", "MIT")
DLINT = Repo("dlint-py/dlint", "BSD-3-Clause")

BAD_ONLY = re.compile(r"ingress_(22|3389)|port_(22|3389)|ingress_anywhere|disable-rdp|"
                      r"ssh-blocked")
"""Port-specific checks (and one that allows 80/443 from anywhere): bad cases only."""

REGULA_CHECKS = {
    ENC: ["tf/aws/ebs/ebs_volume_encryption", "cfn/ebs/volume_encryption"],
    IAM: ["tf/aws/iam/admin_policy", "cfn/iam/admin_policy", "cfn/lambda/function_not_public"],
    INGRESS: ["tf/aws/security_group/ingress_anywhere", "tf/aws/security_groups/ingress_22",
              "tf/aws/security_groups/ingress_3389", "tf/azurerm/network/inbound_port_22",
              "tf/azurerm/network/inbound_port_3389", "tf/azurerm/sql/no_inbound_all",
              "tf/google/compute/firewall_port_22", "tf/google/compute/firewall_port_3389",
              "cfn/vpc/ingress_22", "cfn/vpc/ingress_3389"],
    STORAGE: ["tf/azurerm/storage/container_private_access"],
}
INF005_CHECKS = re.compile(r"not_public|no-public-access|bigquery|storage/no-public")

TFSEC_CHECKS = {
    ENC: ["aws/athena/enable-at-rest-encryption", "aws/autoscaling/enable-at-rest-encryption",
          "aws/dynamodb/enable-at-rest-encryption", "aws/ec2/enable-at-rest-encryption",
          "aws/ec2/enable-launch-config-at-rest-encryption", "aws/efs/enable-at-rest-encryption",
          "aws/elastic-search/enable-domain-encryption",
          "aws/elasticache/enable-at-rest-encryption", "aws/emr/enable-at-rest-encryption",
          "aws/emr/enable-local-disk-encryption", "aws/workspaces/enable-disk-encryption",
          "azure/compute/enable-disk-encryption", "azure/datalake/enable-at-rest-encryption"],
    IAM: ["aws/ecr/no-public-access", "google/bigquery/no-public-access",
          "google/storage/no-public-access", "azure/authorization/limit-role-actions"],
    INGRESS: ["aws/ec2/no-public-ingress-acl", "aws/eks/no-public-cluster-access-to-cidr",
              "azure/network/disable-rdp-from-internet", "azure/network/ssh-blocked-from-internet",
              "azure/database/no-public-firewall-access", "google/sql/no-public-access"],
    STORAGE: ["aws/s3/no-public-buckets", "azure/storage/no-public-access",
              "digitalocean/spaces/acl-no-public-read"],
}
TFSEC_USED = re.compile(r"aws/iam/no-policy-wildcards|aws/sqs/no-wildcards|aws/rds/|"
                        r"aws/(ec2|ebs)/enable-volume-encryption|aws/(neptune|documentdb)/|"
                        r"(ec2|vpc)/no-public-ingress-sgr|google/compute/no-public-ingress|"
                        r"azure/network/no-public-ingress|digitalocean/compute/|"
                        r"aws/s3/(block-public|ignore-public|no-public-access-with-acl)")
"""tfsec checks whose examples trivy-checks (tuning) already gave."""

DLINT_RULES = {  # dlint linter -> countersign rules
    "BadEvalUseLinter": ("SEC001",), "BadExecUseLinter": ("SEC001",),
    "BadSubprocessUseLinter": ("SEC002",), "BadOSUseLinter": ("SEC002",),
    "BadCommandsUseLinter": ("SEC002",), "BadPopen2UseLinter": ("SEC002",),
    "BadPickleUseLinter": ("SEC003",), "BadMarshalUseLinter": ("SEC003",),
    "BadShelveUseLinter": ("SEC003",), "BadYAMLUseLinter": ("SEC004",),
    "BadRequestsUseLinter": ("SEC005",), "BadUrllib3KwargUseLinter": ("SEC005",),
    "BadSSLModuleAttributeUseLinter": ("SEC005", "SEC008"),
    "BadCryptographyModuleAttributeUseLinter": ("SEC008",),
}
DLINT_SCOPE = {  # linters wider than the rule: what a bad statement must name
    "BadOSUseLinter": re.compile(r"popen|system"),
    "BadSSLModuleAttributeUseLinter": re.compile(
        r"_create_unverified_context|_https_verify_certificates|CERT_NONE|PROTOCOL_SSLv[23]\b"),
    "BadCryptographyModuleAttributeUseLinter": re.compile(r"ECB|Blowfish|ARC4|IDEA"),
    "BadYAMLUseLinter": re.compile(r"load"),
}


# ---------------------------------------------------------------- regula


def regula(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = REGULA.open(mirror)
    for area, checks in REGULA_CHECKS.items():
        for check in checks:
            test = f"rego/tests/rules/{check}_test.rego"
            rules = ("INF005",) if area == IAM and INF005_CHECKS.search(check) else \
                ("INF004",) if area == IAM else RULES[area]
            for label, path, code, source in _regula_cases(repo, check, test):
                if label == "good" and BAD_ONLY.search(check):
                    continue
                yield Case(area, rules, path, code, label, repo, source, f"regula:{check}")


def _regula_labels(text: str) -> dict[str, dict[str, str]]:
    """Input module -> {resource id or "" for the whole file: label} of one test file."""
    out: dict[str, dict[str, str]] = {}
    for name, body in re.findall(r"^(test_\w+)\s*\{(.*?)^\}", text, re.M | re.S):
        modules = set(re.findall(r"(\w+_(?:tf|json|yaml))\.mock_(?:input|resources)", body))
        if len(modules) != 1:
            continue
        labels = out.setdefault(modules.pop(), {})
        ids = [(rid, "good" if value == "true" else "bad") for rid, value in
               re.findall(r'by_resource_id\["([^"]+)"\]\s*==\s*(true|false)', body)]
        for neg, verb, rid in re.findall(
                r'(not\s+)?(allow|deny(?:\s*==\s*set\(\))?)\s+with input as resources\["([^"]+)"\]',
                body):
            bad = False if "set()" in verb else (verb == "allow") == bool(neg)
            ids.append((rid, "bad" if bad else "good"))
        if ids:
            labels.update(ids)
        elif name.startswith("test_invalid"):
            labels[""] = "bad"
        elif name.startswith("test_valid"):
            labels[""] = "good"
    return out


def _regula_cases(repo: Repo, check: str, test: str) -> Iterator[tuple[str, str, str, str]]:
    folder = test.rsplit("/", 1)[0] + "/inputs"
    for module, labels in sorted(_regula_labels(repo.show(test)).items()):
        stem = re.sub(r"_(tf|json|yaml)$", "", module)
        exts = (".tf",) if check.startswith("tf/") else (".yaml", ".yml", ".json")
        found = [f"{folder}/{stem}{e}" for e in exts if repo.exists(f"{folder}/{stem}{e}")]
        if not found:
            continue
        source = found[0]
        text = repo.show(source)
        path = "infra/main.tf" if source.endswith(".tf") else \
            f"cloudformation/template.{'json' if source.endswith('.json') else 'yaml'}"
        kinds = set(labels.values())
        if len(kinds) == 1:
            yield kinds.pop(), path, text, source
            continue
        blocks = _tf_blocks(text) if source.endswith(".tf") else _cfn_resources(text, source)
        for rid, label in sorted(labels.items()):
            if rid in blocks:
                yield label, path, blocks[rid], f"{source} ({rid})"


def _tf_blocks(text: str) -> dict[str, str]:
    top = {"kind": "block", "inside": {"kind": "body", "inside": {"kind": "config_file"}}}
    out = {}
    for node in SgRoot(text, "hcl").root().find_all({"rule": top}):
        labels = [c.text().strip('"') for c in node.children() if c.kind() == "string_lit"]
        if len(labels) == 2:
            out[f"{labels[0]}.{labels[1]}"] = node.text()
    return out


def _cfn_resources(text: str, source: str) -> dict[str, str]:
    """Logical id -> a template holding that resource alone."""
    head = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
    if source.endswith(".json"):
        resources = json.loads(text).get("Resources", {})
        return {k: json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {k: v}},
                              indent=2) for k, v in resources.items()}
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.rstrip() == "Resources:")
    except StopIteration:
        return {}
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    indent = None
    for line in lines[start + 1:]:
        if line.strip() and not line.startswith(" "):
            break
        match = re.match(r"^( +)([\w-]+):\s*$", line)
        if match and (indent is None or len(match.group(1)) == indent):
            indent = len(match.group(1))
            current = out.setdefault(match.group(2), [])
        if current is not None:
            current.append(line)
    return {k: head + "\n".join(v).rstrip() for k, v in out.items()}


# ---------------------------------------------------------------- tfsec


def tfsec(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = TFSEC.open(mirror)
    seen: set[str] = set()
    for area, checks in TFSEC_CHECKS.items():
        for check in checks:
            if TFSEC_USED.search(check):
                continue
            source = f"docs/checks/{check}/index.md"
            text = repo.show(source)
            rules = ("INF005",) if area == IAM and INF005_CHECKS.search(check) else \
                ("INF004",) if area == IAM else RULES[area]
            for title, label in (("Insecure Example", "bad"), ("Secure Example", "good")):
                if label == "good" and BAD_ONLY.search(check):
                    continue
                section = text.split(f"### {title}", 1)[1].split("\n### ", 1)[0]
                for code in re.findall(r"```terraform\n(.*?)```", section, re.S):
                    code = textwrap.dedent(code).strip("\n")
                    if code in seen:
                        continue
                    seen.add(code)
                    yield Case(area, rules, "infra/main.tf", code, label, repo, source,
                               f"tfsec:{check}")


# ---------------------------------------------------------------- dlint


def dlint(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = DLINT.open(mirror)
    for path in repo.files("tests"):
        if not re.match(r"tests/test_bad_\w+\.py$", path):
            continue
        for method in ast.walk(ast.parse(repo.show(path))):
            if isinstance(method, ast.FunctionDef):
                yield from _dlint_method(method, repo, path)


def _dlint_method(method: ast.FunctionDef, repo: Repo, path: str) -> Iterator[Case]:
    snippets = [n.args[0].value for n in ast.walk(method) if isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute) and n.func.attr == "get_ast_node"
                and n.args and isinstance(n.args[0], ast.Constant)]
    linters = {n.attr for n in ast.walk(method) if isinstance(n, ast.Attribute)
               and n.attr in DLINT_RULES and isinstance(n.value, ast.Attribute)
               and n.value.attr == "linters"}
    if len(snippets) != 1 or len(linters) != 1:
        return
    linter = linters.pop()
    expected = {kw.value.value for n in ast.walk(method) if isinstance(n, ast.Call)
                for kw in n.keywords if kw.arg == "lineno" and isinstance(kw.value, ast.Constant)}
    text = textwrap.dedent(snippets[0])
    try:
        imports, units = _units(text)
    except SyntaxError:
        return
    scope = DLINT_SCOPE.get(linter)
    for first, last, body in units:
        bad = any(first <= n <= last for n in expected)
        if bad and scope is not None and not scope.search(body):
            continue
        if not bad and not _calls(body):
            continue
        snippet = f"{imports}\n\n{body}" if imports else body
        yield Case("python", DLINT_RULES[linter], "src/app/module.py", snippet,
                   "bad" if bad else "good", repo, f"{path}::{method.name}", f"dlint:{linter}")


SOURCES = {"regula": regula, "tfsec": tfsec, "dlint": dlint}
