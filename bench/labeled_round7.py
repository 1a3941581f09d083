"""Labeled cases from the seventh round's IaC sources (see ``labeled_cases.py``): the held-out set.

- SonarSource/sonar-iac, read at the last commit before its licence became the SONAR
  Source-Available License (LGPL-3.0 then; read locally, nothing of it is committed). Its
  Terraform and CloudFormation (YAML) check test files mark each flagged line with
  ``# Noncompliant`` (``# Noncompliant@+N``: the line N below). Each top-level Terraform block,
  and each CloudFormation resource alone in a template, is a case: bad when one of its lines
  is marked, good otherwise. The JSON templates carry no markers and are not read.
- Checkmarx/kics (``labeled_round7_kics.py``), the JavaScript and Python sources
  (``labeled_round7_code.py``) and django-migration-linter's SQL (``labeled_round7_sql.py``,
  written on main in f9ba1cb; wired in here).

Which source checks map to which countersign rule, and the filters below, were decided from
the checks' names, messages and test files and countersign's rule titles, before countersign
ran on any of these cases.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from ast_grep_py import SgRoot

from labeled_cases import Case, Repo
from labeled_iac import ENC, IAM, INGRESS, RULES, STORAGE

SONAR_IAC = Repo("SonarSource/sonar-iac", "LGPL-3.0",
                 rev="5f6f1d87dab140a971abd7db7fcdd0aef670da5a")
TF_DIR = "iac-extensions/terraform/src/test/resources/checks"
CFN_DIR = "iac-extensions/cloudformation/src/test/resources/checks"

Keep = Callable[[str, str], bool]
"""(label, code) -> whether the case is inside the countersign rule's definition."""


def _has(pattern: str) -> Keep:
    """Bad cases must match ``pattern`` (the part of a wider check the rule covers)."""
    return lambda label, code: label == "good" or re.search(pattern, code) is not None


def _good_names(pattern: str) -> Keep:
    """Good cases must name the rule's subject (``pattern``)."""
    return lambda label, code: label == "bad" or re.search(pattern, code) is not None


def _all(*keeps: Keep) -> Keep:
    return lambda label, code: all(k(label, code) for k in keeps)


def _no_good(pattern: str) -> Keep:
    """Good cases matching ``pattern`` are left out (inside the rule's definition for a
    reason the source check does not look at)."""
    return lambda label, code: label == "bad" or re.search(pattern, code) is None


def _bad_only(label: str, _: str) -> bool:
    return label == "bad"


def _plain(word: str) -> Keep:
    """Bad cases must name ``word`` other than as ``Not<word>`` / ``not_<word>``."""
    return lambda label, code: label == "good" or re.search(
        rf"(?i)(?<!not)(?<!not_){word}", code) is not None


def _wildcard_allowed(label: str, code: str) -> bool:
    """Good cases holding a ``"*"`` are left out unless they say Deny: AWS's default effect
    is Allow (Sonar passes a statement without ``Effect``), and Sonar passes a ``"*"`` under
    a principal key it does not know."""
    return label == "bad" or '"*"' not in code or "Deny" in code


NOT_IAM = r"(?i)\bnot_?(action|principal)s?\b"
EXPLICIT_OFF = r"(?i)(storage_encrypted|StorageEncrypted|encrypted|Encrypted)\"?\s*[:=]\s*\"?false"
PUBLIC_MEMBERS = r"allUsers|allAuthenticatedUsers"

POLICY_PRINCIPAL = _all(_plain("principal"), _good_names(r"(?i)(?<!not_)\bprincipals?\"?\s*[:={]"),
                        _no_good(NOT_IAM), _wildcard_allowed)
POLICY_ACTION = _all(_plain("action"), _good_names(r"(?i)(?<!not)\baction\"?\s*[:=]"),
                     _no_good(NOT_IAM), _wildcard_allowed)
"""A bad policy must name a principal (an action) other than as NotPrincipal (NotAction); a
good one must name one, and not as NotPrincipal (NotAction)."""

