"""The agent guard's view of the track record: recent incidents implicating a tool.

The guard runs before every shell command an agent runs, so the incidents it reads are
cached under the git directory (``GUARD_CACHE``) until HEAD, the notes or the policy change.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from countersign import __version__
from countersign.core.config import Config
from countersign.core.incidents import Implication
from countersign.core.rules import RuleSet
from countersign.core.standing import Standing
from countersign.core.tiers import Tier
from countersign.core.track_record import IncidentFact, TrackRecord
from countersign.store import commits
from countersign.store.gitcli import Git
from countersign.store.tracing import find_fixes
from countersign.store.track import incident_facts

GUARD_CACHE = "autonomy-guard.json"
"""Under the git dir's ``countersign/``: the incidents the guard last read, by HEAD."""


def guard_decision(repo: Git, config: Config, rules: RuleSet,
                   tool: str) -> tuple[Tier, str] | None:
    """The stricter guard tier for ``tool``'s commands and why, when ``[autonomy.guard]``
    is set and an incident of its last days implicates ``tool``; ``None`` otherwise."""
    rule = config.autonomy.guard
    if rule is None:
        return None
    tip = commits.head(repo)
    if tip is None:
        return None
    key = _guard_key(config, repo, tip)
    path = repo.git_dir / "countersign" / GUARD_CACHE
    record = _cached(path, key)
    if record is None:
        record = recent_incidents(repo, config, rules, tip, rule.days)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"key": key, "record": _facts_json(record)}), "utf-8")
    return Standing(config.autonomy, record).guard_for(tool)


def recent_incidents(repo: Git, config: Config, rules: RuleSet, tip: str,
                     days: int) -> TrackRecord:
    """A record holding only the incidents of ``tip``'s last ``days``."""
    as_of = int(repo.text("log", "-1", "--format=%ct", tip, "--"))
    record = TrackRecord(as_of, days, config.autonomy.survival_days)
    fixes = find_fixes(repo, [], [f"--max-age={record.since}", tip],
                       config.autonomy.incident_trailer)
    record.incidents = incident_facts(repo, config, rules, fixes)
    return record


def _guard_key(config: Config, repo: Git, tip: str) -> str:
    refs = [commits.resolve_commit(repo, ref) or "" for ref in
            (commits.NOTES_REF, commits.APPROVALS_REF)]
    text = "\0".join([__version__, tip, *refs, repr(config.autonomy),
                      str(config.unknown_provenance)])
    return hashlib.sha256(text.encode()).hexdigest()


def _facts_json(record: TrackRecord) -> dict[str, Any]:
    return {"as_of": record.as_of, "days": record.window_days,
            "survival": record.survival_days,
            "incidents": [[i.sha, i.subject, i.time, list(i.kinds),
                           [[m.tool, m.model, int(m.tier), m.lines, list(m.commits)]
                            for m in i.implicated]] for i in record.incidents]}


def _cached(path: Path, key: str) -> TrackRecord | None:
    try:
        data = json.loads(path.read_text("utf-8"))
        if data["key"] != key:
            return None
        facts = data["record"]
        return TrackRecord(facts["as_of"], facts["days"], facts["survival"], incidents=[
            IncidentFact(sha, subject, time, tuple(kinds), tuple(
                Implication(tool, model, Tier(tier), lines, tuple(shas))
                for tool, model, tier, lines, shas in implicated))
            for sha, subject, time, kinds, implicated in facts["incidents"]])
    except (OSError, ValueError, KeyError, TypeError):
        return None
