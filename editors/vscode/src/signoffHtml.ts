// The report's sign-off section: for each commit the branch adds, the review it needs and
// why, each approval with its state in words, and whether the requirement is met. The
// judgement is the server's (`countersign/signoff`, the same as `countersign verify`); this
// only lays it out. Every string is the server's data and may be hostile (reviewer names,
// subjects, file names): all of it goes through `shown`.
import { shown } from './html';

/** One approval of a commit and what the gate made of it. */
export interface ApprovalState {
  who: string;
  email: string;
  role?: string;
  source: string;
  /** `valid` (it counts), `bad-signature`, `unknown-key`, `stale`, `own-change`, ... */
  state: string;
  /** The state in words. */
  meaning: string;
  counts: boolean;
  detail: string;
}

/** One commit of the branch: the review it needs, its approvals, whether it passes. */
export interface CommitSignoff {
  sha: string;
  subject: string;
  author: string;
  ok: boolean;
  status: string;
  tier: string;
  review: string;
  declaredTier?: string;
  reasons: string[];
  failures: string[];
  rules: string[];
  aiLines: number;
  addedLines: number;
  approvers: string[];
  approvals: ApprovalState[];
}

/** The answer of `countersign/signoff`. */
export interface SignoffResult {
  label: string;
  base?: string;
  command: string;
  commits: CommitSignoff[];
  omitted: number;
  beforeCountersign: number;
  problems: string[];
  notes: string[];
  markdown: string;
}

export const SIGNOFF_STYLE = `
.verdict{display:inline-block;min-width:3em;padding:0 6px;margin-right:6px;border-radius:3px;font-size:.85em;text-align:center;border:1px solid currentColor}
.pass{color:var(--vscode-testing-iconPassed)}.fail{color:var(--vscode-errorForeground)}
table.approvals{width:100%;margin:6px 0 4px}table.approvals td,table.approvals th{border-bottom:1px solid var(--vscode-widget-border,transparent)}
table.approvals td.who,table.approvals td.detail{overflow-wrap:anywhere}table.approvals td.who{min-width:9em}
ul.why{margin:4px 0;padding-left:20px}.commit{margin-bottom:18px}
`;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function approvalRow(a: ApprovalState): string {
  const state = a.counts
    ? `<span class="pass">${shown(a.state)}</span>: counts`
    : `<span class="fail">${shown(a.state)}</span>: ${shown(a.meaning)}`;
  return `<tr><td class="who">${shown(a.who)}</td><td>${shown(a.role ?? 'any')}</td><td>${shown(a.source)}</td><td>${state}</td><td class="detail">${shown(a.detail)}</td></tr>`;
}

function approvalsTable(approvals: readonly ApprovalState[]): string {
  if (approvals.length === 0) {
    return '<p class="muted">No approvals yet.</p>';
  }
  return [
    '<table class="approvals"><thead><tr><th>reviewer</th><th>role</th><th>source</th><th>state</th><th>detail</th></tr></thead><tbody>',
    ...approvals.map(approvalRow),
    '</tbody></table>',
  ].join('');
}

function commitSection(c: CommitSignoff): string {
  const verdict = c.ok ? '<span class="verdict pass">ok</span>' : '<span class="verdict fail">FAIL</span>';
  const needs = c.review === 'none' ? 'Needs no sign-off' : `Needs <b>${shown(c.review)}</b> sign-off`;
  const status = c.review === 'none' && c.ok ? '' : `: <span class="${c.ok ? 'pass' : 'fail'}">${shown(c.status)}</span>`;
  const missing = c.failures.map((f) => `<li>missing: ${shown(f)}</li>`).join('');
  return [
    `<div class="commit"><h3>${verdict}<code>${shown(c.sha.slice(0, 10))}</code> ${shown(c.subject)}</h3>`,
    `<p>By ${shown(c.author)}. ${needs}${status}.</p>`,
    `<ul class="why">${c.reasons.map((r) => `<li>${shown(r)}</li>`).join('')}</ul>`,
    approvalsTable(c.approvals),
    missing ? `<ul class="why fail">${missing}</ul>` : '',
    '</div>',
  ].join('');
}

function overview(s: SignoffResult): string {
  if (s.commits.length === 0) {
    return `<p>No commits to judge${s.base ? `: the branch adds none over ${shown(s.base)}` : ''}.</p>`;
  }
  const failed = s.commits.filter((c) => !c.ok).length;
  const passed = s.commits.length - failed;
  return `<p>${plural(s.commits.length, 'commit')}: ${passed} ${passed === 1 ? 'meets its' : 'meet their'} requirement, ${failed} ${failed === 1 ? 'does' : 'do'} not.</p>`;
}

/** The section, or the reason the server could not judge. */
export function signoffSection(signoff: SignoffResult | string): string {
  const title = '<h2>Sign-off</h2>';
  if (typeof signoff === 'string') {
    return `${title}<p>No sign-off state: ${shown(signoff)}</p>`;
  }
  const lines = [
    ...(signoff.omitted ? [`${plural(signoff.omitted, 'commit')} older not shown: run the command for all.`] : []),
    ...(signoff.beforeCountersign ? [`${plural(signoff.beforeCountersign, 'commit')} before countersign's baseline: not judged.`] : []),
    ...signoff.notes.map((n) => `note: ${n}`),
    ...signoff.problems.map((p) => `warning: ${p}`),
  ];
  return [
    title,
    `<p class="muted">The commits of ${shown(signoff.label)}, judged as <code>${shown(signoff.command)}</code> judges them.</p>`,
    overview(signoff),
    lines.length ? `<ul class="why muted">${lines.map((l) => `<li>${shown(l)}</li>`).join('')}</ul>` : '',
    ...signoff.commits.map(commitSection),
  ].join('');
}
