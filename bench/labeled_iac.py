"""Labeled Terraform, CloudFormation and GitHub Actions cases (see ``labeled_cases.py``).

- aquasecurity/trivy-checks (MIT): ``checks/cloud/**/*.yaml`` keep ``good:`` and ``bad:``
  examples per check, in Terraform and CloudFormation;
- zizmorcore/zizmor (MIT): the ``excessive-permissions`` workflows, labeled by the snapshots
  in ``tests/integration/audit/excessive_permissions.rs``;
- bridgecrewio/checkov (Apache-2.0): a Terraform check's test names its passing and failing
  resources in ``example_<Check>/`` (one case per resource block), or holds HCL inline in
  ``hcl2.loads('''...''')`` with the expected ``CheckResult``; a CloudFormation check's
  examples are files named ``*PASSED*`` / ``*FAILED*``; the GitHub Actions check
  ``CKV2_GHA_1`` lists its passing and failing workflows in ``expected.yaml``;
- ossf/scorecard (Apache-2.0): the token-permission workflows of ``checks/permissions_test.go``
  (one file each): full score is good, a lower score is bad. Each workflow is a scenario of
  its own (a group of its own in the split).

A check whose test cases are narrower than countersign's rule (a port-specific ingress check
passes 0.0.0.0/0 on another port; a check of ``"*"`` alone passes ``"s3:*"``; checkov's
``CKV2_GHA_1`` looks for ``write-all`` only) gives only its bad cases (``BAD_ONLY``): its
good ones are not safe by the rule's definition. In the IAM area a check about who is
allowed maps to INF005, one about what is allowed to INF004. Workflows
without a top-level ``permissions`` key (the repository default decides) are left out:
INF013 judges what a workflow grants, not settings outside it.
"""

from __future__ import annotations

import argparse
import ast
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import yaml
from ast_grep_py import SgRoot

from labeled_cases import Case, Repo

TRIVY = Repo("aquasecurity/trivy-checks", "MIT")
ZIZMOR = Repo("zizmorcore/zizmor", "MIT")
CHECKOV = Repo("bridgecrewio/checkov", "Apache-2.0")
SCORECARD = Repo("ossf/scorecard", "Apache-2.0")

IAM, ENC, INGRESS, STORAGE = "iam-wildcards", "encryption-at-rest", "public-ingress", \
    "public-storage"
RULES = {IAM: ("INF004", "INF005"), ENC: ("INF009", "INF016"), INGRESS: ("INF007",),
         STORAGE: ("INF008", "INF019", "INF020"), "gha-permissions": ("INF013",)}

TRIVY_AREAS = {
    IAM: ["aws/iam/no_policy_wildcards", "aws/sqs/no_wildcards_in_policy_documents"],
    ENC: ["aws/rds/encrypt_instance_storage_data", "aws/rds/encrypt_cluster_storage_data",
          "aws/ec2/enable_volume_encryption", "aws/neptune/enable_storage_encryption",
          "aws/documentdb/enable_storage_encryption"],
    INGRESS: ["aws/ec2/no_public_ingress_sgr", "google/compute/no_public_ingress",
              "azure/network/no_public_ingress", "digitalocean/compute/no_public_ingress"],
    STORAGE: ["aws/s3/block_public_acls", "aws/s3/block_public_policy",
              "aws/s3/ignore_public_acls", "aws/s3/no_public_access_with_acl",
              "aws/rds/disable_public_access"],
}

