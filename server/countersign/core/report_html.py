"""The report as one self-contained HTML page: inline CSS and server-drawn SVG charts.

No scripts, fonts or images from the network: the page opens from a mail attachment or a
CI artifact as it is.
"""

from __future__ import annotations

from html import escape
from typing import Any

from countersign.core.record_html import render_record
from countersign.core.report import Report

_TIER_COLOURS = {"none": "#9aa5b1", "low": "#6cb4ee", "medium": "#f2c94c", "high": "#f2994a",
                 "critical": "#eb5757"}
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;
color:#1f2933;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.sub{color:#616e7c;margin-bottom:18px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #e4e7eb;border-radius:8px;padding:10px 16px;min-width:130px}
.card b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%;max-width:1100px}
td,th{border-bottom:1px solid #e4e7eb;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f5f7fa}.tier{padding:1px 7px;border-radius:9px;color:#fff;font-size:12px}
svg text{font-size:11px;fill:#52606d}.grid{display:flex;gap:28px;flex-wrap:wrap}
code{font-size:12px}
"""


def render(report: Report, title: str) -> str:
    data = report.to_json()
    cards = [("commits", data["commits"]), ("added lines", data["added_lines"]),
             ("AI-written lines", f"{data['ai_lines']} ({data['ai_share']:.0%})"),
             ("missing sign-off", data["failed"]),
             ("sign-offs valid / missing / forged / stale",
              " / ".join(str(data["signoffs"][k]) for k in ("valid", "missing", "forged",
                                                             "stale")))]
    return "".join([
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1><div class='sub'>countersign report: AI-written code, "
        "its risk, and who signed it off</div>",
        "<div class='cards'>",
        *(f"<div class='card'>{escape(k)}<b>{escape(str(v))}</b></div>" for k, v in cards),
        "</div><h2>AI share of added lines over time</h2>",
        _share_chart(data["by_day"]),
        "<div class='grid'><div><h2>AI lines by tool</h2>",
        _bars([(k, v, "#5b8def") for k, v in data["by_tool"].items()], "lines"),
        "</div><div><h2>Commits by review tier</h2>",
        _bars([(k, v, _TIER_COLOURS[k]) for k, v in data["by_tier"].items()], "commits"),
        "</div></div>", render_record(report.track_record),
        "<h2>Riskiest AI-written files</h2>",
        _files_table(data["riskiest_files"]),
        f"<h2>Commits missing sign-off ({data['failed']})</h2>",
        _failed_table(data["missing_signoff"]),
        "</body></html>\n",
    ])


def _share_chart(days: list[dict[str, Any]], width: int = 860, height: int = 220) -> str:
    if not days:
        return "<p>No commits in the range.</p>"
    left, bottom, top = 40, 28, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    step = plot_w / max(len(days), 1)
    bar = max(step * 0.7, 1.0)
    parts = [f"<svg class='chart' role='img' aria-label='AI share of added lines per day' "
             f"width='{width}' height='{height}' viewBox='0 0 {width} {height}'>"]
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(f"<line x1='{left}' y1='{y:.1f}' x2='{width - 10}' y2='{y:.1f}' "
                     f"stroke='#e4e7eb'/><text x='4' y='{y + 4:.1f}'>{pct}%</text>")
    for i, day in enumerate(days):
        share = day["ai_lines"] / day["added_lines"] if day["added_lines"] else 0.0
        h = plot_h * share
        x = left + i * step + (step - bar) / 2
        parts.append(f"<rect class='bar' x='{x:.1f}' y='{top + plot_h - h:.1f}' "
                     f"width='{bar:.1f}' height='{h:.1f}' fill='#5b8def'>"
                     f"<title>{day['day']}: {day['ai_lines']} of {day['added_lines']} added "
                     f"lines by AI ({share:.0%})</title></rect>")
    for i in sorted({0, len(days) // 2, len(days) - 1}):
        x = left + i * step + step / 2
        anchor = "end" if i == len(days) - 1 and i else "start" if i == 0 else "middle"
        parts.append(f"<text x='{x:.1f}' y='{height - 8}' text-anchor='{anchor}'>"
                     f"{days[i]['day']}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _bars(items: list[tuple[str, int, str]], unit: str, width: int = 400) -> str:
    items = [i for i in items if i[1]] or [("none", 0, "#9aa5b1")]
    top = max(v for _, v, _ in items) or 1
    row, label_w = 24, 150
    height = row * len(items) + 8
    parts = [f"<svg class='chart' role='img' aria-label='{escape(unit)} per category' "
             f"width='{width}' height='{height}' viewBox='0 0 {width} {height}'>"]
    for i, (name, value, colour) in enumerate(items):
        w = (width - label_w - 60) * value / top
        y = 4 + i * row
        parts.append(f"<text x='0' y='{y + 15}'>{escape(name)}</text>"
                     f"<rect class='bar' x='{label_w}' y='{y}' width='{w:.1f}' height='18' "
                     f"fill='{colour}'><title>{escape(name)}: {value} {unit}</title></rect>"
                     f"<text x='{label_w + w + 6:.1f}' y='{y + 15}'>{value}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _tier(label: str) -> str:
    return f"<span class='tier' style='background:{_TIER_COLOURS[label]}'>{label}</span>"


def _files_table(files: list[dict[str, Any]]) -> str:
    if not files:
        return "<p>No AI-written lines in the range.</p>"
    rows = "".join(f"<tr><td><code>{escape(f['path'])}</code></td><td>{_tier(f['tier'])}</td>"
                   f"<td>{f['ai_lines']}</td><td>{f['commits']}</td>"
                   f"<td>{escape(', '.join(f['rules']))}</td></tr>" for f in files)
    return ("<table id='riskiest'><tr><th>file</th><th>tier</th><th>AI lines</th>"
            f"<th>commits</th><th>rules</th></tr>{rows}</table>")


def _failed_table(failed: list[dict[str, Any]]) -> str:
    if not failed:
        return "<p>Every commit has the sign-off its tier requires.</p>"
    rows = "".join(f"<tr><td><code>{c['sha'][:10]}</code></td><td>{escape(c['subject'])}</td>"
                   f"<td>{_tier(c['tier'])}</td><td>{escape(c['review'])}</td>"
                   f"<td>{escape('; '.join(c['failures']))}</td></tr>" for c in failed)
    return ("<table id='missing'><tr><th>commit</th><th>subject</th><th>tier</th>"
            f"<th>needs</th><th>why it fails</th></tr>{rows}</table>")
