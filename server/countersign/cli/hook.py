"""``countersign hook install|uninstall|status|run``: the git hooks that stamp commits."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from countersign.cli import hook_client, hook_run
from countersign.cli.common import require_repository
from countersign.cli.errors import UserError
from countersign.store import hooks, sync
from countersign.store.gitcli import Git
from countersign.store.workspace import find_workspace


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("hook", help="install, remove or inspect the git hooks")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    install = actions.add_parser("install", help="install the hooks in this repository")
    install.add_argument("--no-daemon", action="store_true",
                         help="never run a resident process: every commit starts Python "
                              "(slower; see docs/commit-hooks.md)")
    install.set_defaults(func=run_install)
    actions.add_parser("uninstall", help="remove the hooks (restores hooks they moved aside)"
                       ).set_defaults(func=run_uninstall)
    actions.add_parser("status", help="which hooks are installed and working"
                       ).set_defaults(func=run_status)
    run = actions.add_parser("run", help="what the installed hooks call (not for people)")
    run.add_argument("name", choices=hooks.HOOKS)
    run.add_argument("args", nargs="*")
    run.set_defaults(func=lambda args: hook_run.run_hook(args.name, args.args))
    daemon = actions.add_parser("daemon", help="the resident process the prepare-commit-msg "
                                "hook starts (not for people, but --stop)")
    daemon.add_argument("--stop", action="store_true", help="stop this repository's daemon")
    daemon.add_argument("dirs", nargs="*", help=argparse.SUPPRESS)
    daemon.set_defaults(func=run_daemon)


def _repo() -> Git:
    workspace = find_workspace(Path.cwd())
    return require_repository(workspace, "run it from your repository, or `git init` first").git()


def run_install(args: argparse.Namespace) -> int:
    try:
        client = None if args.no_daemon else hook_client.__file__
        done = hooks.install(_repo(), sys.executable, client)
    except hooks.HookError as exc:
        message, _, hint = str(exc).partition("\nhint: ")
        raise UserError(message, hint) from None
    repo = _repo()
    if _stop_daemon(repo):
        done.append("hook daemon: stopped (the next commit starts the new one)")
    done += [line for remote in sync.remotes(repo) for line in sync.configure(repo, remote)]
    print("\n".join(done))
    print("Commits made here now carry countersign trailers and provenance notes; they are "
          "pushed with your pushes and merged on pull (`countersign sync` fetches them now).")
    return 0


def run_uninstall(args: argparse.Namespace) -> int:
    repo = _repo()
    done = hooks.uninstall(repo)
    if _stop_daemon(repo):
        done.append("hook daemon: stopped")
    print("\n".join(done) if done else "No countersign hooks were installed.")
    return 0


def run_status(args: argparse.Namespace) -> int:
    states, rewrite_ok = hooks.status(_repo())
    for s in states:
        chained = f", runs {s.name}.legacy first" if s.chained else ""
        detail = {
            "installed": f"installed ({s.python}){chained}",
            "missing": "not installed",
            "foreign": "another tool's hook is here; `countersign hook install` chains it",
            "broken": f"installed, but its Python {s.python} is gone; "
                      f"run `countersign hook install` again",
        }[s.state]
        if s.state == "installed" and s.outdated:
            detail = (f"installed by an older countersign ({s.python}); run `countersign "
                      f"hook install` to update it")
        print(f"{s.name:20} {detail}")
    print(f"{'hook daemon':20} {_daemon_state(_repo(), states[0])}")
    print(f"{'notes.rewriteRef':20} {'includes' if rewrite_ok else 'lacks'} "
          f"{hooks.REWRITE_REFS}")
    healthy = rewrite_ok and all(s.state == "installed" and not s.outdated for s in states)
    if not healthy:
        print("hint: run `countersign hook install`", file=sys.stderr)
    return 0 if healthy else 1


def _git_dir(repo: Git) -> Path:
    return Path(repo.git_dir)


def _stop_daemon(repo: Git) -> bool:
    from countersign.cli import hook_daemon

    return hook_daemon.stop(_git_dir(repo))


def _daemon_state(repo: Git, prepare: hooks.HookState) -> str:
    """Whether the hook daemon serves prepare-commit-msg here, and if not why."""
    from countersign.cli import hook_daemon

    if hook_daemon.running(_git_dir(repo)):
        return "running (it serves prepare-commit-msg)"
    if prepare.state != "installed" or "hook_client" not in prepare.path.read_text(
            errors="replace"):
        return "off (hooks installed without it: `countersign hook install` adds it)"
    if os.environ.get("COUNTERSIGN_HOOK_DAEMON") == "0":
        return "off in this environment (COUNTERSIGN_HOOK_DAEMON=0)"
    return "not running (the next commit starts it)"


def run_daemon(args: argparse.Namespace) -> int:
    """``hook daemon --stop``; without it, what the hook's client starts."""
    from countersign.cli import hook_daemon

    if args.stop:
        stopped = hook_daemon.stop(_git_dir(_repo()))
        print("hook daemon: stopped" if stopped else "hook daemon: none was running")
        return 0
    return hook_daemon.main(args.dirs)
