"""Incidents written out: text for a terminal, Markdown for a postmortem, JSON for tools."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from countersign.core.incidents import Incident, OriginCommit, TracedLine, duration
from countersign.core.printable import printable

TEXT_LINES = 20
"""Traced lines listed per incident in text (all of them in Markdown and JSON)."""


def when(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def who(line: TracedLine) -> str:
    if line.author is None:
        return "unknown (no note)"
    return line.author.label() if line.author.is_ai else "human"


def verdict_line(incident: Incident) -> str:
    """``AI in the chain: yes. It removed or changed 3 lines: ...``."""
    counts = incident.counts()
    total = sum(counts.values())
    answer = "yes" if incident.ai_in_chain else "no" if not counts["unknown"] else "unknown"
    what = (f"It removed or changed {total} line{'s' if total != 1 else ''}: {counts['ai']} "
            f"by AI, {counts['human']} by people, {counts['unknown']} of unknown provenance."
            if total else "It removed or changed no lines.")
    return f"AI in the chain: {answer}. {what}"


def signoff_text(origin: OriginCommit) -> str:
    """``yes (needed senior) by Sam Senior <sam@...> as senior (ssh)``; approvals that did
    not count are in ``refused_text``."""
    if origin.review.label == "none" and not origin.approvals:
        return "no review required"
    signers = ", ".join(f"{a.who}{f' as {a.role}' if a.role else ''} ({a.source})"
                        for a in origin.signers())
    return (f"{'yes' if origin.signed_off else 'no'} (needed {origin.review.label})"
            + (f" by {signers}" if signers else ", no approval counts"))


def refused_text(origin: OriginCommit) -> str:
    return "; ".join(a.describe() for a in origin.approvals if not a.counts)


def _tools(origin: OriginCommit) -> str:
    parts = [f"{tool}{f' ({model})' if model else ''} {n}"
             for (tool, model), n in sorted(origin.ai_by_tool.items(), key=lambda kv: -kv[1])]
    return ", ".join(parts) or "none"


def render_text(incidents: Sequence[Incident]) -> str:
    if not incidents:
        return "No incident fixes found."
    return "\n\n".join(_text(i) for i in incidents)


def _text(incident: Incident) -> str:
    out = [f"Incident fix {incident.sha[:10]}  {incident.subject}",
           f"  {when(incident.time)} by {incident.author}; {incident.markers.describe()}",
           f"  {verdict_line(incident)}"]
    for i in incident.implicated():
        out.append(f"    {i.tool}{f' ({i.model})' if i.model else ''}: {_lines(i.lines)}, "
                   f"{i.tier.label} change {', '.join(c[:10] for c in i.commits)}")
    if incident.origins:
        out.append("  Where they came from:")
    for origin in _ordered(incident):
        out += [f"    {origin.sha[:10]} {when(origin.time)[:10]} {origin.subject} "
                f"({origin.author})",
                f"      tier {origin.tier.label}; AI {origin.ai_lines} of {origin.added_lines} "
                f"added lines: {_tools(origin)}" + ("" if origin.has_note else " (no note)"),
                f"      signed off: {signoff_text(origin)}"]
        if refused_text(origin):
            out.append(f"      not counted: {refused_text(origin)}")
        out.append(f"      lived {duration(incident.lived(origin.sha))} before this fix")
    if incident.lines:
        out.append("  Lines:")
    for line in incident.lines[:TEXT_LINES]:
        out.append(f"    {line.path}:{line.line + 1}  {who(line)}  {line.origin[:10]}  "
                   f"{line.text.strip()[:80]}")
    if len(incident.lines) > TEXT_LINES:
        out.append(f"    ... {len(incident.lines) - TEXT_LINES} more (--format markdown or "
                   "json lists them all)")
    out += [f"  note: {p}" for p in incident.problems]
    return "\n".join(printable(line) for line in out)  # subjects, names, paths: shown as is


def _signed(origin: OriginCommit) -> str:
    refused = refused_text(origin)
    return signoff_text(origin) + (f"; not counted: {refused}" if refused else "")


def _lines(count: int) -> str:
    """Lines of the tool the fix repaired; none: it wrote the commit the message names."""
    return f"{count} line{'s' if count != 1 else ''}" if count else "wrote the commit named"


def _ordered(incident: Incident) -> list[OriginCommit]:
    return sorted(incident.origins.values(), key=lambda o: (-o.time, o.sha))


def render_markdown(incidents: Sequence[Incident]) -> str:
    if not incidents:
        return "No incident fixes found.\n"
    return "\n".join(_markdown(i) for i in incidents)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(incident: Incident) -> str:
    out = [f"## Incident fix `{incident.sha[:10]}`: {_cell(incident.subject)}", "",
           f"- **When:** {when(incident.time)}, by {_cell(incident.author)}",
           f"- **Marked as:** {_cell(incident.markers.describe())}",
           f"- **{verdict_line(incident)}**", ""]
    if incident.implicated():
        out += ["| AI tool | Model | Tier of the change | Lines | Commits |",
                "|---|---|---|---|---|"]
        out += [f"| {i.tool} | {i.model or '-'} | {i.tier.label} | {_lines(i.lines)} | "
                f"{', '.join(f'`{c[:10]}`' for c in i.commits)} |" for i in incident.implicated()]
        out.append("")
    if incident.origins:
        out += ["### Where the lines came from", "",
                "| Commit | Date | Subject | Tier | AI lines | Signed off | Lived |",
                "|---|---|---|---|---|---|---|"]
        out += [f"| `{o.sha[:10]}` | {when(o.time)[:10]} | {_cell(o.subject)} | {o.tier.label} | "
                f"{o.ai_lines}/{o.added_lines} ({_cell(_tools(o))}) | {_cell(_signed(o))} | "
                f"{duration(incident.lived(o.sha))} |" for o in _ordered(incident)]
        out.append("")
    if incident.lines:
        out += ["<details><summary>Lines the fix removed or changed "
                f"({len(incident.lines)})</summary>", "",
                "| File | Line | Written by | Commit | Text |", "|---|---|---|---|---|"]
        out += [f"| `{_cell(line.path)}` | {line.line + 1} | {_cell(who(line))} | "
                f"`{line.origin[:10]}` | `{_cell(line.text.strip()[:100])}` |"
                for line in incident.lines]
        out += ["", "</details>", ""]
    out += [f"> **Note:** {_cell(p)}" for p in incident.problems]
    return "\n".join(out) + "\n"


def to_json(incidents: Sequence[Incident]) -> dict[str, Any]:
    return {"incidents": [_json(i) for i in incidents]}


def _json(incident: Incident) -> dict[str, Any]:
    return {
        "sha": incident.sha, "subject": incident.subject, "author": incident.author,
        "time": when(incident.time), "kinds": list(incident.kinds),
        "reverts": list(incident.markers.reverts), "fixes": list(incident.markers.fixes),
        "incident": list(incident.markers.incidents), "named": list(incident.named),
        "unresolved": list(incident.unresolved), "ai_in_chain": incident.ai_in_chain,
        "lines_by": incident.counts(),
        "implicated": [{"tool": i.tool, "model": i.model, "tier": i.tier.label,
                        "lines": i.lines, "commits": list(i.commits)}
                       for i in incident.implicated()],
        "origins": [_origin_json(o, incident) for o in _ordered(incident)],
        "lines": [{"path": line.path, "line": line.line + 1, "text": line.text,
                   "origin": line.origin, "origin_path": line.origin_path,
                   "origin_line": line.origin_line + 1,
                   "ai": None if line.author is None else line.author.is_ai,
                   "tool": line.tool,
                   "model": line.author.model if line.author else None}
                  for line in incident.lines],
        "problems": list(incident.problems),
    }


def _origin_json(origin: OriginCommit, incident: Incident) -> dict[str, Any]:
    return {
        "sha": origin.sha, "subject": origin.subject, "author": origin.author,
        "time": when(origin.time), "tier": origin.tier.label, "review": origin.review.label,
        "has_note": origin.has_note, "added_lines": origin.added_lines,
        "ai_lines": origin.ai_lines,
        "tools": [{"tool": t, "model": m, "lines": n}
                  for (t, m), n in sorted(origin.ai_by_tool.items(), key=lambda kv: -kv[1])],
        "signed_off": origin.signed_off,
        "approvals": [{"who": a.who, "source": a.source, "role": a.role, "state": a.state,
                       "detail": a.detail} for a in origin.approvals],
        "failures": list(origin.failures), "shallow_boundary": origin.boundary,
        "lived_seconds": incident.lived(origin.sha),
    }
