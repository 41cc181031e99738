import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { mergeNoteLines, noteText, parseNote, recordLine, type NoteProblem } from '../../src/core/share/note-format';
import { record } from './share-fixture';

describe('share: note format', () => {
  it('writes a record canonically: id first, keys sorted, the same bytes whatever the key order', () => {
    const r = record('r1', 'abc', 'laptop');
    const shuffled = Object.fromEntries(Object.entries(r).reverse()) as typeof r;
    assert.equal(recordLine(r), recordLine(shuffled));
    assert.ok(recordLine(r).startsWith('{"id":"r1","direction":"smaller",'));
    assert.deepEqual(JSON.parse(recordLine(r)), r);
  });

  it('a note is sorted, de-duplicated by id, and newline-terminated', () => {
    const text = noteText([record('b', 'c', 'm'), record('a', 'c', 'm'), record('b', 'c', 'm')]);
    const lines = text.split('\n');
    assert.equal(lines.pop(), '');
    assert.deepEqual(lines.map((l) => JSON.parse(l).id), ['a', 'b']);
  });

  it('when two copies of a record differ, the fuller one wins, whichever order they come in', () => {
    const full = record('x', 'c', 'm');
    const thinned = { ...full, samples: undefined };
    const one = mergeNoteLines([recordLine(thinned), recordLine(full)], 'c');
    const two = mergeNoteLines([recordLine(full), recordLine(thinned)], 'c');
    assert.equal(one.text, two.text);
    assert.deepEqual(one.records[0].samples, full.samples);
  });

  it('keeps lines it cannot read and reports them with their line', () => {
    const problems: NoteProblem[] = [];
    const records = parseNote('c0ffee', `${recordLine(record('a', 'c', 'm'))}\n{broken\n{"v":1,"id":"no-fields"}\n`, problems);
    assert.deepEqual(records.map((r) => r.id), ['a']);
    assert.equal(problems.length, 2);
    assert.ok(problems.every((p) => p.commit === 'c0ffee' && p.line >= 1));
    assert.match(mergeNoteLines(['{broken', recordLine(record('a', 'c', 'm'))], 'c').text, /\{broken/);
  });

  it('merging is a union: commutative, idempotent, and loses no record (property)', () => {
    const ids = fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,8}$/), { maxLength: 12 });
    fc.assert(
      fc.property(ids, ids, (left, right) => {
        const l = noteText(left.map((id) => record(id, 'c', 'm')));
        const r = noteText(right.map((id) => record(id, 'c', 'm')));
        const lr = mergeNoteLines([...l.split('\n'), ...r.split('\n')], 'c');
        const rl = mergeNoteLines([...r.split('\n'), ...l.split('\n')], 'c');
        assert.equal(lr.text, rl.text);
        assert.equal(mergeNoteLines([...lr.text.split('\n'), ...l.split('\n')], 'c').text, lr.text);
        assert.deepEqual(lr.records.map((x) => x.id).sort(), [...new Set([...left, ...right])].sort());
      }),
      { numRuns: 200 },
    );
  });
});
