// The AI lines of a document from the server's `countersign/provenance` payload. Plain data
// only (no `vscode` import), so the rules are unit-tested with node:test.
//
// The payload lists AI character spans; the gutter marks lines. A line is AI's when an AI
// span covers a non-whitespace character of it, and when several AI origins share a line
// the one with the most such characters wins (the earliest on ties): the server's rule
// (`core/lines.py`), so the marks show exactly the lines the summary and the gate count.

/** How AI text arrived: the four kinds the server knows. */
export const KINDS = ['inline', 'chat', 'agent', 'suspected'] as const;
export type Kind = (typeof KINDS)[number];

/** Who wrote a span: the origin fields of the payload (`Origin.to_dict` on the server). */
export interface AiOrigin {
  kind: Kind;
  tool: string;
  model?: string;
  /** When it was written, seconds since the epoch. */
  at?: number;
  acknowledgedBy?: string;
}

interface Position {
  line: number;
  character: number;
}

export interface Span {
  start: Position;
  end: Position;
  origin: AiOrigin;
}

/** A `countersign/provenance` notification or answer, checked. */
export interface Provenance {
  uri: string;
  version: number;
  spans: Span[];
}

/** Consecutive lines `[first, last]` (0-based, inclusive) written by one origin. */
export interface LineRun {
  first: number;
  last: number;
  origin: AiOrigin;
}

/** The decoration style of an origin: its kind, dimmed once acknowledged. */
export type Style = Kind | `${Kind}-acknowledged`;

export const STYLES: readonly Style[] = KINDS.flatMap((kind): Style[] => [kind, `${kind}-acknowledged`]);

