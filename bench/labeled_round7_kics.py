"""Labeled cases from Checkmarx/kics (Apache-2.0), the seventh round (``labeled_cases.py``).

kics's repository is over the fetch limit, so its query test files were read one by one (the
search tool's ``read_file``) into ``SNAPSHOTS/kics/<path>``; ``SNAPSHOTS/kics/MANIFEST.tsv``
names each file's commit (files of one query may come from different commits: a file whose
lines the expected results do not name inside a block gives no bad case). Each query's
``test/positive_expected_result.json`` names the flagged lines (``line``, ``fileName``).
Each top-level block (Terraform) of a ``positive*`` file holding a named line is a bad case;
the other blocks of a positive file (a provider, the bucket an ACL points at) are not
labeled. Each block of a ``negative*`` file of a type some bad case has is a good case.
The expected results are stored reduced to their ``line`` and ``fileName``.

Which queries map to which countersign rule was decided from their names and metadata and
countersign's rule titles, before countersign ran on any of these cases.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from pathlib import Path

from ast_grep_py import SgRoot

from labeled_cases import Case, Repo
from labeled_iac import ENC, INGRESS, RULES, STORAGE
from labeled_round7 import Keep, _has, _no_good, cfn_resources

KICS = Repo("Checkmarx/kics", "Apache-2.0")
TF, CFN = "assets/queries/terraform", "assets/queries/cloudFormation"


def _any(_label: str, _code: str) -> bool:
    return True


QUERIES: dict[str, tuple[str, tuple[str, ...], Keep]] = {
    # query folder -> (area, countersign rules, filter)
    f"{TF}/aws/rds_storage_not_encrypted": (ENC, RULES[ENC], _any),
    f"{TF}/aws/efs_not_encrypted": (ENC, RULES[ENC], _any),
    f"{TF}/aws/ebs_volume_encryption_disabled": (ENC, RULES[ENC], _any),
    f"{TF}/aws/aurora_with_disabled_at_rest_encryption": (ENC, RULES[ENC], _any),
    f"{TF}/aws/docdb_cluster_not_encrypted": (ENC, RULES[ENC], _any),
    f"{TF}/aws/redshift_not_encrypted": (ENC, RULES[ENC], _any),
    f"{TF}/aws/elasticsearch_not_encrypted_at_rest": (ENC, RULES[ENC], _any),
    f"{CFN}/aws/rds_storage_not_encrypted": (ENC, RULES[ENC], _any),
    f"{TF}/aws/s3_bucket_acl_allows_read_or_write_to_all_users": (
        STORAGE, RULES[STORAGE], _any),
    f"{TF}/aws/amazon_dms_replication_instance_is_publicly_accessible": (
        STORAGE, RULES[STORAGE], _any),
    f"{TF}/aws/s3_bucket_without_ignore_public_acl": (
        STORAGE, RULES[STORAGE], _has(r"ignore_public_acls\s*=\s*false")),
    f"{CFN}/aws/rds_db_instance_publicly_accessible": (STORAGE, RULES[STORAGE], _any),
    f"{TF}/aws/unrestricted_security_group_ingress": (
        INGRESS, RULES[INGRESS], _no_good(r"/0\b")),
}
"""Out: queries about customer-managed keys, S3/SNS/SQS/logs encryption; ``s3_bucket_allows_
public_policy`` and ``s3_bucket_without_restriction_of_public_bucket`` (their labels depend
on an account-level block or on whether a separate policy is public: a block's label is not
about the block); a public access block that leaves one setting out without setting any to
false (``s3_bucket_without_ignore_public_acl``'s ``positive3``/``positive4``: INF008 is a
setting turned off, INF019 all four off; those files were not read). A good
``unrestricted_security_group_ingress`` block with any ``/0`` prefix (``"0.0.2.0/0"``,
``"1.0.0.0/0"``: kics compares the text, but a /0 prefix is every address) is left out; its
files were read at 102238f, the commit of the expected results read."""


class Snapshot:
    """Files of one repository read one by one into ``root``, with their commits."""

    def __init__(self, root: Path) -> None:
        self.root = root
        manifest = root / "MANIFEST.tsv"
        lines = manifest.read_text().splitlines() if manifest.exists() else []
        self.commits = dict(line.split("\t") for line in lines if line)

    def files(self, under: str) -> list[str]:
        return sorted(p for p in self.commits if p.startswith(under + "/"))

    def show(self, path: str) -> str:
        return (self.root / path).read_text()


def kics(_: Path, args: argparse.Namespace) -> Iterator[Case]:
    snapshot = Snapshot(Path(args.snapshots) / "kics")
    KICS.path = snapshot.root
    KICS.commit = "see MANIFEST.tsv"
    seen: set[str] = set()
    for query, (area, rules, keep) in QUERIES.items():
        group = f"kics:{query.removeprefix('assets/queries/')}"
        bad: list[tuple[str, str]] = []
        good: list[tuple[str, str]] = []
        for path, lines in _named_lines(snapshot, query).items():
            for first, last, code in _blocks(path, snapshot.show(path)):
                if any(first <= n <= last for n in lines):
                    bad.append((path, code))
        kinds = {_kind(code) for _, code in bad}
        for path in snapshot.files(f"{query}/test"):
            if Path(path).name.startswith("negative"):
                good += [(path, code) for _, _, code in _blocks(path, snapshot.show(path))
                         if _kind(code) in kinds]
        for label, items in (("bad", bad), ("good", good)):
            for path, code in items:
                if code not in seen and keep(label, code):
                    seen.add(code)
                    source = f"{path}@{snapshot.commits[path]}"
                    kind = "infra/main.tf" if path.endswith(".tf") else \
                        "cloudformation/template.yaml"
                    yield Case(area, rules, kind, code, label, KICS, source, group)


def _blocks(path: str, text: str) -> Iterator[tuple[int, int, str]]:
    """(first line, last line, 1-based; code) of each unit of a Terraform or YAML file."""
    if path.endswith(".tf"):
        yield from _tf_blocks(text)
    elif path.endswith((".yaml", ".yml")):
        for first, last, code in cfn_resources(text):
            yield first + 1, last + 1, code


def _named_lines(snapshot: Snapshot, query: str) -> dict[str, set[int]]:
    """Positive file -> the 1-based lines its expected results name."""
    expected = f"{query}/test/positive_expected_result.json"
    if expected not in snapshot.commits:
        return {}
    positives = [p for p in snapshot.files(f"{query}/test")
                 if Path(p).name.startswith("positive") and not p.endswith(".json")]
    out: dict[str, set[int]] = {}
    for entry in json.loads(snapshot.show(expected)):
        name = entry.get("fileName") or entry.get("filename")
        files = [p for p in positives if Path(p).name == name] if name else \
            positives if len(positives) == 1 else []
        for path in files:
            out.setdefault(path, set()).add(int(entry["line"]))
    return out


def _tf_blocks(text: str) -> Iterator[tuple[int, int, str]]:
    """(first line, last line, text), 1-based, of each top-level block with a label."""
    for node in SgRoot(text, "hcl").root().find_all(
            kind="block", inside={"kind": "body", "inside": {"kind": "config_file"}}):
        if not any(c.kind() == "string_lit" for c in node.children()):
            continue
        head = node.text().split("{", 1)[0]
        if re.match(r"\s*(provider|terraform|output|variable|locals)\b", head):
            continue
        yield node.range().start.line + 1, node.range().end.line + 1, node.text()


def _kind(code: str) -> str:
    """The block's kind and type (Terraform) or the resource's type (CloudFormation)."""
    source = re.search(r'^\s*source\s*=\s*"([^"]+)"', code, re.M)
    if code.startswith("module") and source is not None:
        return f"module:{source.group(1)}"
    found = re.match(r'(resource|data)\s+"([\w-]+)"', code)
    if found is not None:
        return f"{found.group(1)}.{found.group(2)}"
    typed = re.search(r"^\s+Type:\s*['\"]?([\w:]+)", code, re.M)
    return "" if typed is None else typed.group(1)


SOURCES = {"kics": kics}
