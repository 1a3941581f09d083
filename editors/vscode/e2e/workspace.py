"""Build the end-to-end test's git repository: ``python workspace.py COUNTERSIGN DIR``.

- ``infra/*.tf``: one comment line each, for the suites to type into;
- ``app/payments.py``: lines written by three AI tools of three kinds (for the gutter
  screenshot), recorded the way an agent integration records them: ``countersign
  checkpoint`` (a human snapshot), the AI writes, ``countersign mark`` attributes the change;
- ``big.py``: 20,000 lines, 2,000 of them AI-written (every tenth line; inline and agent by
  turns), for the decoration timings;
- the branch ``feature`` (checked out, tracking ``main``) adds two migrations, for the
  report's sign-off section: ``Add orders`` (high: a senior) approved by Sam Senior with his
  own SSH key, and ``Drop sessions`` (critical) approved by Sam too, then changed by an
  amend, so his approval is stale. ``.countersign.toml`` names Sam and lists his key.
The AI lines are left uncommitted, as they are while someone works.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PAYMENTS = [
    ("human", '"""Refunds for the staging shop."""'),
    ("human", "import stripe"),
    ("human", ""),
    ("inline", "def refund(charge_id: str, amount: int) -> None:"),
    ("inline", '    """Give back part of a charge."""'),
    ("inline", "    stripe.Refund.create(charge=charge_id, amount=amount)"),
    ("human", ""),
    ("agent", "def refund_all(charges: list[str]) -> None:"),
    ("agent", "    for charge in charges:"),
    ("agent", "        stripe.Refund.create(charge=charge)"),
    ("human", ""),
    ("chat", "def audit(charge_id: str) -> dict:"),
    ("chat", "    return stripe.Charge.retrieve(charge_id)"),
]
TOOLS = {"inline": ("copilot", "gpt-4o"), "agent": ("claude-code", "anthropic/claude-sonnet-4-5"),
         "chat": ("cursor", "openai/gpt-5")}
BIG_HUMAN = 18_000
SAM = ("Sam Senior", "sam@example.com")
CONFIG = """[reviewers]
senior = ["sam@example.com"]
[signoff]
allowed_signers = "allowed_signers"
"""


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> None:
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, **(env or {})})


def sam_approves(countersign: str, repo: Path, key: Path) -> None:
    """``countersign approve`` as Sam (git identity), signing with his own SSH key."""
    run(countersign, "approve", cwd=repo, env={
        "GIT_COMMITTER_NAME": SAM[0], "GIT_COMMITTER_EMAIL": SAM[1], "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": "gpg.format", "GIT_CONFIG_VALUE_0": "ssh",
        "GIT_CONFIG_KEY_1": "user.signingKey", "GIT_CONFIG_VALUE_1": str(key)})


def signed_branch(countersign: str, repo: Path) -> None:
    """``feature`` over ``main``: one approved commit, one whose approval went stale."""
    key = repo / ".git" / "e2e-keys" / "sam"
    key.parent.mkdir()
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sam", "-f", str(key), cwd=repo)
    public = key.with_name("sam.pub").read_text().strip()
    (repo / "allowed_signers").write_text(f"{SAM[1]} {public}\n")
    (repo / ".countersign.toml").write_text(CONFIG)
    run("git", "add", "allowed_signers", ".countersign.toml", cwd=repo)
    run("git", "commit", "-qm", "Sam signs off", cwd=repo)
    run("git", "checkout", "-q", "-b", "feature", "--track", "main", cwd=repo)
    run("git", "config", "notes.rewriteRef", "refs/notes/countersign*", cwd=repo)
    for name, text, subject in (("001_orders.sql", "CREATE TABLE orders (id int);\n", "Add orders"),
                                ("002_drop.sql", "DROP TABLE sessions;\n", "Drop sessions")):
        (repo / "migrations").mkdir(exist_ok=True)
        (repo / "migrations" / name).write_text(text)
        run("git", "add", "migrations", cwd=repo)
        run("git", "commit", "-qm", subject, cwd=repo)
        sam_approves(countersign, repo, key)
    (repo / "migrations" / "002_drop.sql").write_text("DROP TABLE sessions CASCADE;\n")
    run("git", "commit", "-qa", "--amend", "--no-edit", cwd=repo)


def write_in_rounds(countersign: str, repo: Path, name: str, lines: list[tuple[str, str]]) -> None:
    """Write ``name`` kind by kind: each kind's lines are one recorded AI change."""
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    kinds = [k for k in dict.fromkeys(kind for kind, _ in lines) if k != "human"]
    path.write_text("".join(text + "\n" for kind, text in lines if kind == "human"))
    done = {"human"}
    for kind in kinds:
        run(countersign, "checkpoint", name, cwd=repo)
        done.add(kind)
        path.write_text("".join(text + "\n" for k, text in lines if k in done))
        tool, model = TOOLS[kind]
        run(countersign, "mark", "--tool", tool, "--model", model, "--kind", kind, name, cwd=repo)


def big_file() -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    for i in range(BIG_HUMAN):
        lines.append(("human", f"value_{i} = compute({i})  # step {i}"))
        if i % 9 == 8:
            kind = "inline" if (i // 9) % 2 == 0 else "agent"
            lines.append((kind, f"ai_{i} = suggested_{kind}({i})"))
    return lines


def main(countersign: str, repo: Path) -> None:
    (repo / "infra").mkdir(parents=True)
    (repo / "infra" / "main.tf").write_text("# Tear-down steps for the staging stack\n")
    for name in ("prod", "partial", "insert", "paste", "refactor", "chat", "edits"):
        (repo / "infra" / f"{name}.tf").write_text(f"# {name}\n")
    run("git", "init", "-q", "-b", "main", cwd=repo)
    run("git", "config", "user.name", "Ada Author", cwd=repo)
    run("git", "config", "user.email", "ada@example.com", cwd=repo)
    (repo / "app").mkdir()
    (repo / "app" / "payments.py").write_text("")
    (repo / "big.py").write_text("")
    run("git", "add", ".", cwd=repo)
    run("git", "commit", "-qm", "infra", cwd=repo)
    signed_branch(countersign, repo)
    write_in_rounds(countersign, repo, "app/payments.py", PAYMENTS)
    write_in_rounds(countersign, repo, "big.py", big_file())


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
