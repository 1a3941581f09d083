"""What several subcommands share: finding the workspace, loading config, rules and ledger."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from countersign.cli.errors import UserError
from countersign.core.config import Config, build_ruleset, combine, find_config, load_config
from countersign.core.rulepack import RuleError
from countersign.core.rules import RuleSet
from countersign.store.git import Workspace, find_workspace
from countersign.store.ledger import Ledger, default_path


@dataclass
class Context:
    workspace: Workspace
    config: Config
    rules: RuleSet
    errors: list[RuleError]
    warnings: list[str]

    def ledger(self) -> Ledger:
        return Ledger(default_path(self.workspace.git_dir))


def load_context(start: Path, policy: Path | None = None) -> Context:
    """Workspace, configuration (repository + optional policy) and the enabled rules."""
    workspace = find_workspace(start)
    errors: list[RuleError] = []
    repo_config = Config()
    config_path = find_config(workspace.root)
    if config_path is not None:
        repo_config, errors = load_config(config_path)
    policy_config = None
    if policy is not None:
        if not policy.is_file():
            raise UserError(f"policy file {policy} does not exist",
                            "pass the path of your organisation's policy TOML to --policy", 2)
        policy_config, policy_errors = load_config(policy)
        if policy_errors:
            raise UserError("the policy file is invalid:\n" +
                            "\n".join(f"  {e}" for e in policy_errors),
                            f"fix {policy} (a policy must load cleanly to be enforced)", 2)
    config, warnings = combine(repo_config, policy_config)
    cache = workspace.git_dir / "countersign" / "cache" if workspace.git_dir else None
    rules, rule_errors = build_ruleset(config, policy_config, cache)
    return Context(workspace, config, rules, errors + rule_errors, warnings)


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
    if context.workspace.git_dir is None:
        raise UserError(f"{Path.cwd()} is not inside a git repository", hint, 2)
    report_problems(context)
    return context
