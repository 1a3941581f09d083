"""The report's track record section: one bar per AI tool showing what became of its lines.

Each bar is the tool's AI lines shipped in the window, split into kept (still there after
the survival days), rewritten, reverted, and too recent to tell; beside it the lines
shipped, incidents and sign-offs. Drawn as SVG on the server like the other charts.
"""

from __future__ import annotations

from html import escape
from typing import Any

PARTS = (("kept", "surviving", "#27ae60"), ("rewritten", "rewritten", "#f2994a"),
         ("reverted", "reverted", "#eb5757"), ("too recent to tell", "recent", "#cbd2d9"))


def render_record(record: dict[str, Any] | None) -> str:
    """The section's HTML (empty when the report was made without a record)."""
    if record is None:
        return ""
    head = (f"<h2>Track record of AI tools ({record['window_days']} days to "
            f"{escape(record['as_of'][:10])})</h2><div class='sub'>What became of each tool's "
            f"lines {record['survival_days']} days after they shipped, incidents that "
            "implicate it, and the sign-offs its commits got</div>")
    tools = [t for t in record["tools"] if t["lines_shipped"] or t["incidents"]]
    if not tools:
        return head + "<p>No AI lines in the window.</p>"
    return head + _chart(tools) + _table(tools) + _incidents(record["incidents"])


def _chart(tools: list[dict[str, Any]], width: int = 860) -> str:
    row, label_w, bar_w = 30, 170, 560
    height = row * len(tools) + 30
    parts = [f"<svg class='chart' id='track-record' role='img' aria-label='what became of "
             f"each tool&#39;s AI lines' width='{width}' height='{height}' "
             f"viewBox='0 0 {width} {height}'>"]
    for i, tool in enumerate(tools):
        y = 6 + i * row
        counts = {"surviving": tool["surviving"], "rewritten": tool["rewritten"],
                  "reverted": tool["reverted"],
                  "recent": tool["lines_shipped"] - tool["lines_judged"]}
        total = sum(counts.values()) or 1
        x = float(label_w)
        parts.append(f"<text x='0' y='{y + 15}'>{escape(tool['tool'])}</text>")
        for label, key, colour in PARTS:
            w = bar_w * counts[key] / total
            if counts[key]:
                parts.append(f"<rect class='bar' x='{x:.1f}' y='{y}' width='{w:.1f}' "
                             f"height='20' fill='{colour}'><title>{escape(tool['tool'])}: "
                             f"{counts[key]} lines {label}</title></rect>")
            x += w
        parts.append(f"<text x='{label_w + bar_w + 8}' y='{y + 15}'>{tool['lines_shipped']} "
                     f"lines, {tool['incidents']} incident"
                     f"{'s' if tool['incidents'] != 1 else ''}</text>")
    legend_y = height - 8
    x = float(label_w)
    for label, _, colour in PARTS:
        parts.append(f"<rect x='{x:.1f}' y='{legend_y - 9}' width='10' height='10' "
                     f"fill='{colour}'/><text x='{x + 14:.1f}' y='{legend_y}'>{label}</text>")
        x += 30 + 7 * len(label)
    parts.append("</svg>")
    return "".join(parts)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _table(tools: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{escape(t['tool'])}</td><td>{t['lines_shipped']}</td>"
        f"<td>{_share(t['surviving_share'])}</td>"
        f"<td>{_share(t['reverted_or_rewritten_share'])}</td><td>{t['incidents']}</td>"
        f"<td>{t['incident_lines']}</td><td>{t['signed_off_commits']} of {t['commits']}</td>"
        "</tr>" for t in tools)
    return ("<table id='record'><tr><th>tool</th><th>AI lines shipped</th><th>kept</th>"
            "<th>reverted or rewritten</th><th>incidents</th><th>lines in incidents</th>"
            f"<th>commits signed off</th></tr>{rows}</table>")


def _incidents(incidents: list[dict[str, Any]]) -> str:
    if not incidents:
        return "<p>No incident fixes in the window.</p>"
    rows = "".join(
        f"<tr><td><code>{i['sha'][:10]}</code></td><td>{escape(i['time'][:10])}</td>"
        f"<td>{escape(i['subject'])}</td><td>{escape(', '.join(i['kinds']))}</td><td>"
        + (escape(", ".join(f"{m['tool']} ({m['tier']}, {m['lines']} lines)"
                            for m in i["implicated"])) or "no AI tool")
        + "</td></tr>" for i in incidents)
    return ("<h2>Incident fixes</h2><table id='incidents'><tr><th>fix</th><th>date</th>"
            f"<th>subject</th><th>kind</th><th>AI in the chain</th></tr>{rows}</table>")
