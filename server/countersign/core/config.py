"""Repository configuration and organisation policy, and how they combine.

Both use one format, in ``.countersign.toml`` or ``[tool.countersign]`` of
``pyproject.toml``::

    [rules]
    disable = ["CON002"]            # rule ids to turn off
    packs = ["ci/extra-rules.toml"] # extra packs, relative to the config file
    [rules.tier]
    DAT002 = "critical"             # change a rule's tier
    [review]                        # tier -> required review
    medium = "peer"
    [trailers]
    assisted_by = true              # also stamp kernel-style Assisted-by: TOOL:MODEL
    [reviewers]                     # review level -> approver emails (policy files)
    senior = ["sam@example.com"]
    [verify]
    require_trailers = true         # a commit without countersign trailers fails the gate
    unknown_provenance = "ai"       # lines of commits without a note count as AI ("human")
    [guard]                         # `agent-hook --pre`: shell commands an agent may not run
    tier = "critical"               # refuse commands with findings of this tier or higher
    allow = ["terraform destroy -target=module\\.scratch"]  # RE2 patterns always allowed

A policy given explicitly is authoritative: the repository may raise tiers, add packs and
ask for stricter review, but never lower or disable what the policy sets.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from countersign.core.adoption import ProvenancePolicy, combine_provenance, parse_provenance
from countersign.core.autonomy import AutonomyPolicy, parse_autonomy
from countersign.core.policy import AUTHOR_LEVELS, SignoffPolicy, parse_signoff
from countersign.core.regular import SETTINGS_MAX_BYTES, Refused, read_regular
from countersign.core.rulepack import (
    RuleError,
    load_builtin,
    load_packs,
    toml_error_line,
    toml_module,
)
from countersign.core.rules import Rule, RuleSet
from countersign.core.tiers import DEFAULT_REVIEW, Review, Tier

_TIERS = {"low", "medium", "high", "critical"}
_REVIEWER_LEVELS = {"peer", "senior", "owner"}
_SECTIONS: dict[str, set[str] | None] = {  # None: any key (the keys are names or e-mails)
    "rules": {"disable", "packs", "tier"},
    "review": _TIERS | {"by_author", "regardless_of_provenance"},
    "trailers": {"assisted_by"},
    "reviewers": _REVIEWER_LEVELS,
    "verify": {"require_trailers", "unknown_provenance"},
    "guard": {"allow", "tier"},
    "signoff": {"allowed_signers", "gpg_keys", "trust_trailers"},
    "people": None,
    "teams": None,
    "authors": set(AUTHOR_LEVELS),
    "autonomy": None,  # core.autonomy checks its own keys
    "provenance": {"baseline", "trust"},
}
UNKNOWN_PROVENANCE = ("ai", "human")


@dataclass(frozen=True)
class Config:
    """Settings from one configuration file, or the result of combining several."""

    disabled: frozenset[str] = frozenset()
    """Rule ids turned off."""
    packs: tuple[Path, ...] = ()
    """Extra rule packs, as absolute paths."""
    tiers: Mapping[str, Tier] = field(default_factory=dict)
    """Rule id -> tier that replaces the rule's own."""
    review: Mapping[Tier, Review] = field(default_factory=lambda: dict(DEFAULT_REVIEW))
    """Tier -> the review it requires."""
    assisted_by: bool = False
    """Also stamp the Linux-kernel style ``Assisted-by: TOOL:MODEL`` trailer."""
    reviewers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Review level (``peer``, ``senior``, ``owner``) -> emails of people at that level."""
    require_trailers: bool = False
    """``verify`` fails commits without countersign trailers (the hook was bypassed)."""
    unknown_provenance: str | None = None
    """How ``verify`` counts added lines of a commit without a provenance note: ``ai``
    (the default when unset) or ``human``."""
    guard_tier: Tier = Tier.CRITICAL
    """``agent-hook --pre`` refuses shell commands with findings of this tier or higher."""
    guard_allow: tuple[str, ...] = ()
    """RE2 patterns of shell commands the guard lets through anyway."""
    signoff: SignoffPolicy = field(default_factory=SignoffPolicy)
    """Who may sign off, who is who, and reviews that depend on the author."""
    autonomy: AutonomyPolicy = field(default_factory=AutonomyPolicy)
    """How each tool's review follows its track record (``core.autonomy``)."""
    provenance: ProvenancePolicy = field(default_factory=ProvenancePolicy)
    """Where countersign started (the adoption baseline) and which imports count."""
    sources: tuple[str, ...] = ()
    """Files this configuration was read from."""

    @property
    def unknown_is_ai(self) -> bool:
        return self.unknown_provenance != "human"

    def required_review(self, tier: Tier, author: str | None = None) -> Review:
        """The review ``tier`` needs; with ``author`` (an e-mail), as the policy sets it for
        that author's level (unknown authors get the ``[review]`` table)."""
        level = self.signoff.author_level(author) if author else None
        by_level = self.signoff.review_by_author.get(level or "", {})
        return by_level.get(tier, self.review.get(tier, DEFAULT_REVIEW[tier]))


