"""What several subcommands share: finding the workspace, loading config, rules and ledger."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from countersign.cli.errors import UserError
from countersign.core.config import Config, PolicyError, load_project
from countersign.core.rulepack import RuleError
from countersign.core.rules import RuleSet
from countersign.store.ledger import Ledger, default_path
from countersign.store.workspace import Workspace, find_workspace


@dataclass
class Context:
    workspace: Workspace
    config: Config
    rules: RuleSet
    errors: list[RuleError]
    warnings: list[str]

    def ledger(self) -> Ledger:
        """The ledger, to write."""
        return Ledger(default_path(self.workspace.git_dir))

    def reader(self) -> Ledger:
        """The ledger, to read only: nothing is created, and a read-only ``.git`` works."""
        return Ledger.reading(default_path(self.workspace.git_dir))


def load_context(start: Path, policy: Path | None = None) -> Context:
    """Workspace, configuration (repository + optional policy) and the enabled rules."""
    workspace = find_workspace(start)
    cache = workspace.git_dir / "countersign" / "cache" if workspace.git_dir else None
    try:
        loaded = load_project(workspace.root, policy, cache)
    except PolicyError as exc:
        if not exc.path.is_file():
            raise UserError(f"policy file {exc.path} does not exist", "pass the path of your "
                            "organisation's policy TOML to --policy", 2) from None
        raise UserError("the policy file is invalid:\n" +
                        "\n".join(f"  {p}" for p in exc.problems),
                        f"fix {exc.path} (a policy must load cleanly to be enforced)", 2) from None
    return Context(workspace, loaded.config, loaded.rules, loaded.errors, loaded.warnings)


def require_repository(workspace: Workspace, hint: str, where: Path | None = None) -> Workspace:
    """``workspace`` when it is a git repository; else the one error every command gives
    (exit 2, naming ``where``: the current directory unless given)."""
    if workspace.git_dir is None:
        raise UserError(f"{where or Path.cwd()} is not inside a git repository", hint, 2)
    return workspace


def report_problems(context: Context) -> None:
    """Config and rule pack problems go to stderr; the good parts are still used."""
    for error in context.errors:
        print(f"warning: {error}", file=sys.stderr)
    for warning in context.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if context.errors:
        print("hint: run `countersign rules test` to check rule packs and config",
              file=sys.stderr)


def repository_context(hint: str, policy: Path | None = None) -> Context:
    """``load_context`` for commands that need a git repository (exit 2 outside one), with
    configuration problems reported."""
    context = load_context(Path.cwd(), policy)
    require_repository(context.workspace, hint)
    report_problems(context)
    return context
