// Unit tests of the report's sign-off section (no VS Code needed).
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { shown } from '../html';
import { type ApprovalState, type CommitSignoff, type SignoffResult, signoffSection } from '../signoffHtml';

const SAM: ApprovalState = {
  who: 'Sam Senior <sam@example.com>',
  email: 'sam@example.com',
  role: 'senior',
  source: 'ssh',
  state: 'valid',
  meaning: 'valid',
  counts: true,
  detail: 'good signature by sam@example.com (ssh-ed25519 key SHA256:abc)',
};
const STALE: ApprovalState = {
  ...SAM,
  state: 'stale',
  meaning: 'the approved content changed since',
  counts: false,
  detail: 'approved 0123456789; migrations/002.sql: content changed since approval',
};

function commit(over: Partial<CommitSignoff> = {}): CommitSignoff {
  return {
    sha: '0123456789abcdef0123456789abcdef01234567',
    subject: 'Add orders',
    author: 'Ada Author <ada@example.com>',
    ok: true,
    status: 'meets its requirement',
    tier: 'high',
    review: 'senior',
    reasons: ['tier high from DAT001; 1 of 1 added lines are AI-written'],
    failures: [],
    rules: ['DAT001'],
    aiLines: 1,
    addedLines: 1,
    approvers: [SAM.who],
    approvals: [SAM],
    ...over,
  };
}

function result(commits: CommitSignoff[], over: Partial<SignoffResult> = {}): SignoffResult {
  return {
    label: 'main..HEAD',
    base: 'main',
    command: 'countersign verify main..HEAD',
    commits,
    omitted: 0,
    beforeCountersign: 0,
    problems: [],
    notes: [],
    markdown: '',
    ...over,
  };
}

test('a table per commit: reviewer, role, source, the state in words, detail', () => {
  const html = signoffSection(result([commit()]));
  assert.match(html, /<p>1 commit: 1 meets its requirement, 0 do not\.<\/p>/);
  assert.match(html, /judged as <code>countersign verify main\.\.HEAD<\/code> judges them/);
  assert.match(html, /<h3><span class="verdict pass">ok<\/span><code>0123456789<\/code> Add orders<\/h3>/);
  assert.match(html, /Needs <b>senior<\/b> sign-off: <span class="pass">meets its requirement<\/span>\./);
  assert.match(html, /<th>reviewer<\/th><th>role<\/th><th>source<\/th><th>state<\/th><th>detail<\/th>/);
  assert.match(html, /<td class="who">Sam Senior &#60;sam@example\.com&#62;<\/td><td>senior<\/td><td>ssh<\/td><td><span class="pass">valid<\/span>: counts<\/td>/);
});

test('a refused approval says which state and what it means; what is missing is listed', () => {
  const failed = commit({
    ok: false,
    status: 'does not meet its requirement',
    approvals: [STALE],
    approvers: [],
    failures: ['needs senior sign-off: an approval from a senior reviewer'],
  });
  const html = signoffSection(result([failed]));
  assert.match(html, /<span class="verdict fail">FAIL<\/span>/);
  assert.match(html, /<td><span class="fail">stale<\/span>: the approved content changed since<\/td><td class="detail">approved 0123456789; migrations\/002\.sql: content changed since approval<\/td>/);
  assert.match(html, /<\/table><ul class="why fail"><li>missing: needs senior sign-off: an approval from a senior reviewer<\/li><\/ul><\/div>/);
  assert.match(html, /0 meet their requirement, 1 does not/);
});

test('no approvals, no review needed, nothing to judge, more commits and notes', () => {
  const none = commit({ review: 'none', tier: 'none', approvals: [], approvers: [], status: 'needs no review' });
  const html = signoffSection(result([none], { omitted: 3, notes: ['the policy <x>'], beforeCountersign: 1 }));
  assert.match(html, /<p>By Ada Author &#60;ada@example\.com&#62;\. Needs no sign-off\.<\/p>/);
  assert.match(html, /<p class="muted">No approvals yet\.<\/p>/);
  assert.match(html, /<li>3 commits older not shown: run the command for all\.<\/li>/);
  assert.match(html, /<li>1 commit before countersign&#39;s baseline: not judged\.<\/li>/);
  assert.match(html, /<li>note: the policy &#60;x&#62;<\/li>/);
  assert.match(signoffSection(result([])), /No commits to judge: the branch adds none over main\./);
});

test('hostile names, subjects and file names are escaped and invisible characters shown', () => {
  const hostile: ApprovalState = {
    ...SAM,
    who: 'Eve" onmouseover="alert(1)" \u202eevil\u202c <eve@example.com>',
    role: '<b>senior</b>',
    state: 'not-allowed',
    meaning: 'the policy does not grant the role it claims',
    counts: false,
    detail: '<img src=x onerror=alert(1)>.sql\nsecond line',
  };
  const html = signoffSection(result([commit({ subject: '<script>alert(1)</script>', approvals: [hostile] })]));
  assert.doesNotMatch(html, /<script|<img|<td><b>|onmouseover="|\u202e|\n/);
  assert.match(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62;/);
  assert.match(html, /<td class="who">Eve&#34; onmouseover=&#34;alert\(1\)&#34; \\u202eevil\\u202c &#60;eve@example\.com&#62;<\/td><td>&#60;b&#62;senior&#60;\/b&#62;<\/td>/);
  assert.match(html, /&#60;img src=x onerror=alert\(1\)&#62;\.sql\\u000asecond line/);
});

test('shown escapes markup and makes control and format characters visible', () => {
  assert.equal(shown(`a&b <c> "d" 'e'`), 'a&#38;b &#60;c&#62; &#34;d&#34; &#39;e&#39;');
  assert.equal(shown('zero\u200bwidth\ttab\u{e0041}'), 'zero\\u200bwidth\\u0009tab\\ue0041');
});