SONAR_IAC_CHECKS: dict[str, tuple[str, tuple[str, ...], Keep]] = {
    # test file -> (area, countersign rules, filter)
    f"{TF_DIR}/DisabledDBEncryptionCheck/test.tf": (
        ENC, RULES[ENC], _all(_has(r'resource "aws_(db_instance|rds_cluster)"'),
                              _no_good(EXPLICIT_OFF))),
    f"{TF_DIR}/DisabledEFSEncryptionCheck/test.tf": (ENC, RULES[ENC], _no_good(EXPLICIT_OFF)),
    f"{TF_DIR}/DisabledESDomainEncryptionCheck/test.tf": (ENC, RULES[ENC], lambda _l, _c: True),
    f"{TF_DIR}/UnencryptedEbsVolumeCheck/test.tf": (
        ENC, RULES[ENC], _no_good(r'"aws_launch_configuration" "\w+" \{\s*\}')),
    f"{TF_DIR}/UnencryptedCloudServicesCheck/azurerm_data_lake_store.tf": (
        ENC, RULES[ENC], lambda _l, _c: True),
    f"{TF_DIR}/BucketAccessCheck/test.tf": (STORAGE, RULES[STORAGE], lambda _l, _c: True),
    f"{TF_DIR}/BucketsPublicAclOrPolicyCheck/test.tf": (
        STORAGE, RULES[STORAGE], _all(
            _has(r"aws_s3_bucket_public_access_block"), _good_names(r"public_access_block"),
            _has(r"(block_public_acls|block_public_policy|ignore_public_acls|"
                 r"restrict_public_buckets)\s*=\s*false"))),
    f"{TF_DIR}/AnonymousAccessPolicyCheck/test.tf": (
        IAM, ("INF005",), POLICY_PRINCIPAL),
    f"{TF_DIR}/PrivilegePolicyCheck/aws_iam_policy.tf": (
        IAM, ("INF004",), POLICY_ACTION),
    f"{TF_DIR}/PublicAccessCheck/gcp_acl_resource.tf": (IAM, ("INF005",), _no_good(PUBLIC_MEMBERS)),
    f"{TF_DIR}/PublicAccessCheck/gcp_iam_resource.tf": (IAM, ("INF005",), _no_good(PUBLIC_MEMBERS)),
    f"{TF_DIR}/PublicAccessCheck/gcp_access_resource.tf": (
        IAM, ("INF005",), _no_good(PUBLIC_MEMBERS)),
    f"{TF_DIR}/IpRestrictedAdminAccessCheck/aws/test.tf": (INGRESS, RULES[INGRESS], _bad_only),
    f"{TF_DIR}/IpRestrictedAdminAccessCheck/azure/network_security_rule.tf": (
        INGRESS, RULES[INGRESS], _bad_only),
    f"{TF_DIR}/IpRestrictedAdminAccessCheck/azure/noncompliant_network_security_group.tf": (
        INGRESS, RULES[INGRESS], _bad_only),
    f"{TF_DIR}/IpRestrictedAdminAccessCheck/gcp/compute_firewall.tf": (
        INGRESS, RULES[INGRESS], _bad_only),
    f"{CFN_DIR}/DisabledDBEncryptionCheck/test.yaml": (
        ENC, RULES[ENC], _all(_no_good(EXPLICIT_OFF), _has(r"AWS::RDS::DB(Instance|Cluster)"))),
    f"{CFN_DIR}/DisabledEFSEncryptionCheck/test.yaml": (ENC, RULES[ENC], _no_good(EXPLICIT_OFF)),
    f"{CFN_DIR}/DisabledESDomainEncryptionCheck/test.yaml": (
        ENC, RULES[ENC], lambda _l, _c: True),
    f"{CFN_DIR}/UnencryptedEbsVolumeCheck/test.yaml": (ENC, RULES[ENC], lambda _l, _c: True),
    f"{CFN_DIR}/BucketsAccessCheck/test.yaml": (STORAGE, RULES[STORAGE], lambda _l, _c: True),
    f"{CFN_DIR}/BucketsPublicAclOrPolicyCheck/test.yaml": (
        STORAGE, RULES[STORAGE], _all(
            _has(r"PublicAccessBlockConfiguration"), _good_names(r"PublicAccessBlockConfiguration"),
            _has(r"(BlockPublicAcls|BlockPublicPolicy|IgnorePublicAcls|"
                 r"RestrictPublicBuckets):\s*false"))),
    f"{CFN_DIR}/AnonymousAccessPolicyCheck/test.yaml": (
        IAM, ("INF005",), POLICY_PRINCIPAL),
    f"{CFN_DIR}/PrivilegePolicyCheck/test.yaml": (
        IAM, ("INF004",), POLICY_ACTION),
    f"{CFN_DIR}/UnrestrictedAdministrationCheck/test.yaml": (INGRESS, RULES[INGRESS], _bad_only),
}
"""Out (definition differs): DisabledDBEncryptionCheck's backup replication without a KMS key
(a customer-managed key), UnencryptedCloudServicesCheck's managed disk without a disk
encryption set (customer-managed key: Azure encrypts disks anyway), MySQL
``infrastructure_encryption_enabled`` (a second layer) and VM scale sets; S3, SNS, SQS and
SageMaker encryption; a bucket with no public access block at all (no rule says a bucket must
have one) and a block that leaves some, not all, settings out without setting any to false
(INF008 is a setting turned off, INF019 all four absent or off); ``NotAction`` /
``NotPrincipal``; GCP's predefined admin roles (not wildcards); ``PublicAccessCheck``'s
``google_iam_policy`` file (its finding is on a resource that references a data block:
a block's label is not about the block); DatabaseIpConfigCheck (TLS), the Azure and GCP
public network access family. Admin-port ingress checks are narrower than INF007 (any port
open to the world): bad cases only. Good cases left out: an explicit ``encrypted = false``
that Sonar passes (an Aurora instance, a cluster restored from a snapshot: the text turns
encryption off), an empty launch configuration (its root disk is unencrypted unless the
account default says otherwise), a policy naming a principal at all (``"*"`` without an
``Effect``, under an unknown principal key) or a wildcard action without ``Deny``, and any block
naming allUsers/allAuthenticatedUsers."""


