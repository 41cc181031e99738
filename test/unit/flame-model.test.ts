import { strict as assert } from 'node:assert';
import type { WireProfile } from '../../src/protocol/profile';
import { buildFlameTree, diffColours, fitLabel, functionRows, mergeDiff, moveFrom, partition, searchFrames, sortRows, walk } from '../../webview/src/flame-model';

/** main → { parse (3 self, calls tokenize 2), sortNumbers (4 self) }; main self 1; a recursive walk under sortNumbers. */
function profile(sortSelf = 4): WireProfile {
  return {
    profiler: 'v8',
    unit: 'seconds',
    secondsPerUnit: 1,
    timestamp: 0,
    frames: [
      { name: 'main', file: 'bench.js', line: 1 },
      { name: 'parse', file: 'work.js', line: 3 },
      { name: 'tokenize', file: 'work.js', line: 9 },
      { name: 'sortNumbers', file: 'work.js', line: 20 },
      { name: 'walk', file: 'work.js', line: 30 },
    ],
    roots: [
      {
        f: 0,
        s: 1,
        c: [
          { f: 1, s: 3, c: [{ f: 2, s: 2 }] },
          { f: 3, s: sortSelf, c: [{ f: 4, s: 1, c: [{ f: 4, s: 1 }] }] },
        ],
      },
    ],
  };
}

const byName = (root: ReturnType<typeof buildFlameTree>, name: string) => walk(root).find((n) => n.name === name)!;

describe('flame graph model', () => {
  it('builds the call tree with totals, heaviest callee first', () => {
    const root = buildFlameTree(profile());
    assert.equal(root.total, 12);
    const main = root.children[0];
    assert.equal(main.total, 12);
    assert.deepEqual(main.children.map((c) => [c.name, c.total]), [['sortNumbers', 6], ['parse', 5]]);
  });

  it('partitions the tree into rectangles proportional to time, and zooms into a frame', () => {
    const root = buildFlameTree(profile());
    const rects = partition(root);
    const rect = (name: string) => rects.find((r) => r.node.name === name)!;
    assert.deepEqual([rect('sortNumbers').x0, rect('sortNumbers').x1], [0, 0.5]);
    assert.deepEqual([rect('parse').x0, rect('parse').x1], [0.5, 0.5 + 5 / 12]);
    assert.equal(rect('tokenize').depth, 3);
    const zoomed = partition(root, byName(root, 'parse'));
    const parse = zoomed.find((r) => r.node.name === 'parse')!;
    assert.deepEqual([parse.x0, parse.x1, parse.ancestor], [0, 1, false]);
    assert.ok(zoomed.find((r) => r.node.name === 'main')!.ancestor, 'the caller stays above, full width, as the way back');
    assert.ok(!zoomed.some((r) => r.node.name === 'sortNumbers'), 'siblings of the focus are not drawn');
    const tokenize = zoomed.find((r) => r.node.name === 'tokenize')!;
    assert.deepEqual([tokenize.x0, tokenize.x1], [0, 0.4]);
    assert.ok(!partition(root, root, 0.2).some((r) => r.node.name === 'walk'), 'frames narrower than the minimum are left out');
  });

  it('highlights matching frames and says what share of the time they cover', () => {
    const root = buildFlameTree(profile());
    const { matches, share } = searchFrames(root, 'WALK');
    assert.deepEqual([...matches].map((n) => n.name), ['walk', 'walk']);
    assert.equal(share, 2 / 12, 'a recursive match is counted once');
    assert.equal(searchFrames(root, 'work.js').share, 11 / 12);
    assert.equal(searchFrames(root, '  ').matches.size, 0);
  });

  it('moves between caller, callee and siblings', () => {
    const root = buildFlameTree(profile());
    const sort = byName(root, 'sortNumbers');
    assert.equal(moveFrom(sort, 'parent')?.name, 'main');
    assert.equal(moveFrom(sort, 'child')?.name, 'walk');
    assert.equal(moveFrom(sort, 'next')?.name, 'parse');
    assert.equal(moveFrom(sort, 'previous'), undefined);
  });

  it('lists functions with self and total time, recursion counted once, sortable', () => {
    const rows = functionRows(buildFlameTree(profile()));
    const walkRow = rows.find((r) => r.name === 'walk')!;
    assert.deepEqual([walkRow.self, walkRow.total], [2, 2]);
    const main = rows.find((r) => r.name === 'main')!;
    assert.deepEqual([main.selfShare, main.totalShare], [1 / 12, 1]);
    assert.deepEqual(sortRows(rows, 'self', true).map((r) => r.name), ['sortNumbers', 'parse', 'tokenize', 'walk', 'main']);
    assert.deepEqual(sortRows(rows, 'name', false).map((r) => r.name), ['main', 'parse', 'sortNumbers', 'tokenize', 'walk']);
    assert.equal(rows[0].deltaSelf, undefined);
  });

  it('colours a differential graph red where time grew and blue where it shrank, by how much', () => {
    const base = profile(4);
    const head = profile(8);
    // In the head, parse lost 1 s of its own time.
    head.roots[0].c![0].s = 2;
    const root = mergeDiff(base, head);
    const colours = diffColours(root);
    assert.deepEqual(colours.get(byName(root, 'sortNumbers')), { kind: 'slower', intensity: 1 });
    assert.deepEqual(colours.get(byName(root, 'parse')), { kind: 'faster', intensity: 0.25 });
    assert.equal(colours.get(byName(root, 'tokenize'))!.kind, 'same');
    assert.equal(root.total, 15);
    assert.equal(root.baseTotal, 12);
    const rows = functionRows(root);
    assert.equal(sortRows(rows, 'delta', true)[0].name, 'sortNumbers');
    assert.equal(rows.find((r) => r.name === 'sortNumbers')!.deltaSelf, 4);
  });

  it('keeps paths only the base has, at zero width', () => {
    const base = profile();
    base.frames.push({ name: 'gone', file: 'old.js', line: 1 });
    base.roots[0].c!.push({ f: 5, s: 2 });
    const root = mergeDiff(base, profile());
    const gone = byName(root, 'gone');
    assert.deepEqual([gone.total, gone.baseTotal], [0, 2]);
    assert.ok(!partition(root).some((r) => r.node === gone));
  });

  it('fits labels into their rectangle', () => {
    assert.equal(fitLabel('sortNumbers', 200), 'sortNumbers');
    assert.equal(fitLabel('sortNumbers', 50), 'sortN…');
    assert.equal(fitLabel('sortNumbers', 15), '');
  });
});