CHECKOV_TF = {
    IAM: ["aws/IAMAdminPolicyDocument", "aws/IAMStarActionPolicyDocument", "aws/SQSPolicy",
          "aws/IAMRoleAllowsPublicAssume", "aws/KMSKeyWildcardPrincipal",
          "aws/GlacierVaultAnyPrincipal", "aws/SNSTopicPolicyAnyPrincipal",
          "aws/SQSQueuePolicyAnyPrincipal", "aws/ECRPolicy", "aws/LambdaFunctionIsNotPublic",
          "gcp/ArtifactRegistryPrivateRepo", "gcp/BigQueryPrivateTable",
          "gcp/GCPCloudRunPrivateService", "gcp/GoogleBigQueryDatasetPublicACL",
          "gcp/GoogleKMSKeyIsPublic"],
    INGRESS: ["aws/SecurityGroupUnrestrictedIngress22", "aws/SecurityGroupUnrestrictedIngress3389",
              "aws/SecurityGroupUnrestrictedIngress80", "aws/SecurityGroupUnrestrictedIngressAny",
              "aws/NetworkACLUnrestrictedIngress22", "aws/NetworkACLUnrestricted",
              "aws/EKSPublicAccessCIDR", "gcp/GoogleComputeFirewallUnrestrictedIngress22",
              "gcp/GoogleComputeFirewallUnrestrictedIngress3389",
              "gcp/GoogleComputeFirewallUnrestrictedIngress80",
              "azure/NSGRuleSSHAccessRestricted", "azure/NSGRuleRDPAccessRestricted",
              "azure/NSGRuleHTTPAccessRestricted", "azure/NSGRuleUDPAccessRestricted",
              "azure/SQLServerNoPublicAccess"],
    STORAGE: ["aws/S3GlobalViewACL", "aws/RDSPubliclyAccessible",
              "aws/DMSReplicationInstancePubliclyAccessible"],
    ENC: ["aws/RDSEncryption", "aws/AuroraEncryption", "aws/EBSEncryption",
          "aws/LaunchConfigurationEBSEncryption", "aws/EFSEncryptionEnabled"],
}
CHECKOV_CFN = {
    IAM: ["IAMAdminPolicyDocument", "IAMStarActionPolicyDocument", "IAMRoleAllowsPublicAssume",
          "KMSKeyWildCardPrincipal", "ECRPolicy"],
    INGRESS: ["SecurityGroupUnrestrictedIngress22", "SecurityGroupUnrestrictedIngress3389",
              "SecurityGroupUnrestrictedIngress80"],
    STORAGE: ["RDSPubliclyAccessible", "DMSReplicationInstancePubliclyAccessible",
              "RedshiftClusterPubliclyAccessible"],
    ENC: ["AuroraEncryption", "DocDBEncryption", "EBSEncryption", "EFSEncryption",
          "LaunchConfigurationEBSEncryption", "NeptuneClusterStorageEncrypted", "RDSEncryption",
          "RedshiftClusterEncryption", "ElasticacheReplicationGroupEncryptionAtRest"],
}
PRINCIPAL = re.compile(r"Principal|Public|ECRPolicy|PrivateRepo|PrivateTable|PrivateService|"
                       r"PublicACL")
"""IAM-area checks about who is allowed (INF005), not what is allowed (INF004)."""
BAD_ONLY = re.compile(r"IAMAdminPolicyDocument|IAMStarActionPolicyDocument|SQSPolicy$|"
                      r"UnrestrictedIngress\d+|UnrestrictedIngressAny|NetworkACLUnrestricted|"
                      r"NSGRule\w+AccessRestricted|CKV2_GHA_1")


def _rules(area: str, check: str) -> tuple[str, ...]:
    if area == IAM:
        return ("INF005",) if PRINCIPAL.search(check) else ("INF004",)
    return RULES[area]


