"""Reading other tools' provenance (``core.imports``) and the ``[provenance]`` table."""

from __future__ import annotations

import datetime as dt

import pytest

from countersign.core.adoption import ProvenancePolicy, combine_provenance, parse_provenance
from countersign.core.imports import (
    ForeignRecordError,
    parse_agent_trace,
    parse_git_ai,
    trailer_origin,
)
from countersign.core.origin import Origin

META = '{"schema_version": "authorship/3.0.0", "base_commit_sha": "x", "prompts": ' \
       '{"abcd1234abcd1234": {"agent_id": {"tool": "codex", "model": "gpt-5-codex"}}}}'


def test_git_ai_legacy_keys_ranges_and_quoted_paths() -> None:
    lines = parse_git_ai(f'"a b.py"\n  abcd1234abcd1234 1,3-4\n---\n{META}\n')
    origin = Origin("agent", "codex", "openai/gpt-5-codex", source="git-ai")
    assert lines == {"a b.py": {0: origin, 2: origin, 3: origin}}


@pytest.mark.parametrize(("text", "message"), [
    ("a.py\n  abcd1234abcd1234 1\n", "no '---' line"),
    ("a.py\n  abcd1234abcd1234 1\n---\n{oops", "metadata is not JSON"),
    ('a.py\n  abcd1234abcd1234 1\n---\n{"prompts": {}}', "no schema_version"),
    (f"a.py\n  abcd1234abcd1234 4-2\n---\n{META}", "bad line range '4-2'"),
    (f"a.py\n  abcd1234abcd1234 0\n---\n{META}", "bad line range '0'"),
    (f"a.py\n abcd1234abcd1234 1\n---\n{META}", "attestation line 2 is not"),
    (f"  abcd1234abcd1234 1\n---\n{META}", "attestation line 1 is not"),
    ('a.py\n  abcd 1\n---\n{"schema_version": "authorship/3.0.0", "prompts": '
     '{"abcd": {"agent_id": {}}}}', "prompts.abcd has no agent_id.tool"),
])
def test_git_ai_malformed(text: str, message: str) -> None:
    with pytest.raises(ForeignRecordError, match=message.replace("(", r"\(")):
        parse_git_ai(text)


def test_agent_trace_keeps_ai_and_mixed_lines_only() -> None:
    record = {"version": "1.0", "timestamp": "t", "vcs": {"type": "git", "revision": "abc"},
              "tool": {"name": "cursor"}, "files": [{"path": "a.py", "conversations": [
                  {"contributor": {"type": "ai", "model_id": "openai/gpt-5"},
                   "ranges": [{"start_line": 2, "end_line": 3},
                              {"start_line": 5, "end_line": 5,
                               "contributor": {"type": "human"}}]},
                  {"contributor": {"type": "mixed"}, "ranges": [{"start_line": 7,
                                                                 "end_line": 7}]}]}]}
    trace = parse_agent_trace(record)
    assert trace.revision == "abc"
    assert sorted(trace.lines["a.py"]) == [1, 2, 6]
    assert trace.lines["a.py"][1] == Origin("agent", "cursor", "openai/gpt-5",
                                            source="agent-trace")
    with pytest.raises(ForeignRecordError, match="no 'files' list"):
        parse_agent_trace({"version": "1.0"})
    with pytest.raises(ForeignRecordError, match="bad range 3-1"):
        parse_agent_trace({"files": [{"path": "a", "conversations": [
            {"contributor": {"type": "ai"}, "ranges": [{"start_line": 3, "end_line": 1}]}]}]})


@pytest.mark.parametrize(("trailers", "expected"), [
    ([("Co-Authored-By", "Claude <noreply@anthropic.com>")], ("claude-code", None)),
    ([("Co-authored-by", "Claude Sonnet 4.5 <noreply@anthropic.com>")],
     ("claude-code", "anthropic/claude-sonnet-4.5")),
    ([("Co-authored-by", "Cursor Agent <cursoragent@cursor.com>")], ("cursor", None)),
    ([("Assisted-by", "Claude:claude-3-opus coccinelle sparse")],
     ("claude-code", "anthropic/claude-3-opus")),
    ([("Co-authored-by", "Copilot <175728472+Copilot@users.noreply.github.com>")],
     ("copilot", None)),
    ([("Co-authored-by", "Bo <bo@example.com>"), ("Signed-off-by", "Bo <bo@example.com>")],
     None),
    ([("Assisted-by", "just words")], None),
])
def test_trailer_origin(trailers: list[tuple[str, str]],
                        expected: tuple[str, str | None] | None) -> None:
    origin = trailer_origin(trailers)
    assert (None if origin is None else (origin.tool, origin.model)) == expected
    if origin is not None:
        assert origin.source == "trailer"


def test_provenance_table() -> None:
    errors: list[tuple[str, str]] = []
    policy = parse_provenance({"baseline": dt.date(2025, 6, 1), "trust": ["git-ai", "x"]},
                              lambda key, message: errors.append((key, message)))
    assert policy == ProvenancePolicy("2025-06-01", ("git-ai",))
    assert policy.baseline_time == dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc).timestamp()
    assert errors == [("provenance.trust", "unknown source(s) x (known: countersign, git-ai, "
                                           "agent-trace, trailer)")]
    assert ProvenancePolicy("v1.0").baseline_time is None
    assert policy.trusts("countersign") and policy.trusts("git-ai")
    assert not policy.trusts("trailer")
    repo = ProvenancePolicy("HEAD", ("git-ai", "trailer"))
    assert combine_provenance(ProvenancePolicy(None, None), repo) == \
        ProvenancePolicy(None, ("git-ai", "trailer"))
    assert combine_provenance(policy, repo) == ProvenancePolicy("2025-06-01", ("git-ai",))
