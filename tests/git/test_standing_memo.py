"""``store.standing_memo``: a kept standing is reused exactly while what it was read from
holds, on a real repository with the hooks writing provenance notes."""

from __future__ import annotations

from pathlib import Path

from countersign.cli.common import load_context
from countersign.core.standing import Standing
from countersign.core.tiers import Review, Tier
from countersign.store.standing_memo import StandingMemo, history_key, quick_key
from countersign.store.track import base_standing
from tests.git.conftest import AGENT, ai_file, commit
from tests.helpers import git, write

TIGHTEN = '[[autonomy.tighten]]\ntier = "high"\nreview = "senior+owner"\ndays = 30\n'


def save(repo: Path, subject: str) -> str:
    git(repo, "add", "-A")
    commit(repo, "-m", subject)
    return git(repo, "rev-parse", "HEAD").strip()


def test_a_kept_standing_holds_until_the_bases_history_changes(hooked: Path) -> None:
    write(hooked, ".countersign.toml", TIGHTEN)
    save(hooked, "Autonomy")
    ai_file(hooked, "client.py", "requests.get(u, verify=False)\n", {0: AGENT})
    origin = save(hooked, "Client")
    git(hooked, "revert", "--no-edit", "HEAD")
    base = git(hooked, "rev-parse", "HEAD").strip()
    context = load_context(hooked)
    repo, config, rules = context.workspace.git(), context.config, context.rules
    memo = StandingMemo(keep=2)

    def review(standing: Standing) -> Review:
        return standing.review(["claude-code"], Tier.HIGH, Review.SENIOR).review

    first = memo.standing(repo, config, rules, base)
    assert review(first) == Review.SENIOR_OWNER
    quick, full = quick_key(repo, config, rules, base), history_key(repo, config, rules, base)

    ai_file(hooked, "later.py", "x = 1\n", {0: AGENT})  # a commit after the base: its note
    save(hooked, "Later")
    assert quick_key(repo, config, rules, base) != quick
    assert history_key(repo, config, rules, base) == full
    assert memo.standing(repo, config, rules, base) is first

    git(hooked, "notes", "--ref", "countersign", "remove", origin)  # of the base's history
    assert history_key(repo, config, rules, base) != full
    again = memo.standing(repo, config, rules, base)
    assert again is not first and review(again) == Review.SENIOR
    assert again == base_standing(repo, config, rules, base)
    assert memo.standing(repo, config, rules, None).record.as_of == 0  # no base: empty