def trivy(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = TRIVY.open(mirror)
    for area, checks in TRIVY_AREAS.items():
        for check in checks:
            source = f"checks/cloud/{check}.yaml"
            data = yaml.safe_load(repo.show(source)) or {}
            for fmt, path in (("terraform", "infra/main.tf"),
                              ("cloudformation", "cloudformation/template.yaml")):
                for label in ("bad", "good"):
                    for code in (data.get(fmt) or {}).get(label) or []:
                        where = path
                        if fmt == "cloudformation" and code.lstrip().startswith("{"):
                            where = "cloudformation/template.json"
                        yield Case(area, _rules(area, check), where, code, label, repo,
                                   source, check)


def zizmor(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = ZIZMOR.open(mirror)
    tests = repo.show("crates/zizmor/tests/integration/audit/excessive_permissions.rs")
    for block in re.split(r"\n#\[test\]\n", tests):
        found = re.search(r'input_under_test\(\s*"([^"]+)"', block)
        if found is None or "--pedantic" in block:
            continue
        name = found.group(1)
        if "No findings to report" in block:
            label = "good"
        elif re.search(r"(write-all|: write is overly broad)", block):
            label = "bad"
        else:
            continue  # read-all or default permissions: not what INF013 is about
        source = f"crates/zizmor/tests/integration/test-data/{name}"
        yield Case("gha-permissions", ("INF013",), ".github/workflows/ci.yml",
                   repo.show(source), "bad" if label == "bad" else "good", repo, source, name)


# ---------------------------------------------------------------- checkov, Terraform


def checkov_tf(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = CHECKOV.open(mirror)
    for area, checks in CHECKOV_TF.items():
        for check in checks:
            provider, name = check.split("/")
            test = f"tests/terraform/checks/resource/{provider}/test_{name}.py"
            if not repo.exists(test):
                continue
            group = f"checkov:{name}"
            for label, code, source in _tf_cases(repo, test):
                if label == "good" and BAD_ONLY.search(name):
                    continue
                yield Case(area, _rules(area, name), "infra/main.tf", code, label, repo,
                           source, group)


def _tf_cases(repo: Repo, test: str) -> Iterator[tuple[str, str, str]]:
    tree = ast.parse(repo.show(test))
    resources = _resource_sets(tree)
    if resources:
        folder = test.rsplit("/", 1)[0]
        dirs = sorted(set(re.findall(r"example_\w+", repo.show(test))))
        for d in dirs:
            for path in repo.files(f"{folder}/{d}"):
                if path.endswith(".tf") and "/module" not in path[len(folder):]:
                    yield from _labeled_blocks(repo.show(path), resources, path)
        return
    for method in ast.walk(tree):
        if isinstance(method, ast.FunctionDef):
            inline = _inline_case(method)
            if inline is not None:
                yield (*inline, test)


def _resource_sets(tree: ast.AST) -> dict[str, str]:
    """``type.name`` -> label, from ``passing_resources`` / ``failing_resources``."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            label = {"passing_resources": "good", "failing_resources": "bad"}.get(
                node.targets[0].id)
            if label is None:
                continue
            try:
                names = ast.literal_eval(node.value)
            except ValueError:
                continue
            for name in names:
                if not name.startswith("module."):
                    out[re.sub(r"\[.*\]$", "", name).removeprefix("data.")] = label
    return out


def _labeled_blocks(text: str, resources: dict[str, str],
                    source: str) -> Iterator[tuple[str, str, str]]:
    top = {"kind": "block", "inside": {"kind": "body", "inside": {"kind": "config_file"}}}
    for node in SgRoot(text, "hcl").root().find_all({"rule": top}):
        labels = [c.text().strip('"') for c in node.children() if c.kind() == "string_lit"]
        if len(labels) == 2 and f"{labels[0]}.{labels[1]}" in resources:
            yield resources[f"{labels[0]}.{labels[1]}"], node.text(), source


def _inline_case(method: ast.FunctionDef) -> tuple[str, str] | None:
    """(label, HCL) of a test method that parses one inline HCL text and expects a result."""
    texts = [n.args[0].value for n in ast.walk(method)
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr == "loads" and n.args and isinstance(n.args[0], ast.Constant)
             and isinstance(n.args[0].value, str)]
    results = {n.attr for n in ast.walk(method) if isinstance(n, ast.Attribute)
               and isinstance(n.value, ast.Name) and n.value.id == "CheckResult"}
    if len(texts) != 1 or len(results) != 1 or results & {"UNKNOWN", "SKIPPED"}:
        return None
    return ("bad" if results == {"FAILED"} else "good"), _dedent(texts[0])


def _dedent(text: str) -> str:
    lines = text.strip("\n").splitlines()
    lines[0] = lines[0].lstrip()
    rest = textwrap.dedent("\n".join(lines[1:]))
    return (lines[0] + "\n" + rest).strip("\n")


# ---------------------------------------------------------------- checkov, CloudFormation


def checkov_cfn(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = CHECKOV.open(mirror)
    for area, checks in CHECKOV_CFN.items():
        for name in checks:
            folder = f"tests/cloudformation/checks/resource/aws/example_{name}"
            for path in repo.files(folder):
                stem = path.rsplit("/", 1)[1].upper()
                label = "bad" if "FAIL" in stem else "good" if "PASS" in stem else None
                if label is None or (label == "good" and BAD_ONLY.search(name)):
                    continue
                ext = "json" if path.endswith(".json") else "yaml"
                yield Case(area, _rules(area, name), f"cloudformation/template.{ext}",
                           repo.show(path), label, repo, path, f"checkov:{name}")


def checkov_gha(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = CHECKOV.open(mirror)
    folder = "tests/github_actions/checks/graph_checks/resources/ReadOnlyTopLevelPermissions"
    expected = yaml.safe_load(repo.show(f"{folder}/expected.yaml"))
    for label, key in (("bad", "fail"),) if BAD_ONLY.search("CKV2_GHA_1") else ():
        for resource in expected.get(key) or []:
            path = f"{folder}/.github/workflows/{resource.split('.yaml')[0]}.yaml"
            code = repo.show(path)
            if _top_level_permissions(code):
                yield Case("gha-permissions", ("INF013",), ".github/workflows/ci.yml", code,
                           label, repo, path, "checkov:CKV2_GHA_1")


def _top_level_permissions(workflow: str) -> bool:
    return re.search(r"^permissions\s*:", workflow, re.M) is not None


def scorecard(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = SCORECARD.open(mirror)
    test = repo.show("checks/permissions_test.go")
    for files, score in re.findall(r'filenames:\s*\[\]string\{\s*("[^}]*")\s*\},\s*'
                                   r'expected:\s*scut\.TestReturn\{[^}]*?Score:\s*([^,]+),',
                                   test, re.S):
        names = re.findall(r'"\./(testdata/[^"]+\.ya?ml)"', files)
        if len(names) != 1 or "Inconclusive" in score:
            continue
        path = f"checks/{names[0]}"
        code = repo.show(path)
        if not _top_level_permissions(code):
            continue
        label = "good" if score.strip() == "checker.MaxResultScore" else "bad"
        yield Case("gha-permissions", ("INF013",), ".github/workflows/ci.yml", code, label,
                   repo, path, f"scorecard:{path.rsplit('/', 1)[1]}")


SOURCES = {"trivy-checks": trivy, "zizmor": zizmor, "checkov-terraform": checkov_tf,
           "checkov-cloudformation": checkov_cfn, "checkov-actions": checkov_gha,
           "scorecard": scorecard}
