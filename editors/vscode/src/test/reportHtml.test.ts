// Unit tests of the report page (no VS Code needed).
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportHtml, type ReportData } from '../reportHtml';

const SUMMARY = {
  uri: 'file:///ws/infra/main.tf',
  aiLines: 1,
  totalLines: 2,
  acknowledged: 0,
  highRisk: 1,
  tier: 'critical',
  review: 'senior+owner',
  tools: ['fake-ai (inline)'],
  rules: ['DES001'],
  title: 'AI: 1 line, 1 high-risk — needs senior+owner sign-off',
};
const PREVIEW = {
  trailers: [{ key: 'AI-Assisted', value: 'fake-ai (inline)' }, { key: 'Review-Tier', value: 'critical' }],
  tier: 'critical',
  review: 'senior+owner',
  addedLines: 2,
  aiLines: 1,
};

function data(over: Partial<ReportData> = {}): ReportData {
  return {
    file: {
      path: 'infra/main.tf',
      summary: SUMMARY,
      runs: [{ first: 1, last: 1, origin: { kind: 'inline', tool: 'fake-ai', at: 1_790_000_000 } }],
    },
    preview: PREVIEW,
    signoff: 'the repository has no commits yet: there is nothing to sign off',
    refresh: 'command:countersign.showReport?%5B%5D',
    cspSource: 'https://webview.test',
    ...over,
  };
}

test('the page has the summary, the AI lines, the commit preview and its trailers', () => {
  const html = reportHtml(data());
  assert.match(html, /<th>AI lines<\/th><td>1 of 2<\/td>/);
  assert.match(html, /<th>tier<\/th><td><span class="tier">critical<\/span>/);
  assert.match(html, /<span class="kind inline"><\/span>2<\/td><td>written by fake-ai \(inline\), at 2026-09-21 14:13 UTC<\/td>/);
  assert.match(html, /<h2>Commit preview<\/h2>/);
  assert.match(html, /<pre>AI-Assisted: fake-ai \(inline\)\nReview-Tier: critical<\/pre>/);
  assert.match(html, /1 of 2 added lines are AI-written/);
});

test('the sign-off section says why when the server could not judge', () => {
  assert.match(reportHtml(data()), /<h2>Sign-off<\/h2><p>No sign-off state: the repository has no commits yet/);
});

test('no scripts; styles only from the webview; text from the server is escaped', () => {
  const html = reportHtml(data({ preview: 'not a <git> repository' }));
  assert.doesNotMatch(html, /<script/i);
  assert.match(html, /default-src 'none'; style-src https:\/\/webview\.test 'unsafe-inline'/);
  assert.match(html, /No preview: not a &#60;git&#62; repository/);
});

test('without a file the page says so; a summary error is shown as such', () => {
  const withoutFile = data();
  delete withoutFile.file;
  assert.match(reportHtml(withoutFile), /No file: open one/);
  const failed = data({ file: { path: 'big.bin', summary: 'not tracked', runs: [] } });
  assert.match(reportHtml(failed), /No summary: not tracked/);
});
