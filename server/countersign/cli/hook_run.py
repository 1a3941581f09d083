"""What the installed git hooks do. A tracker bug must never block a commit: every hook
except ``commit-msg`` reports problems on stderr and exits 0 (``verify`` catches commits
that were not stamped)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from countersign.cli.common import Context, load_context
from countersign.cli.errors import log_crash
from countersign.core.agents import aider_origin
from countersign.core.origin import Origin
from countersign.core.trailers import is_ours, strip_ours
from countersign.store import commits, pending, replay
from countersign.store.gitcli import Git
from countersign.store.hooks import SHIM_VERSION
from countersign.store.stamping import Stamper
from countersign.store.standing_cache import with_review


def run_hook(name: str, argv: Sequence[str]) -> int:
    """Run hook ``name`` with git's arguments; only commit-msg may return non-zero."""
    if name == "commit-msg":
        return commit_msg(argv)
    if name == "prepare-commit-msg" and os.environ.get("COUNTERSIGN_HOOKS") != SHIM_VERSION:
        print("countersign: the git hooks here were installed by an older countersign; "
              "this commit is stamped, but more slowly than it could be\n"
              "hint: run `countersign hook install` to update them", file=sys.stderr)
    handler = {"prepare-commit-msg": prepare_commit_msg, "post-commit": post_commit,
               "post-merge": post_merge, "post-rewrite": post_rewrite,
               "pre-push": pre_push}.get(name)
    if handler is None:
        print(f"countersign: unknown hook {name!r}; run `countersign hook install` again",
              file=sys.stderr)
        return 0
    try:
        handler(argv)
    except Exception as exc:  # reported and logged; never blocks the commit
        log = log_crash()
        print(f"countersign: the {name} hook failed ({type(exc).__name__}: {exc}); "
              f"this commit's provenance may be incomplete. Details in {log}\n"
              f"hint: run `countersign hook status`, and report the log if it persists",
              file=sys.stderr)
    return 0


def _stamper(context: Context | None = None) -> Stamper:
    """A stamper for the repository here; ``context``: its configuration and rules when
    already loaded (the hook daemon keeps them between commits)."""
    context = context or load_context(Path.cwd())
    git_dir = context.workspace.git_dir
    repo = Git(context.workspace.root)
    if git_dir is not None:
        repo.__dict__["git_dir"] = git_dir  # known already: spare a rev-parse
    return Stamper(repo, context.ledger(), context.rules, context.config)


def prepare_commit_msg(argv: Sequence[str], context: Context | None = None,
                       parent: int | None = None) -> None:
    """Stamp the message file with trailers computed from the index and the ledger.

    ``context`` and ``parent`` (the shim's process id) are given by the hook daemon, which
    runs this for the shim (``cli.hook_daemon``); in-process they are found here.
    """
    stamper = _stamper(context)
    try:
        _stamp_message(stamper, argv, os.getppid() if parent is None else parent)
    finally:
        if stamper.ledger is not None:
            stamper.ledger.close()  # the daemon serves many commits: no connection may leak


def _stamp_message(stamper: Stamper, argv: Sequence[str], parent: int) -> None:
    msg_file = Path(argv[0])
    source = argv[1] if len(argv) > 1 else os.environ.get("PRE_COMMIT_COMMIT_MSG_SOURCE", "")
    object_name = argv[2] if len(argv) > 2 else os.environ.get(
        "PRE_COMMIT_COMMIT_OBJECT_NAME", "")
    repo = stamper.repo
    pending.settle(repo)  # a note left by a commit whose post-commit never ran
    message = msg_file.read_bytes().decode("utf-8", "surrogateescape")
    # most messages carry no countersign or Aider trailer: then git need not parse them
    maybe_ours = any(is_ours(line.partition(":")[0].strip()) for line in message.split("\n"))
    parsed = (commits.parse_trailers(repo, message) if maybe_ours or "aider" in message
              else [])
    stamped_before = any(is_ours(k) for k, _ in parsed)
    if _replaying(repo) and stamped_before:
        return  # a rebase or cherry-pick keeps the original stamp; post-rewrite moves notes
    head = commits.head(repo)
    carry = None
    if head and _amending(source, object_name, parent):
        parents, carry = commits.parents_of(repo, head), head
    else:
        parents = ([head] if head else []) + _merge_heads(repo)
    author = aider_origin(os.environ.get("GIT_AUTHOR_NAME", "") + " <"
                          + os.environ.get("GIT_AUTHOR_EMAIL", "") + ">",
                          parsed)
    replay.prepare_squash(stamper, head, parents)
    stamp = stamper.staged(parents, carry, author)
    if author is None:  # post-commit attaches it; an Aider commit is noted afresh
        pending.leave(repo, parents, stamp.ai_lines, stamp.to_dict())
    stamp = with_review(stamper, stamp, parents, hook=parent)  # verify's review
    base = (strip_ours(message, [f"{k}: {v}" for k, v in parsed], commits.comment_char(repo))
            if stamped_before else message)
    stamped = commits.add_trailers(repo, base, stamp.trailers(stamper.config.assisted_by))
    if stamped != message:
        msg_file.write_bytes(stamped.encode("utf-8", "surrogateescape"))


