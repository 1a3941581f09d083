"""The commit trailers' ``Review-Required`` is what ``verify`` decides: at the author's
level (``[review.by_author]``) and raised by ``[review.regardless_of_provenance]`` for
content a person wrote, not only from the AI lines' tier."""

from __future__ import annotations

from pathlib import Path

from tests.git.conftest import AGENT, Run, ai_file
from tests.git.test_autonomy_trailers import agree
from tests.git.test_record import save
from tests.helpers import git, write

SENIOR_AUTHOR = ('[authors]\nsenior = ["ada@example.com"]\n'  # the tests' author
                 '[review.by_author.senior]\nhigh = "peer"\n')
REGARDLESS = '[review.regardless_of_provenance]\ncritical = "senior+owner"\n'


def test_a_senior_authors_high_tier_change_needs_the_review_of_their_level(
    hooked: Path, cli: Run,
) -> None:
    write(hooked, ".countersign.toml", SENIOR_AUTHOR)
    save(hooked, "config")
    ai_file(hooked, "client.py", "requests.get(u, verify=False)\n", {0: AGENT})
    git(hooked, "add", "-A")
    assert "Review-Required: peer" in cli("trailers")[1].splitlines()
    save(hooked, "client")
    assert agree(hooked, cli) == ("peer", [])


def test_critical_content_a_person_wrote_raises_the_review_of_an_ai_assisted_commit(
    hooked: Path, cli: Run,
) -> None:
    write(hooked, ".countersign.toml", REGARDLESS)
    save(hooked, "config")
    ai_file(hooked, "notes.py", "total = 1\n", {0: AGENT})  # AI's line: no risk at all
    write(hooked, "db/migrations/0002_drop.sql", "DROP TABLE users;\n")  # a person's
    git(hooked, "add", "-A")
    assert "Review-Required: senior+owner" in cli("trailers")[1].splitlines()
    save(hooked, "drop")
    assert agree(hooked, cli) == ("senior+owner", [])