export function styleOf(origin: AiOrigin): Style {
  return origin.acknowledgedBy ? `${origin.kind}-acknowledged` : origin.kind;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

function position(value: unknown): Position | undefined {
  if (isObject(value) && isCount(value.line) && isCount(value.character)) {
    return { line: value.line, character: value.character };
  }
  return undefined;
}

/** The origin fields of a span, or undefined when they do not describe AI text. */
function origin(value: Record<string, unknown>): AiOrigin | undefined {
  const { kind, tool, model, at } = value;
  const acknowledgedBy = value.acknowledged_by ?? value.acknowledgedBy;
  if (!KINDS.includes(kind as Kind) || typeof tool !== 'string' || tool === '') {
    return undefined;
  }
  return {
    kind: kind as Kind,
    tool,
    ...(typeof model === 'string' && model ? { model } : {}),
    ...(typeof at === 'number' && at > 0 ? { at } : {}),
    ...(typeof acknowledgedBy === 'string' && acknowledgedBy ? { acknowledgedBy } : {}),
  };
}

function span(value: unknown): Span | undefined {
  if (!isObject(value) || !isObject(value.range)) {
    return undefined;
  }
  const start = position(value.range.start);
  const end = position(value.range.end);
  const who = origin(value);
  return start && end && who ? { start, end, origin: who } : undefined;
}

/**
 * The payload checked field by field; undefined when it is not one (no uri, version or
 * span list). Spans that are not AI spans with a range are left out, not fatal.
 */
export function parseProvenance(value: unknown): Provenance | undefined {
  if (!isObject(value) || typeof value.uri !== 'string' || !Number.isInteger(value.version) || !Array.isArray(value.spans)) {
    return undefined;
  }
  const spans: Span[] = [];
  for (const item of value.spans as unknown[]) {
    const parsed = span(item);
    if (parsed) {
      spans.push(parsed);
    }
  }
  return { uri: value.uri, version: value.version as number, spans };
}

/**
 * What to do with a payload: draw it, ask again (it describes another version than the
 * open document's: the user typed on), or ignore it (malformed, or the document is closed).
 */
export function triage(payload: Provenance | undefined, openVersion: number | undefined): 'draw' | 'ask' | 'ignore' {
  if (!payload || openVersion === undefined) {
    return 'ignore';
  }
  return payload.version === openVersion ? 'draw' : 'ask';
}

/** Whether two origins are the same (the server tells origins apart by every field). */
function sameOrigin(a: AiOrigin, b: AiOrigin): boolean {
  return a.kind === b.kind && a.tool === b.tool && a.model === b.model && a.at === b.at && a.acknowledgedBy === b.acknowledgedBy;
}

/** Whether a UTF-16 code unit is whitespace for Python's `str.isspace` (the server's test). */
function isSpace(c: number): boolean {
  if (c > 32 && c < 127) {
    return false;
  }
  return (
    c === 32 || (c >= 9 && c <= 13) || (c >= 28 && c <= 31) || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** Non-whitespace characters of `text[from, to)`, counted in code points. */
export function visibleChars(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = Math.max(0, from), end = Math.min(to, text.length); i < end; i++) {
    const c = text.charCodeAt(i);
    // The second half of a surrogate pair was counted with the first.
    if (!isSpace(c) && (c < 0xdc00 || c > 0xdfff)) {
      n++;
    }
  }
  return n;
}

const before = (a: Span, b: Span): number => a.start.line - b.start.line || a.start.character - b.start.character;

/**
 * The AI lines of a document, as runs of consecutive lines with the same origin.
 *
 * `lineText(n)` gives line `n` without its terminator; `lineCount` bounds the lines (a
 * payload may describe a few more or fewer lines than the text, while typing).
 * Characters are UTF-16 code units, VS Code's position encoding. One pass over the spans
 * in document order (the server sends them sorted), counting line by line: a large file
 * is done in a few milliseconds, with little garbage.
 */
export function aiLines(spans: readonly Span[], lineText: (line: number) => string, lineCount: number): LineRun[] {
  const inOrder = spans.every((span, i) => {
    const previous = spans[i - 1];
    return !previous || before(previous, span) <= 0;
  });
  const ordered = inOrder ? spans : [...spans].sort(before);
  const runs: LineRun[] = [];
  let line = -1;
  /** The origins on `line` so far and their visible characters, in order of appearance. */
  let tally: { origin: AiOrigin; n: number }[] = [];
  const finish = (): void => {
    let best: { origin: AiOrigin; n: number } | undefined;
    const entries = tally;
    tally = [];
    for (const entry of entries) {
      if (!best || entry.n > best.n) {
        best = entry;
      }
    }
    if (!best) {
      return;
    }
    const last = runs.at(-1);
    if (last?.last === line - 1 && sameOrigin(last.origin, best.origin)) {
      last.last = line;
    } else {
      runs.push({ first: line, last: line, origin: best.origin });
    }
  };
  for (const { start, end, origin: who } of ordered) {
    for (let n = Math.max(start.line, line); n <= Math.min(end.line, lineCount - 1); n++) {
      if (n !== line) {
        finish();
        line = n;
      }
      const text = lineText(n);
      const visible = visibleChars(text, n === start.line ? start.character : 0, n === end.line ? end.character : text.length);
      if (visible > 0) {
        const entry = tally.find((e) => sameOrigin(e.origin, who));
        if (entry) {
          entry.n += visible;
        } else {
          tally.push({ origin: who, n: visible });
        }
      }
    }
  }
  finish();
  return runs;
}

/** `claude-code (agent, anthropic/claude-sonnet-4-5)`: the server's `Origin.label`. */
export function label(o: AiOrigin): string {
  return `${o.tool} (${[o.kind, o.model].filter(Boolean).join(', ')})`;
}

/** `2026-11-28 14:02 UTC`, or undefined when the time is unknown. */
export function when(o: AiOrigin): string | undefined {
  if (o.at === undefined) {
    return undefined;
  }
  return `${new Date(o.at * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** One line about an origin: tool, kind and model, when, acknowledged by whom. */
export function describe(o: AiOrigin): string {
  const parts = [`written by ${label(o)}`];
  const at = when(o);
  if (at) {
    parts.push(`at ${at}`);
  }
  if (o.acknowledgedBy) {
    parts.push(`acknowledged by ${o.acknowledgedBy}`);
  }
  return parts.join(', ');
}
