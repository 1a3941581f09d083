"""How fast signed approvals are checked: 1,000 commits, each with two SSH approvals.

Builds a repository of 1,000 commits (``git fast-import``), signs two approvals per
commit with two real ed25519 keys (``ssh-keygen -Y sign``, not timed), stores them in
``refs/notes/countersign-approvals`` and then times what ``verify`` does with them:
reading every record (one ``git notes list`` + one ``cat-file --batch``), the content
digest of every commit (one ``rev-list`` + one ``diff-tree --stdin``) and the 2,000
signature checks (in process through the ``sshsig`` package; the pool sizes only matter
for key types that still need ``ssh-keygen -Y verify`` or gpg), then ``countersign
verify`` end to end as CI runs it. Target (issue 14): verify over 1,000 commits x 2
signed approvals within 10 s.

Run: ./run bench   (or .venv/bin/python bench/bench_signoff.py [--commits N])
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from countersign.core.attestation import PAYLOAD_TYPE, Approval, envelope, pae, payload
from countersign.core.tiers import Review, Tier
from countersign.store.approvals import content_digests, read_approvals
from countersign.store.commits import APPROVALS_REF
from countersign.store.gitcli import Git
from countersign.store.signing import SigningKey, sign
from countersign.store.verification import Signers, Verifier

REVIEWERS = {"sam": "Sam Senior <sam@example.com>", "olga": "Olga Owner <olga@example.com>"}
ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent"}


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env=ENV, input=data, check=True,
                          capture_output=True)
    return done.stdout.decode()


def history(root: Path, commits: int) -> tuple[Path, list[str]]:
    """``commits`` commits, each changing one of 50 files; returns the repo and commit ids."""
    repo = root / "signoff-bench"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    stream: list[bytes] = []
    for i in range(1, commits + 1):
        content = f"value = {i}\n".encode()
        msg = f"change {i}\n".encode()
        stream += [b"commit refs/heads/main\n", f"mark :{i}\n".encode(),
                   f"committer Ada <ada@example.com> {1795000000 + i} +0000\n".encode(),
                   f"data {len(msg)}\n".encode(), msg,
                   *([f"from :{i - 1}\n".encode()] if i > 1 else []),
                   f"M 100644 inline app/m{i % 50:02}.py\n".encode(),
                   f"data {len(content)}\n".encode(), content, b"\n"]
    marks = root / "marks"
    git(repo, "fast-import", "--quiet", f"--export-marks={marks}", data=b"".join(stream))
    shas = [line.split()[1] for line in marks.read_text().splitlines()]
    return repo, shas


def keys(root: Path) -> tuple[dict[str, Path], Path]:
    """Two ed25519 keys and an allowed-signers file listing both."""
    found = {}
    lines = []
    for name in REVIEWERS:
        path = root / name
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f",
                        str(path)], check=True)
        found[name] = path
        lines.append(f"{name}@example.com {path.with_suffix('.pub').read_text().strip()}\n")
    signers = root / "allowed_signers"
    signers.write_text("".join(lines))
    return found, signers


def approvals(repo: Path, shas: list[str], key_files: dict[str, Path]) -> int:
    """Sign two approvals per commit (in parallel) and store them with one fast-import."""
    digests = content_digests(Git(repo), shas)
    jobs = [(sha, name) for sha in shas for name in REVIEWERS]

    def one(job: tuple[str, str]) -> bytes:
        sha, name = job
        approval = Approval(REVIEWERS[name], "senior" if name == "sam" else "owner", sha,
                            digests[sha].digest, digests[sha].files, Tier.CRITICAL,
                            Review.SENIOR_OWNER, ("DAT002",), 1795000000, "ssh")
        body = payload(approval)
        sig, keyid = sign(SigningKey("ssh", "ssh-keygen", str(key_files[name])),
                          pae(PAYLOAD_TYPE, body))
        return envelope(body, sig, keyid)

    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        records = list(pool.map(one, jobs))
    notes: dict[str, bytes] = {}
    for (sha, _), record in zip(jobs, records, strict=True):
        notes[sha] = notes.get(sha, b"") + record + b"\n"
    stream = [f"commit {APPROVALS_REF}\n".encode(),
              b"committer Bench <bench@example.com> 1795000000 +0000\n", b"data 6\nnotes\n"]
    for sha, note in notes.items():
        stream += [f"N inline {sha}\n".encode(), f"data {len(note)}\n".encode(), note, b"\n"]
    git(repo, "fast-import", "--quiet", data=b"".join(stream))
    return len(records)


def timed(repo: Path, shas: list[str], signers: Path, workers: int | None) -> dict[str, float]:
    """Wall time of each step, and CPU seconds of the whole (this process + children)."""
    runner = Git(repo)
    cpu = _cpu()
    start = time.perf_counter()
    stored = read_approvals(runner)
    read = time.perf_counter()
    digests = content_digests(runner, shas)
    digest = time.perf_counter()
    matched = [s.envelope for d in digests.values() for s in stored.by_digest[d.digest]]
    with Verifier(Signers(allowed_signers=signers), workers=workers) as verifier:
        checks = verifier.verify(matched)
    end = time.perf_counter()
    if len(checks) != 2 * len(shas) or not all(c.valid for c in checks):
        raise SystemExit(f"expected {2 * len(shas)} valid signatures: {checks[:3]}")
    return {"read": read - start, "digest": digest - read, "verify": end - digest,
            "total": end - start, "checks": len(checks), "cpu": _cpu() - cpu}


def end_to_end(repo: Path, signers: Path, commits: int) -> tuple[float, int]:
    """``countersign verify`` over the whole history as CI runs it: wall seconds, and how
    many approvals it found valid."""
    policy = signers.with_name("policy.toml")
    policy.write_text('[reviewers]\nsenior = ["sam@example.com"]\nowner = ["olga@example.com"]\n'
                      '[signoff]\nallowed_signers = "allowed_signers"\n')
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "countersign", "verify", "main", "--policy",
                           str(policy), "--format", "json"], cwd=repo, env=ENV,
                          capture_output=True, check=False)
    wall = time.perf_counter() - start
    data = json.loads(done.stdout)
    if len(data["commits"]) != commits:
        raise SystemExit(f"verify saw {len(data['commits'])} commits: {done.stderr.decode()}")
    valid = sum(a["counts"] for c in data["commits"] for a in c["approvals"])
    return wall, valid


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 3, 4, 8])
    args = parser.parse_args()
    ssh = subprocess.run(["ssh", "-V"], capture_output=True, text=True).stderr.strip()
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs, {ssh}")
    root = Path(tempfile.mkdtemp(prefix="countersign-bench-"))
    try:
        repo, shas = history(root, args.commits)
        key_files, signers = keys(root)
        signed = approvals(repo, shas, key_files)
        print(f"{len(shas)} commits, {signed} signed SSH approvals")
        for workers in [*args.workers, None]:
            t = timed(repo, shas, signers, workers)
            label = f"{workers} workers" if workers else "default pool"
            print(f"  {label:>12}: read {t['read']:.2f} s, digests {t['digest']:.2f} s, "
                  f"{t['checks']:.0f} signature checks {t['verify']:.2f} s "
                  f"({t['verify'] / t['checks'] * 1000:.2f} ms each), total {t['total']:.2f} s, "
                  f"{t['cpu']:.1f} CPU s")
        wall, valid = end_to_end(repo, signers, len(shas))
        print(f"countersign verify over all {len(shas)} commits: {wall:.2f} s, {valid} valid "
              f"approvals (target <= 10 s): {'OK' if wall <= 10 else 'MISSED'}; "
              f"load average now {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
