"""Labeled cases for ``bench_rules_quality.py``, read from public test suites of other tools.

Each case is a snippet that the other tool's own tests say is bad (its check fires) or good
(it does not), in an area countersign has rules for. The snippets are other projects' code:
they are read from local snapshots of their repositories and written to ``--out`` (outside
this repository); ``tests/data/labeled/README.md`` lists the sources, commits and licenses.

- aquasecurity/trivy-checks (MIT): ``checks/cloud/**/*.yaml`` keep ``good:`` and ``bad:``
  examples per check, for Terraform and CloudFormation;
- zizmorcore/zizmor (MIT): ``crates/zizmor/tests/integration/test-data/excessive-permissions``
  workflows, labeled by the snapshots in ``tests/integration/audit/excessive_permissions.rs``
  (a write finding without ``--pedantic``: bad; no finding: good);
- sbdchd/squawk (Apache-2.0 or MIT): the ``lint_ok`` / ``lint_errors`` tests of its linter
  rules, one SQL migration each.

Cases are split into a tuning set and a held-out set by a hash of their source check, so
every example of one check lands in the same set.

Run: .venv/bin/python bench/labeled_cases.py --mirror /work/.mirror --out build/labeled
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

TRIVY = "aquasecurity+trivy-checks"
ZIZMOR = "zizmorcore+zizmor"
SQUAWK = "sbdchd+squawk"
LICENSES = {TRIVY: "MIT", ZIZMOR: "MIT", SQUAWK: "Apache-2.0 OR MIT"}

TRIVY_AREAS = {
    "iam-wildcards": (["INF004", "INF005"], [
        "aws/iam/no_policy_wildcards", "aws/sqs/no_wildcards_in_policy_documents"]),
    "encryption-at-rest": (["INF009", "INF016"], [
        "aws/rds/encrypt_instance_storage_data", "aws/rds/encrypt_cluster_storage_data",
        "aws/ec2/enable_volume_encryption", "aws/neptune/enable_storage_encryption",
        "aws/documentdb/enable_storage_encryption"]),
    "public-ingress": (["INF007"], [
        "aws/ec2/no_public_ingress_sgr", "google/compute/no_public_ingress",
        "azure/network/no_public_ingress", "digitalocean/compute/no_public_ingress"]),
    "public-storage": (["INF008"], [
        "aws/s3/block_public_acls", "aws/s3/block_public_policy", "aws/s3/ignore_public_acls",
        "aws/s3/no_public_access_with_acl", "aws/rds/disable_public_access"]),
}
SQUAWK_RULES = {
    "adding_required_field": ["DAT012"], "ban_drop_column": ["DAT003"],
    "ban_drop_table": ["DAT002"], "ban_drop_database": ["DAT002"],
    "renaming_column": ["DAT010"], "renaming_table": ["DAT010"],
    "changing_column_type": ["DAT010"],
}


def show(repo: Path, path: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{path}"], check=True,
                          capture_output=True, text=True).stdout


def head(repo: Path) -> str:
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()


def split(group: str) -> str:
    return "tuning" if hashlib.sha1(group.encode()).digest()[0] % 2 == 0 else "heldout"


def case(area: str, rules: list[str], path: str, code: str, label: str, repo: str,
         commit: str, source: str, group: str) -> dict[str, Any]:
    return {"area": area, "rules": rules, "path": path, "code": code, "label": label,
            "source": {"repository": repo.replace("+", "/"), "commit": commit, "path": source,
                       "license": LICENSES[repo]}, "set": split(group)}


def trivy(mirror: Path) -> Iterator[dict[str, Any]]:
    repo = mirror / TRIVY / "repo"
    commit = head(repo)
    for area, (rules, checks) in TRIVY_AREAS.items():
        for check in checks:
            source = f"checks/cloud/{check}.yaml"
            data = yaml.safe_load(show(repo, source)) or {}
            for fmt, path in (("terraform", "infra/main.tf"),
                              ("cloudformation", "cloudformation/template.yaml")):
                for label in ("bad", "good"):
                    for code in (data.get(fmt) or {}).get(label) or []:
                        where = path
                        if fmt == "cloudformation" and code.lstrip().startswith("{"):
                            where = "cloudformation/template.json"
                        yield case(area, rules, where, code, label, TRIVY, commit, source,
                                   check)


def zizmor(mirror: Path) -> Iterator[dict[str, Any]]:
    repo = mirror / ZIZMOR / "repo"
    commit = head(repo)
    tests = show(repo, "crates/zizmor/tests/integration/audit/excessive_permissions.rs")
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
        yield case("gha-permissions", ["INF013"], ".github/workflows/ci.yml",
                   show(repo, source), label, ZIZMOR, commit, source, name)


def squawk(mirror: Path) -> Iterator[dict[str, Any]]:
    repo = mirror / SQUAWK / "repo"
    commit = head(repo)
    for rule, ids in SQUAWK_RULES.items():
        source = f"crates/squawk_linter/src/rules/{rule}.rs"
        try:
            text = show(repo, source)
        except subprocess.CalledProcessError:
            continue
        tests = text[text.find("mod test"):]
        for sql, _, call in re.findall(r'let sql = r#"(.*?)"#;(.*?)(lint_ok|lint_errors)',
                                       tests, re.S):
            label = "good" if call == "lint_ok" else "bad"
            yield case("sql-migrations", ids, "db/migrations/0001.sql", sql.strip("\n"),
                       label, SQUAWK, commit, source, rule)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--out", type=Path, default=Path("build/labeled"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name, source in (("trivy-checks", trivy), ("zizmor", zizmor), ("squawk", squawk)):
        cases = list(source(args.mirror))
        with (args.out / f"{name}.jsonl").open("w", encoding="utf-8") as out:
            for item in cases:
                out.write(json.dumps(item) + "\n")
        counts[name] = len(cases)
    print(f"wrote {counts} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
