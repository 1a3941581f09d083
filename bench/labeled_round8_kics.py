"""Labeled cases from Checkmarx/kics (Apache-2.0), the eighth round (``labeled_round8.py``).

Queries no earlier round read, their test files read one by one into ``SNAPSHOTS/kics8``
(``MANIFEST.tsv`` names each file's commit; the expected results are stored reduced to their
``line`` and ``fileName``), labeled as the seventh round's kics cases
(``labeled_round7_kics.py``): each top-level block of a ``positive*`` file holding a line the
expected results name is bad; each block of a ``negative*`` file of a type some bad case has
is good. The files of one query come from the commits the search tool stored, not always
one: a bad block must also hold what the countersign rule is about (below), so a line that
an older expected-results file names in a newer test file labels nothing wrong; blocks no
named line falls in are not labeled.

- ``iam_policies_with_full_privileges``, ``iam_policy_grants_full_permissions`` (INF004): a bad
  block must grant a wildcard action (``"*"`` or ``"service:*"``); a good one that grants one
  (with a narrower resource, which kics passes) is left out: INF004 is about the action alone.
- ``sqs_policy_with_public_access``, ``lambda_permission_principal_is_wildcard``,
  ``sns_topic_is_publicly_accessible`` (INF005): a bad block must name a ``"*"`` principal
  (or ``identifiers = ["*"]``); a good one may name ``"*"`` restricted by a ``Condition`` on
  the source account (kics's negatives: not everyone).
- ``ssh_access_is_not_restricted`` (GCP), ``remote_desktop_port_open_to_internet``,
  ``sensitive_port_is_exposed_to_entire_network`` (AWS), ``ssh_is_exposed_to_the_internet``
  (Azure) (INF007): a bad block must open a source of ``0.0.0.0/0``, ``::/0``, another ``/0``
  prefix, or (Azure) ``*`` / ``Internet``; Azure's ``"0.0.0.0"``, ``"any"`` and the placeholders
  ``"/0"``, ``"/1"`` are left out either way (not a value the Azure provider documents as
  everyone; a good block holding a ``"/0"`` placeholder is left out, a bad one needs a real open
  source besides); a good block that opens any port to everyone (kics passes other ports and
  UDP) is left out, an explicit ``Deny`` kept.

Which queries map to which countersign rule was decided from their names and test files and
countersign's rule titles, before countersign ran on any of these cases.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from labeled_cases import Case, Repo
from labeled_iac import IAM, INGRESS
from labeled_round7 import Keep
from labeled_round7_kics import Snapshot, _blocks, _kind, _named_lines

KICS8 = Repo("Checkmarx/kics", "Apache-2.0")
TF = "assets/queries/terraform"


def _wildcard_action(code: str) -> bool:
    values = re.findall(r'(?i)\bactions?"?\s*[:=]\s*(\[[^\]]*\]|"[^"]*")', code)
    return any(re.search(r'"([\w-]+:)?\*"', v) for v in values)


def _action(label: str, code: str) -> bool:
    return _wildcard_action(code) == (label == "bad")


def _principal(label: str, code: str) -> bool:
    everyone = re.search(r'(?i)\bprincipal"?\s*[:=]\s*(\{\s*"AWS"\s*:\s*)?\[?\s*"\*"', code) \
        or re.search(r'\bidentifiers\s*=\s*\[\s*"\*"', code)
    return label == "good" or everyone is not None


AZURE_OPEN = r'source_address_prefix\s*=\s*"(\*|[Ii]nternet|[\d.]+/0)"'
AZURE_UNCLEAR = r'source_address_prefix\s*=\s*"(0\.0\.0\.0|any|/\d+)"'
CIDR_OPEN = r'"(0\.0\.0\.0/0|::/0|[\d.]+/0)"'


def _ingress(label: str, code: str) -> bool:
    if re.search(AZURE_UNCLEAR, code, re.I) or (label == "good" and re.search(r'"/\d+"', code)):
        return False
    opened = re.search(AZURE_OPEN, code) is not None or re.search(CIDR_OPEN, code) is not None
    if label == "bad":
        return opened
    return not opened or re.search(r'access\s*=\s*"Deny"', code) is not None


QUERIES: dict[str, tuple[str, tuple[str, ...], Keep]] = {
    # query folder -> (area, countersign rules, filter)
    f"{TF}/aws/iam_policies_with_full_privileges": (IAM, ("INF004",), _action),
    f"{TF}/aws/iam_policy_grants_full_permissions": (IAM, ("INF004",), _action),
    f"{TF}/aws/sqs_policy_with_public_access": (IAM, ("INF005",), _principal),
    f"{TF}/aws/lambda_permission_principal_is_wildcard": (IAM, ("INF005",), _principal),
    f"{TF}/aws/sns_topic_is_publicly_accessible": (IAM, ("INF005",), _principal),
    f"{TF}/gcp/ssh_access_is_not_restricted": (INGRESS, ("INF007",), _ingress),
    f"{TF}/aws/sensitive_port_is_exposed_to_entire_network": (INGRESS, ("INF007",), _ingress),
    f"{TF}/aws/remote_desktop_port_open_to_internet": (INGRESS, ("INF007",), _ingress),
    f"{TF}/azure/ssh_is_exposed_to_the_internet": (INGRESS, ("INF007",), _ingress),
}
"""Read and not used: ``gcp/rdp_access_is_not_restricted`` (its stored positive file opens
no source range: the port alone, outside INF007), ``iam_role_allows_all_principals_to_assume``
(its positive is an account's root, not everyone), ``s3_bucket_with_all_permissions`` (its
expected results name a ``positive1.tf`` the stored tests do not have)."""


def kics8(_: Path, args: argparse.Namespace) -> Iterator[Case]:
    snapshot = Snapshot(Path(args.snapshots) / "kics8")
    KICS8.path, KICS8.commit = snapshot.root, "see MANIFEST.tsv"
    seen: set[str] = set()
    for query, (area, rules, keep) in QUERIES.items():
        group = f"kics8:{query.removeprefix('assets/queries/')}"
        for label, path, code in query_blocks(snapshot, query, _named_lines(snapshot, query),
                                              keep, seen):
            yield Case(area, rules, "infra/main.tf", code, label, KICS8,
                       f"{path}@{snapshot.commits[path]}", group)


def query_blocks(snapshot: Snapshot, query: str, named: Mapping[str, set[int]], keep: Keep,
                 seen: set[str]) -> Iterator[tuple[str, str, str]]:
    """(label, file, block) of one kics query (the eighth to tenth rounds): each block of a
    positive file holding a line its expected results name (``named``) is bad, each block
    of a negative file (not JSON) of a kind a bad block has is good; a block met before in
    the round (``seen``) or refused by ``keep`` is left out."""
    bad = [(path, code) for path, lines in named.items()
           for first, last, code in _blocks(path, snapshot.show(path))
           if any(first <= n <= last for n in lines)]
    kinds = {_kind(code) for _, code in bad}
    good = [(path, code) for path in snapshot.files(f"{query}/test")
            if Path(path).name.startswith("negative") and not path.endswith(".json")
            for _, _, code in _blocks(path, snapshot.show(path)) if _kind(code) in kinds]
    for label, items in (("bad", bad), ("good", good)):
        for path, code in items:
            if code not in seen and keep(label, code):
                seen.add(code)
                yield label, path, code


SOURCES = {"kics8": kics8}
