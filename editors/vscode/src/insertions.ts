// Which text of a document was inserted by a run of edits, followed across change events.
// Plain offsets and strings only: `capture.ts` feeds it VS Code's change events.

/** One content change as VS Code reports it: offsets in the text before the event. */
export interface Change {
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

/** [start, end) in the current text. */
export type Interval = [number, number];

/**
 * The text inserted since `start`, as intervals of the current text.
 *
 * Text a change re-inserts unchanged (the part of a suggestion the user had typed already,
 * which an accept replaces with itself) does not count as inserted.
 */
export class Insertions {
  private text: string;
  private intervals: Interval[] = [];

  constructor(text: string) {
    this.text = text;
  }

  /** Follow one change event (its changes do not overlap; offsets are before the event). */
  apply(changes: readonly Change[]): void {
    const sorted = [...changes].sort((a, b) => a.rangeOffset - b.rangeOffset);
    const added: Interval[] = [];
    let delta = 0;
    let next = '';
    let copied = 0;
    for (const change of sorted) {
      const removed = this.text.slice(change.rangeOffset, change.rangeOffset + change.rangeLength);
      const [prefix, suffix] = common(removed, change.text);
      const start = change.rangeOffset + delta;
      if (prefix + suffix < change.text.length) {
        added.push([start + prefix, start + change.text.length - suffix]);
      }
      next += this.text.slice(copied, change.rangeOffset) + change.text;
      copied = change.rangeOffset + change.rangeLength;
      delta += change.text.length - change.rangeLength;
    }
    this.text = next + this.text.slice(copied);
    this.intervals = merge([...this.intervals.map((i) => shift(i, sorted)), ...added]);
  }

  /** The inserted intervals, sorted and merged, without empty ones. */
  get inserted(): readonly Interval[] {
    return this.intervals;
  }
}

/** Where the text of one change event is now (no snapshot: all of it counts as inserted). */
export function insertedBy(changes: readonly Change[]): Interval[] {
  const sorted = [...changes].sort((a, b) => a.rangeOffset - b.rangeOffset);
  const out: Interval[] = [];
  let delta = 0;
  for (const change of sorted) {
    const start = change.rangeOffset + delta;
    out.push([start, start + change.text.length]);
    delta += change.text.length - change.rangeLength;
  }
  return merge(out);
}

/** Lengths of the common prefix and (non-overlapping) common suffix of two strings. */
function common(a: string, b: string): [number, number] {
  const limit = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < limit && a[prefix] === b[prefix]) {
    prefix++;
  }
  let suffix = 0;
  while (suffix < limit - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) {
    suffix++;
  }
  return [prefix, suffix];
}

/** Where an interval of the old text is after the changes; text they replaced drops out. */
function shift([start, end]: Interval, sorted: readonly Change[]): Interval {
  return [point(start, sorted, false), point(end, sorted, true)];
}

function point(offset: number, sorted: readonly Change[], isEnd: boolean): number {
  let delta = 0;
  for (const change of sorted) {
    const changeEnd = change.rangeOffset + change.rangeLength;
    if (offset < change.rangeOffset || (offset === change.rangeOffset && isEnd)) {
      break;
    }
    if (offset < changeEnd) {
      // Inside replaced text: a start moves past the new text, an end to its start.
      return change.rangeOffset + delta + (isEnd ? 0 : change.text.length);
    }
    delta += change.text.length - change.rangeLength;
  }
  return offset + delta;
}

function merge(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out: Interval[] = [];
  for (const [start, end] of sorted) {
    const last = out[out.length - 1];
    if (last && start <= last[1]) {
      last[1] = Math.max(last[1], end);
    } else {
      out.push([start, end]);
    }
  }
  return out;
}