def _amending(source: str, object_name: str, parent: int) -> bool:
    """Whether this is ``git commit --amend``: git says so (``commit HEAD``) unless a message
    was given with ``-m``/``-F``; then the git process's own arguments tell."""
    if source == "commit":
        return object_name == "HEAD"
    if source not in ("message", ""):
        return False
    for argv in _ancestor_commands(parent):
        if "commit" in argv:
            return any(len(a) >= 4 and "--amend".startswith(a) for a in argv)
    return False


def _ancestor_commands(pid: int, levels: int = 4) -> list[list[str]]:
    """Argument lists of process ``pid`` and its parents, nearest first (Linux /proc, else
    ps)."""
    out = []
    for _ in range(levels):
        if pid <= 1:
            break
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            out.append([a for a in argv.split("\0") if a])
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            done = subprocess.run(["ps", "-o", "ppid=,args=", "-p", str(pid)],
                                  capture_output=True, text=True, check=False)
            fields = done.stdout.split()
            if not fields:
                break
            out.append(fields[1:])
            pid = int(fields[0]) if fields[0].isdigit() else 0
    return out


def _git_path(repo: Git, name: str) -> Path:
    """A per-worktree state file (MERGE_HEAD, rebase-merge, ...) of this worktree."""
    return Path(repo.git_dir) / name


def _replaying(repo: Git) -> bool:
    """Whether git is re-applying existing commits (rebase, cherry-pick)."""
    action = os.environ.get("GIT_REFLOG_ACTION", "")
    if action.startswith(("rebase", "cherry-pick")):
        return True
    return any(_git_path(repo, n).exists()
               for n in ("rebase-merge", "rebase-apply", "CHERRY_PICK_HEAD"))


def _merge_heads(repo: Git) -> list[str]:
    path = _git_path(repo, "MERGE_HEAD")
    if not path.exists():
        return []
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def commit_msg(argv: Sequence[str]) -> int:
    """Refuse a message that is only countersign's trailers (an abandoned editor)."""
    try:
        text = Path(argv[0]).read_bytes().decode("utf-8", "replace")
    except (OSError, IndexError):
        return 0
    meaningful = [ln for ln in text.split("\n")
                  if ln.strip() and not ln.startswith("#") and not is_ours(ln.split(":", 1)[0])]
    if meaningful:
        return 0
    print("Aborting commit due to empty commit message.", file=sys.stderr)
    return 1


def post_commit(argv: Sequence[str]) -> None:
    """Write the provenance note of the new commit: the one prepare-commit-msg left for its
    tree and parents when there is one (the shim attaches it without Python), else afresh."""
    stamper = _stamper()
    head = commits.head(stamper.repo)
    if head is None:
        return
    aider = _aider(stamper, head)
    replay.inherit_for(stamper, head)
    if aider is None and not stamper.inherited and pending.take(stamper.repo, head):
        return
    pending.discard(stamper.repo)
    stamper.write_note(head, carry_from=stamper.predecessor(head) or _noted(stamper, head),
                       author=aider)


def _aider(stamper: Stamper, sha: str) -> Origin | None:
    """Aider when it made the commit (it names itself as author or co-author)."""
    out = stamper.repo.text("log", "-1", "--format=%an <%ae>%x00%(trailers:only,unfold)", sha)
    author, _, trailer_text = out.partition("\0")
    pairs = [(k.strip(), v.strip()) for k, sep, v in
             (line.partition(":") for line in trailer_text.split("\n")) if sep]
    return aider_origin(author, pairs)


def _noted(stamper: Stamper, sha: str) -> str | None:
    """``sha`` itself when it already has a note (written by post-rewrite on amend)."""
    return sha if commits.has_note(stamper.repo, sha) else None


def post_merge(argv: Sequence[str]) -> None:
    """``git merge`` runs no post-commit: note a merge commit it made."""
    from countersign.cli import sharing  # ~19 ms of imports prepare-commit-msg need not pay

    stamper = _stamper()
    head = commits.head(stamper.repo)
    sharing.after_pull(stamper.repo)
    if head is None or len(commits.parents_of(stamper.repo, head)) < 2:
        return
    if pending.take(stamper.repo, head) or commits.has_note(stamper.repo, head):
        return
    stamper.write_note(head)


def post_rewrite(argv: Sequence[str]) -> None:
    """Move notes from rewritten commits to their replacements (amend, rebase)."""
    pairs = [line.split()[:2] for line in sys.stdin.read().splitlines() if line.strip()]
    if not pairs:
        return
    replay.rewritten(_stamper(), [(old, new) for old, new in pairs])


def pre_push(argv: Sequence[str]) -> None:
    """Push countersign's notes along with the user's push (``sharing.with_push``)."""
    from countersign.cli import sharing

    sys.stdin.read()  # git writes the refs being pushed; they do not matter here
    sharing.with_push(Git(Path.cwd()), argv[0] if argv else "origin")
