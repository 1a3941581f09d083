// Unit tests of the inserted-text tracking (no VS Code needed): `npm test`.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Change, Insertions, insertedBy } from '../insertions';

const LINE = 'terraform destroy -auto-approve';

/** Apply changes to a string the way VS Code does (offsets in the text before the event). */
function applied(text: string, changes: readonly Change[]): string {
  let out = text;
  for (const c of [...changes].sort((a, b) => b.rangeOffset - a.rangeOffset)) {
    out = out.slice(0, c.rangeOffset) + c.text + out.slice(c.rangeOffset + c.rangeLength);
  }
  return out;
}

function track(text: string, ...events: Change[][]): { text: string; inserted: string[] } {
  const insertions = new Insertions(text);
  for (const changes of events) {
    insertions.apply(changes);
    text = applied(text, changes);
  }
  return { text, inserted: insertions.inserted.map(([s, e]) => text.slice(s, e)) };
}

test('an accept replacing what was typed counts only the new text', () => {
  const before = '# steps\nterr';
  const result = track(before, [{ rangeOffset: 8, rangeLength: 4, text: LINE }]);
  assert.equal(result.text, `# steps\n${LINE}`);
  assert.deepEqual(result.inserted, ['aform destroy -auto-approve']);
});

test('a plain insertion counts whole', () => {
  assert.deepEqual(track('ab', [{ rangeOffset: 1, rangeLength: 0, text: 'XYZ' }]).inserted, ['XYZ']);
});

test('several changes in one event use offsets from before the event', () => {
  const result = track('0123456789', [
    { rangeOffset: 8, rangeLength: 1, text: 'BBB' },
    { rangeOffset: 2, rangeLength: 0, text: 'AA' },
  ]);
  assert.equal(result.text, '01AA234567BBB9');
  assert.deepEqual(result.inserted, ['AA', 'BBB']);
});

test('later events move, cut and merge what was inserted before', () => {
  const result = track(
    'start end',
    [{ rangeOffset: 6, rangeLength: 0, text: 'inserted ' }],
    [{ rangeOffset: 0, rangeLength: 6, text: '' }], // delete text before it: it moves
    [{ rangeOffset: 2, rangeLength: 3, text: '' }], // delete inside it: it shrinks
    [{ rangeOffset: 6, rangeLength: 0, text: '+' }], // insert right after it: one piece
  );
  assert.equal(result.text, 'inted +end');
  assert.deepEqual(result.inserted, ['inted +']);
});

test('text replaced by the same text is not inserted', () => {
  assert.deepEqual(track('same', [{ rangeOffset: 0, rangeLength: 4, text: 'same' }]).inserted, []);
});

test('insertedBy takes every change whole, in the text after the event', () => {
  const changes = [
    { rangeOffset: 5, rangeLength: 2, text: 'xyz' },
    { rangeOffset: 0, rangeLength: 1, text: '' },
  ];
  const text = applied('abcdefgh', changes);
  assert.equal(text, 'bcdexyzh');
  assert.deepEqual(insertedBy(changes).map(([s, e]) => text.slice(s, e)), ['xyz']);
});