def sonar_iac(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = SONAR_IAC.open(mirror)
    seen: set[str] = set()
    for source, (area, rules, keep) in SONAR_IAC_CHECKS.items():
        check = source.split("/checks/", 1)[1].split("/", 1)[0]
        text = repo.show(source)
        units = [(label, code) for label, code in
                 (_tf_units(text) if source.endswith(".tf") else _cfn_units(text))
                 if keep(label, code)]
        path = "infra/main.tf" if source.endswith(".tf") else "cloudformation/template.yaml"
        kinds = {_kind(code) for label, code in units if label == "bad"}
        for label, code in units:
            if code in seen or (label == "good" and _kind(code) not in kinds):
                continue
            seen.add(code)
            yield Case(area, rules, path, code, label, repo, source, f"sonar-iac:{check}")


def _kind(code: str) -> str:
    """The resource type of a block or one-resource template."""
    found = re.search(r'^(?:resource|data) "([\w-]+)"|Type:\s*[\'"]?([\w:]+)', code, re.M)
    return "" if found is None else found.group(1) or found.group(2)


def marked_lines(text: str) -> set[int]:
    """0-based numbers of the lines a ``Noncompliant`` comment points at."""
    out = set()
    for number, line in enumerate(text.splitlines()):
        found = re.search(r"#\s*Noncompliant(@([+-]?)(\d+))?", line)
        if found is None:
            continue
        if found.group(1) is None:
            out.add(number)
        elif found.group(2):
            out.add(number + int(found.group(2) + found.group(3)))
        else:
            out.add(int(found.group(3)) - 1)
    return out


MARKER = r"\s*#\s*(Noncompliant|Compliant|compliant|secondary location|False Negative)\b.*$"


def clean(lines: list[str]) -> str:
    """The lines without comment-only lines and trailing comments (the test markers)."""
    kept = [re.sub(r"\s+#(?=[^\"']*$).*$", "", re.sub(MARKER, "", line)) for line in lines
            if not re.match(r"\s*#", line)]
    return "\n".join(line.rstrip() for line in kept).strip("\n")


def _tf_units(text: str) -> Iterator[tuple[str, str]]:
    """(label, code) of each top-level block with a type and a name."""
    marked = marked_lines(text)
    lines = text.splitlines()
    for node in SgRoot(text, "hcl").root().find_all(
            kind="block", inside={"kind": "body", "inside": {"kind": "config_file"}}):
        labels = [c for c in node.children() if c.kind() == "string_lit"]
        if len(labels) != 2 or node.find(kind="ERROR") is not None:
            continue
        first, last = node.range().start.line, node.range().end.line
        label = "bad" if any(first <= n <= last for n in marked) else "good"
        yield label, clean(lines[first:last + 1])


def _cfn_units(text: str) -> Iterator[tuple[str, str]]:
    """(label, template) of each resource, alone in a template."""
    marked = marked_lines(text)
    for first, last, template in cfn_resources(text):
        yield ("bad" if any(first <= n <= last for n in marked) else "good"), template


def cfn_resources(text: str) -> Iterator[tuple[int, int, str]]:
    """(first line, last line, 0-based; a template holding it alone) of each resource of a
    YAML template."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.rstrip() == "Resources:"), None)
    if start is None:
        return
    heads = [i for i in range(start + 1, len(lines))
             if re.match(r"^  [\w-]+:\s*$", lines[i])]
    end = next((i for i in range(start + 1, len(lines))
                if lines[i].strip() and not lines[i].startswith(" ")), len(lines))
    for index, first in enumerate(heads):
        last = (heads[index + 1] if index + 1 < len(heads) else end) - 1
        body = clean(lines[first:last + 1])
        yield first, last, "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n" + body


def sources() -> dict[str, Callable[[Path, argparse.Namespace], Iterator[Case]]]:
    """The seventh round's sources (IaC here, code in ``labeled_round7_code``)."""
    import labeled_round7_code
    import labeled_round7_kics
    import labeled_round7_sql

    return {"sonar-iac": sonar_iac, **labeled_round7_kics.SOURCES,
            **labeled_round7_code.SOURCES, **labeled_round7_sql.SOURCES}