def _key_line(text: str, key: str) -> int:
    leaf = key.split(".")[-1]
    pattern = re.compile(r"^\s*(\[+\s*)?[\w.\"-]*\b" + re.escape(leaf) + r"\b")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return 0


def find_config(root: Path) -> Path | None:
    """``.countersign.toml`` if present, else ``pyproject.toml`` with ``[tool.countersign]``."""
    dedicated = root / ".countersign.toml"
    if dedicated.is_file():
        return dedicated
    pyproject = root / "pyproject.toml"
    try:
        text = read_regular(pyproject, SETTINGS_MAX_BYTES).decode("utf-8", "replace")
    except Refused:
        return None
    if re.search(r"^\[tool\.countersign", text, re.MULTILINE):
        return pyproject
    return None


def load_config(path: Path) -> tuple[Config, list[RuleError]]:
    """Read one configuration file; on any error the defaults stand for what was wrong."""
    name = str(path)
    try:  # regular files only, bounded: a repository can make this a link to /dev/zero
        text = read_regular(path, SETTINGS_MAX_BYTES).decode("utf-8")
    except (Refused, UnicodeDecodeError) as exc:
        return Config(sources=(name,)), [RuleError(name, 0, f"cannot read config: {exc}")]
    try:
        data = toml_module().loads(text)
    except toml_module().TOMLDecodeError as exc:
        line = toml_error_line(exc, text)
        return Config(sources=(name,)), [RuleError(name, line, f"invalid TOML: {exc}")]
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("countersign", {})
    return _parse_config(data, path, text)


def _parse_config(data: dict[str, Any], path: Path, text: str) -> tuple[Config, list[RuleError]]:
    errors: list[RuleError] = []

    def error(key: str, message: str) -> None:
        errors.append(RuleError(str(path), _key_line(text, key), message, key=key))

    for section, value in data.items():
        if section not in _SECTIONS:
            error(section, f"unknown section (allowed: {', '.join(_SECTIONS)})")
        elif not isinstance(value, dict):
            error(section, "expected a table")
        else:
            allowed = _SECTIONS[section]
            if allowed is None:
                continue
            for key in sorted(set(value) - allowed):
                error(f"{section}.{key}", f"unknown key (allowed: "
                                          f"{', '.join(sorted(allowed))})")
    tables: dict[str, dict[str, Any]] = {
        k: v if isinstance(v, dict) else {} for k, v in data.items()}
    rules, review = tables.get("rules", {}), tables.get("review", {})
    config = Config(
        disabled=frozenset(_string_list(rules, "rules.disable", error)),
        packs=tuple((path.parent / p).resolve() for p in _string_list(rules, "rules.packs", error)),
        tiers=_levels(rules.get("tier", {}), "rules.tier", Tier.parse, error),
        review={**DEFAULT_REVIEW, **_levels(
            {Tier.parse(k): v for k, v in review.items() if k in _TIERS},
            "review", Review.parse, error)},
        assisted_by=_bool(tables.get("trailers", {}), "trailers.assisted_by", error),
        reviewers={level: tuple(_string_list(tables.get("reviewers", {}), f"reviewers.{level}",
                                             error)) for level in tables.get("reviewers", {})
                   if level in _REVIEWER_LEVELS},
        require_trailers=_bool(tables.get("verify", {}), "verify.require_trailers", error),
        unknown_provenance=_choice(tables.get("verify", {}), "verify.unknown_provenance",
                                   UNKNOWN_PROVENANCE, error),
        guard_tier=_guard_tier(tables.get("guard", {}), error),
        guard_allow=tuple(_string_list(tables.get("guard", {}), "guard.allow", error)),
        signoff=parse_signoff(tables, path.parent, error),
        autonomy=parse_autonomy(data.get("autonomy", {}), error),
        provenance=parse_provenance(tables.get("provenance"), error),
        sources=(str(path),),
    )
    return config, errors


def _guard_tier(table: dict[str, Any], error: Any) -> Tier:
    value = table.get("tier", "critical")
    try:
        return Tier.parse(value) if isinstance(value, str) else Tier.parse("")
    except ValueError as exc:
        error("guard.tier", str(exc))
        return Tier.CRITICAL


def _choice(
    table: dict[str, Any], key: str, allowed: tuple[str, ...], error: Any
) -> str | None:
    value = table.get(key.split(".")[-1])
    if value is not None and value not in allowed:
        error(key, f"expected one of {', '.join(map(repr, allowed))}, got {value!r}")
        return allowed[0]
    return None if value is None else str(value)


