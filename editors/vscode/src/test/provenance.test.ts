// Unit tests of the AI lines drawn from `countersign/provenance` payloads (no VS Code needed).
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { aiLines, describe, type LineRun, parseProvenance, type Span, styleOf, triage, visibleChars } from '../provenance';

const at = (line: number, character: number) => ({ line, character });
const CLAUDE = { kind: 'agent', tool: 'claude-code', model: 'anthropic/claude-sonnet-4-5', at: 1_790_000_000 } as const;
const COPILOT = { kind: 'inline', tool: 'copilot' } as const;

function span(sl: number, sc: number, el: number, ec: number, origin: Span['origin'] = CLAUDE): Span {
  return { start: at(sl, sc), end: at(el, ec), origin };
}

function lines(text: string, spans: Span[]): [number, number, string][] {
  const rows = text.split('\n');
  return aiLines(spans, (n) => rows[n] ?? '', rows.length).map((r: LineRun) => [r.first, r.last, r.origin.tool]);
}

test('a payload is checked field by field; bad spans are left out', () => {
  const payload = parseProvenance({
    uri: 'file:///a.py',
    version: 3,
    spans: [
      { range: { start: at(0, 0), end: at(0, 5) }, kind: 'agent', tool: 'codex', acknowledged_by: 'Ada <ada@example.com>' },
      { range: { start: at(1, 0), end: at(1, 2) }, kind: 'human', tool: 'x' },
      { range: { start: at(1, -1), end: at(1, 2) }, kind: 'chat', tool: 'x' },
      { kind: 'chat', tool: 'x' },
      null,
    ],
  });
  assert.deepEqual(payload, {
    uri: 'file:///a.py',
    version: 3,
    spans: [{ start: at(0, 0), end: at(0, 5), origin: { kind: 'agent', tool: 'codex', acknowledgedBy: 'Ada <ada@example.com>' } }],
  });
  for (const bad of [null, 'x', {}, { uri: 'file:///a', version: 1.5, spans: [] }, { uri: 'file:///a', version: 1 }]) {
    assert.equal(parseProvenance(bad), undefined, JSON.stringify(bad));
  }
});

test('a line is AI when an AI span covers a non-whitespace character of it', () => {
  const text = 'def f():\n    return 1\n\n    \nx = 2';
  // From the end of line 0 (only the line break) to the end of line 4.
  assert.deepEqual(lines(text, [span(0, 8, 4, 5)]), [[1, 1, 'claude-code'], [4, 4, 'claude-code']]);
  // Only the indentation of line 1: not AI.
  assert.deepEqual(lines(text, [span(1, 0, 1, 4)]), []);
});

test('consecutive lines with the same origin are one run; another origin starts a new one', () => {
  const text = 'a\nb\nc\nd\ne';
  assert.deepEqual(lines(text, [span(0, 0, 2, 1), span(3, 0, 4, 1, COPILOT)]), [[0, 2, 'claude-code'], [3, 4, 'copilot']]);
});

test('on a shared line the origin with the most visible characters wins, the first on ties', () => {
  const text = 'abc defgh';
  assert.deepEqual(lines(text, [span(0, 0, 0, 3, COPILOT), span(0, 3, 0, 9)]), [[0, 0, 'claude-code']]);
  assert.deepEqual(lines('ab cd', [span(0, 0, 0, 2, COPILOT), span(0, 2, 0, 5)]), [[0, 0, 'copilot']]);
});

test('characters are UTF-16 units; an astral character counts once', () => {
  assert.equal(visibleChars('a😀 b', 0, 5), 3);
  assert.deepEqual(lines('x = "😀"\ny', [span(0, 4, 0, 6, COPILOT), span(0, 0, 0, 1)]), [[0, 0, 'copilot']]);
});

test('lines past the end of the text are ignored (a payload while typing)', () => {
  assert.deepEqual(lines('a\nb', [span(1, 0, 5, 1)]), [[1, 1, 'claude-code']]);
});

test('acknowledged lines have their own style; the description names tool, model, time and reviewer', () => {
  assert.equal(styleOf(CLAUDE), 'agent');
  assert.equal(styleOf({ ...COPILOT, acknowledgedBy: 'Ada' }), 'inline-acknowledged');
  assert.equal(
    describe({ ...CLAUDE, acknowledgedBy: 'Ada' }),
    'written by claude-code (agent, anthropic/claude-sonnet-4-5), at 2026-09-21 14:13 UTC, acknowledged by Ada',
  );
  assert.equal(describe(COPILOT), 'written by copilot (inline)');
});

test('a payload is drawn for the open version, asked again for another, ignored for a closed document', () => {
  const payload = parseProvenance({ uri: 'file:///a.py', version: 4, spans: [] });
  assert.equal(triage(payload, 4), 'draw');
  assert.equal(triage(payload, 5), 'ask');
  assert.equal(triage(payload, undefined), 'ignore');
  assert.equal(triage(parseProvenance({ uri: 'file:///a.py' }), 4), 'ignore');
});

test('spans out of order are sorted first: a tie goes to the origin earlier on the line', () => {
  const text = 'ab cd\nef';
  const spans = [span(1, 0, 1, 2, COPILOT), span(0, 2, 1, 0, COPILOT), span(0, 0, 0, 2)];
  assert.deepEqual(lines(text, spans), [[0, 0, 'claude-code'], [1, 1, 'copilot']]);
});
