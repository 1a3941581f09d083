// The report page shown in a webview: the file's summary and AI lines, the commit preview,
// and the sign-off state of the branch's commits. Plain strings only (no `vscode` import):
// unit-tested with node:test.
import { escapeHtml } from './html';
import { describe, KINDS, type LineRun } from './provenance';
import { SIGNOFF_STYLE, type SignoffResult, signoffSection } from './signoffHtml';
import type { Summary } from './status';

/** The answer of `countersign/commitPreview`. */
export interface CommitPreview {
  trailers: { key: string; value: string }[];
  tier: string;
  review: string;
  addedLines: number;
  aiLines: number;
}

/** What the report shows; a part the server could not give carries the reason instead. */
export interface ReportData {
  file?: { path: string; summary: Summary | string; runs: readonly LineRun[] };
  preview: CommitPreview | string;
  signoff: SignoffResult | string;
  /** A `command:` link that builds the report again. */
  refresh: string;
  /** The webview's `cspSource`: where its styles may come from. */
  cspSource: string;
}

/** AI line runs listed before "and N more". */
const LISTED_RUNS = 200;

const STYLE = `
body{font-family:var(--vscode-font-family);font-size:var(--vscode-font-size);color:var(--vscode-foreground);padding:0 20px 20px}
h1{font-size:1.5em;margin:16px 0 4px}h2{font-size:1.15em;margin:22px 0 8px}
table{border-collapse:collapse}td,th{padding:3px 14px 3px 0;text-align:left;vertical-align:top}
th{font-weight:600;color:var(--vscode-descriptionForeground)}
pre{background:var(--vscode-textCodeBlock-background);padding:8px 12px;border-radius:4px}
.muted{color:var(--vscode-descriptionForeground)}.tier{font-weight:600}
.kind{display:inline-block;width:4px;height:1em;margin-right:6px;vertical-align:middle}
.inline{background:var(--vscode-countersign-aiInline)}.chat{background:var(--vscode-countersign-aiChat)}
.agent{background:var(--vscode-countersign-aiAgent)}.suspected{background:var(--vscode-countersign-aiSuspected)}
.acknowledged{opacity:.4}
${SIGNOFF_STYLE}`;

function row(name: string, value: string): string {
  return `<tr><th>${escapeHtml(name)}</th><td>${value}</td></tr>`;
}

function fileSection(file: NonNullable<ReportData['file']>): string {
  const title = `<h2>${escapeHtml(file.path)}</h2>`;
  if (typeof file.summary === 'string') {
    return `${title}<p>No summary: ${escapeHtml(file.summary)}</p>`;
  }
  const s = file.summary;
  return [
    title,
    `<p>${escapeHtml(s.title)}</p>`,
    '<table>',
    row('AI lines', `${s.aiLines} of ${s.totalLines}`),
    row('acknowledged', String(s.acknowledged)),
    row('high-risk findings', String(s.highRisk)),
    row('tier', `<span class="tier">${escapeHtml(s.tier)}</span>`),
    row('review needed', escapeHtml(s.review)),
    row('written by', escapeHtml(s.tools.join(', ') || 'nobody (no AI lines)')),
    row('rules', escapeHtml(s.rules.join(', ') || 'none')),
    '</table>',
    runsSection(file.runs),
  ].join('');
}

function runsSection(runs: readonly LineRun[]): string {
  if (runs.length === 0) {
    return '';
  }
  const rows = runs.slice(0, LISTED_RUNS).map((run) => {
    const lines = run.first === run.last ? `${run.first + 1}` : `${run.first + 1}–${run.last + 1}`;
    const style = `kind ${run.origin.kind}${run.origin.acknowledgedBy ? ' acknowledged' : ''}`;
    return `<tr><td><span class="${style}"></span>${lines}</td><td>${escapeHtml(describe(run.origin))}</td></tr>`;
  });
  const more = runs.length > LISTED_RUNS ? `<p class="muted">and ${runs.length - LISTED_RUNS} more runs</p>` : '';
  const legend = KINDS.map((kind) => `<span class="kind ${kind}"></span>${kind}`).join(' &nbsp; ');
  return `<h3>AI lines</h3><p class="muted">${legend} &nbsp; (dimmed: acknowledged)</p><table>${rows.join('')}</table>${more}`;
}

function previewSection(preview: CommitPreview | string): string {
  const title = '<h2>Commit preview</h2><p class="muted">What the commit hook stamps for the staged changes.</p>';
  if (typeof preview === 'string') {
    return `${title}<p>No preview: ${escapeHtml(preview)}</p>`;
  }
  const trailers = preview.trailers.map((t) => `${escapeHtml(t.key)}: ${escapeHtml(t.value)}`).join('\n');
  return [
    title,
    `<p>Tier <span class="tier">${escapeHtml(preview.tier)}</span>, review <b>${escapeHtml(preview.review)}</b>; `,
    `${preview.aiLines} of ${preview.addedLines} added lines are AI-written.</p>`,
    `<pre>${trailers}</pre>`,
  ].join('');
}

/** The whole page: no scripts, styles inline, allowed by its content security policy. */
export function reportHtml(data: ReportData): string {
  const csp = `default-src 'none'; style-src ${data.cspSource} 'unsafe-inline'; img-src ${data.cspSource} data:;`;
  return [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`)}">`,
    `<title>countersign report</title><style>${STYLE}</style></head><body>`,
    `<h1>countersign report</h1><p><a href="${escapeHtml(data.refresh)}">Refresh</a></p>`,
    data.file ? fileSection(data.file) : '<p class="muted">No file: open one to see its AI lines.</p>',
    previewSection(data.preview),
    signoffSection(data.signoff),
    '</body></html>',
  ].join('');
}