def _string_list(table: dict[str, Any], key: str, error: Any) -> list[str]:
    value = table.get(key.split(".")[-1], [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        error(key, f"expected a list of strings, got {value!r}")
        return []
    return value


def _bool(table: dict[str, Any], key: str, error: Any) -> bool:
    value = table.get(key.split(".")[-1], False)
    if not isinstance(value, bool):
        error(key, f"expected true or false, got {value!r}")
        return False
    return value


def _levels(table: Any, key: str, parse: Any, error: Any) -> dict[Any, Any]:
    if not isinstance(table, dict):
        error(key, "expected a table")
        return {}
    out = {}
    for name, value in table.items():
        label = name.label if isinstance(name, Tier) else name
        try:
            out[name] = parse(value)
        except (ValueError, AttributeError) as exc:
            error(f"{key}.{label}", str(exc) if isinstance(value, str) else
                  f"expected a string, got {value!r}")
    return out


def combine(repo: Config, policy: Config | None) -> tuple[Config, list[str]]:
    """The configuration in force, and a warning for each repository setting the policy refused."""
    if policy is None:
        return repo, []
    warnings = []
    refused = sorted(repo.disabled - policy.disabled)
    if refused:
        warnings.append(f"policy {policy.sources[0]} keeps rules enabled that "
                        f"{repo.sources[0] if repo.sources else 'the repository'} disables: "
                        f"{', '.join(refused)}")
    tiers = dict(policy.tiers)
    for rule_id, tier in repo.tiers.items():
        if rule_id in tiers and tier < tiers[rule_id]:
            warnings.append(f"policy sets {rule_id} to {tiers[rule_id].label}; the repository "
                            f"cannot lower it to {tier.label}")
            continue
        tiers[rule_id] = tier
    if repo.guard_allow:
        warnings.append(f"policy {policy.sources[0]} decides which destructive commands agents "
                        f"may run; the repository's [guard] allow is ignored")
    review = {t: max(policy.required_review(t), repo.required_review(t)) for t in Tier}
    return Config(
        disabled=policy.disabled, packs=policy.packs + repo.packs, tiers=tiers, review=review,
        assisted_by=policy.assisted_by or repo.assisted_by,
        reviewers=dict(policy.reviewers),
        require_trailers=policy.require_trailers or repo.require_trailers,
        guard_tier=min(policy.guard_tier, repo.guard_tier),
        guard_allow=policy.guard_allow,
        signoff=policy.signoff,
        autonomy=policy.autonomy,
        unknown_provenance="ai" if "ai" in (policy.unknown_provenance, repo.unknown_provenance)
        else policy.unknown_provenance or repo.unknown_provenance,
        provenance=combine_provenance(policy.provenance, repo.provenance),
        sources=policy.sources + repo.sources,
    ), warnings


def build_ruleset(
    config: Config, policy: Config | None = None, cache: Path | None = None, *,
    examples: bool = True,
) -> tuple[RuleSet, list[RuleError]]:
    """The enabled rules with tier changes applied (``cache``, ``examples``: see
    ``load_pack``).

    Under a policy a repository tier change may only raise a rule's tier above what the
    policy (or the built-in pack) gives it.
    """
    builtin, errors = load_builtin(cache, examples=examples)
    extra, extra_errors = load_packs(config.packs, cache, examples=examples)
    known = {r.id for r in builtin}
    rules = builtin + [r for r in extra if r.id not in known]
    errors += extra_errors + [RuleError(r.source, r.line, "rule id already used by a built-in "
                                        "rule", r.id, "id") for r in extra if r.id in known]
    policy_tiers = policy.tiers if policy is not None else {}
    enabled: list[Rule] = []
    for rule in rules:
        if rule.id in config.disabled:
            continue
        tier = config.tiers.get(rule.id, rule.tier)
        if policy is not None and rule.id not in policy_tiers:
            tier = max(tier, rule.tier)
        enabled.append(dataclasses.replace(rule, tier=tier) if tier != rule.tier else rule)
    return RuleSet(enabled), errors



class PolicyError(Exception):
    """The organisation policy cannot be enforced as written (missing or invalid)."""

    def __init__(self, path: Path, problems: list[RuleError]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.path = path
        self.problems = problems


@dataclass
class Loaded:
    """What a workspace's configuration files add up to."""

    config: Config
    rules: RuleSet
    errors: list[RuleError]
    """Repository config and rule pack problems; the good parts are still in force."""
    warnings: list[str]
    """Repository settings the policy refused."""


def load_project(root: Path, policy: Path | None = None, cache: Path | None = None, *,
                 examples: bool = True) -> Loaded:
    """The configuration in force at ``root``: the repository's, combined with the policy,
    and the enabled rules (``cache``, ``examples``: see ``load_pack``).

    A repository config or rule pack with problems still applies its good parts; a policy is
    never partly applied: a missing or invalid one raises ``PolicyError``.
    """
    errors: list[RuleError] = []
    repo_config = Config()
    found = find_config(root)
    if found is not None:
        repo_config, errors = load_config(found)
    policy_config = None
    if policy is not None:
        if not policy.is_file():
            raise PolicyError(policy, [RuleError(str(policy), 0, "policy file does not exist")])
        policy_config, policy_errors = load_config(policy)
        if policy_errors:
            raise PolicyError(policy, policy_errors)
    config, warnings = combine(repo_config, policy_config)
    rules, rule_errors = build_ruleset(config, policy_config, cache, examples=examples)
    return Loaded(config, rules, errors + rule_errors, warnings)
