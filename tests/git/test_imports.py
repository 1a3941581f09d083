"""``countersign import git-ai|agent-trace|trailers``: provenance other tools recorded."""

from __future__ import annotations

import json
from pathlib import Path

from tests.git.conftest import COPILOT, Run, ai_file, commit, git, note, note_ranges, write

DATA = Path(__file__).parent.parent / "data" / "imports"
NO_HOOKS = ("-c", "core.hooksPath=/dev/null")


def _plain_commit(repo: Path, files: dict[str, str], message: str) -> str:
    for rel, text in files.items():
        write(repo, rel, text)
    git(repo, "add", "-A")
    git(repo, *NO_HOOKS, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD").strip()


def _sources(repo: Path, rev: str) -> dict[str, set[str | None]]:
    out: dict[str, set[str | None]] = {}
    for entry in note(repo, rev)["files"]:
        for conv in entry["conversations"]:
            out.setdefault(entry["path"], set()).add(
                conv["metadata"]["dev.countersign"].get("source"))
    return out


def test_git_ai_notes_are_imported_and_nothing_recorded_is_lost(hooked: Path, cli: Run) -> None:
    first = _plain_commit(hooked, {"app.py": "import os\nx = 1\ny = 2\n"}, "app")
    ai_file(hooked, "lib/my util.py", "a = 1\nb = 2\nc = 3\nd = 4\n", {2: COPILOT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "util")  # countersign's own note: line 3 by Copilot
    second = git(hooked, "rev-parse", "HEAD").strip()
    third = _plain_commit(hooked, {"app.py": "import os\nx = 1\ny = 3\n"}, "tweak")
    for sha, name in ((first, "git-ai-sessions.txt"), (second, "git-ai-legacy.txt"),
                      (third, "git-ai-malformed.txt")):
        git(hooked, "notes", "--ref", "ai", "add", "-F", str(DATA / name), sha)
    before = git(hooked, "rev-parse", "refs/notes/countersign").strip()
    code, out, err = cli("import", "git-ai")
    assert code == 0, err
    assert out.strip() == ("2 notes written (5 AI lines) from 3 git-ai authorship logs; "
                           "1 skipped (notes in refs/notes/countersign)")
    assert err.strip() == (f"warning: {third[:12]} (refs/notes/ai): attestation key "
                           "s_0000000000dead::t_9f8e7d6c5b4a32 is not in the metadata; skipped")
    assert note_ranges(hooked, first) == {"app.py": [(2, 3, "claude-code")]}
    assert note(hooked, first)["files"][0]["conversations"][0]["contributor"] == {
        "type": "ai", "model_id": "anthropic/claude-sonnet-4-5"}
    assert note(hooked, first)["metadata"]["dev.countersign"]["source"] == "git-ai"
    # the Copilot line countersign recorded stays; git-ai's cursor lines fill the rest
    assert sorted(note_ranges(hooked, second)["lib/my util.py"]) == [
        (1, 2, "cursor"), (3, 3, "copilot"), (4, 4, "cursor")]
    assert _sources(hooked, second) == {"lib/my util.py": {"git-ai", None}}
    assert "source" not in note(hooked, second)["metadata"]["dev.countersign"]
    # one notes commit on top of what was there: nothing rewritten away
    assert git(hooked, "rev-parse", "refs/notes/countersign^").strip() == before
    _, out, _ = cli("blame", "app.py")
    assert "claude-code (agent, anthropic/claude-sonnet-4-5, via git-ai)" in out


def test_agent_trace_records_land_on_the_commit_that_took_the_edit(
    repo: Path, cli: Run
) -> None:
    base = _plain_commit(repo, {"jobs/cleanup.py": "import shutil\n"}, "base")
    edited = _plain_commit(repo, {"jobs/cleanup.py": "import shutil\n\n\ndef cleanup(p):\n"
                                                     "    shutil.rmtree(p)\n"}, "cleanup")
    traces = repo / ".agent-trace" / "traces.jsonl"
    traces.parent.mkdir()
    traces.write_text((DATA / "traces.jsonl").read_text().replace("REVISION", base))
    code, out, err = cli("import", "agent-trace")
    assert code == 0, err
    assert out.strip() == ("1 note written (2 AI lines) from 3 Agent Trace records; 1 skipped "
                           "(notes in refs/notes/countersign)")
    assert f"{traces}:3: range {{'start_line': 'four'}} has no integer start_line/end_line" in err
    assert note_ranges(repo, edited) == {"jobs/cleanup.py": [(4, 5, "claude-code")]}
    assert note(repo, edited)["metadata"]["dev.countersign"]["source"] == "agent-trace"


def test_trailers_give_commit_level_provenance(repo: Path, cli: Run) -> None:
    claude = _plain_commit(repo, {"a.py": "a = 1\n\nb = 2\n"},
                           "a\n\nCo-Authored-By: Claude <noreply@anthropic.com>")
    kernel = _plain_commit(repo, {"b.c": "int b;\n"},
                           "b\n\nAssisted-by: gemini:gemini-2.5-pro coccinelle")
    plain = _plain_commit(repo, {"c.py": "c = 1\n"}, "c\n\nCo-authored-by: Bo <bo@example.com>")
    code, out, err = cli("import", "trailers")
    assert code == 0, err
    assert out.strip() == ("2 notes written (3 AI lines) from 3 commits; 0 skipped "
                           "(notes in refs/notes/countersign)")
    assert note_ranges(repo, claude) == {"a.py": [(1, 1, "claude-code"), (3, 3, "claude-code")]}
    conv = note(repo, kernel)["files"][0]["conversations"][0]
    assert conv["contributor"]["model_id"] == "google/gemini-2.5-pro"
    assert conv["metadata"]["dev.countersign"] == {"tool": "gemini-cli", "kind": "agent",
                                                   "source": "trailer"}
    assert plain not in git(repo, "notes", "--ref", "countersign", "list")
    code, out, _ = cli("import", "trailers")  # again: the commits have notes now
    assert out.startswith("0 notes written")


def test_the_policy_decides_which_sources_count_as_complete(repo: Path, cli: Run) -> None:
    base = _plain_commit(repo, {"jobs/cleanup.py": "import shutil\n"}, "base")
    edited = _plain_commit(repo, {"jobs/cleanup.py": "import shutil\nimport os\n\n"
                                                     "def cleanup(p):\n    shutil.rmtree(p)\n"},
                           "cleanup")
    record = {"version": "1.0", "id": "x", "timestamp": "2026-11-23T12:00:00Z",
              "vcs": {"type": "git", "revision": base}, "tool": {"name": "claude-code"},
              "files": [{"path": "jobs/cleanup.py", "conversations": [{
                  "contributor": {"type": "ai"}, "ranges": [{"start_line": 5,
                                                             "end_line": 5}]}]}]}
    (repo / "t.jsonl").write_text(json.dumps(record) + "\n")
    assert cli("import", "agent-trace", "t.jsonl")[0] == 0
    (repo / ".countersign.toml").write_text('[provenance]\ntrust = ["agent-trace"]\n')
    _, out, _ = cli("verify", "--format", "json", edited)
    assert json.loads(out)["commits"][0]["ai_lines"] == 1
    (repo / ".countersign.toml").write_text('[provenance]\ntrust = ["git-ai"]\n')
    _, out, _ = cli("verify", "--format", "json", edited)
    assert json.loads(out)["commits"][0]["ai_lines"] == 4  # every added line: unknown, so AI
