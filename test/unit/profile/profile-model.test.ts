// The profile model, the call-graph unfolding, the differential ranking and the storage, on
// profiles built by hand (the decoders of real profiler output are tested in profile-cli).
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unfoldCallGraph, type GraphFunction } from '../../../src/core/profile/call-graph';
import { decodeCallgrind } from '../../../src/core/profile/callgrind';
import { diffHeadline, diffProfiles } from '../../../src/core/profile/diff';
import { goBenchSettings, goDurationSeconds, withBenchtime } from '../../../src/core/profile/go-bench';
import { functionCosts, functionShares, totalCost, type CallNode, type Profile } from '../../../src/core/profile/model';
import { fromSpeedscope, toSpeedscope } from '../../../src/core/profile/speedscope';
import { benchmarkFolder, listProfiles, loadProfile, saveProfile } from '../../../src/core/profile/store';
import { formatSeconds } from '../../../src/core/format';

const frames = [
  { name: 'main', file: 'main.js', line: 1 },
  { name: 'fib', file: 'fib.js', line: 3 },
  { name: 'leaf', file: 'leaf.js', line: 9 },
];
const node = (frame: number, self: number, children: CallNode[] = []): CallNode => ({ frame, self, children });
const profileOf = (roots: CallNode[]): Profile => ({ profiler: 'v8', unit: 'seconds', secondsPerUnit: 1, frames, roots });

describe('profile model', () => {
  it('counts a recursive function\'s total once per stack, its self time every time', () => {
    // main → fib → fib → leaf
    const p = profileOf([node(0, 1, [node(1, 2, [node(1, 3, [node(2, 4)])])])]);
    const byName = new Map(functionCosts(p).map((f) => [f.frame.name, f]));
    assert.equal(totalCost(p), 10);
    assert.deepEqual([byName.get('main')!.self, byName.get('main')!.total], [1, 10]);
    assert.deepEqual([byName.get('fib')!.self, byName.get('fib')!.total], [5, 9]);
    assert.deepEqual([byName.get('leaf')!.self, byName.get('leaf')!.total], [4, 4]);
    const shares = functionShares(p);
    assert.deepEqual(shares.map((s) => s.name), ['fib', 'leaf', 'main'], 'sorted by self share');
    assert.ok(shares.every((s) => s.selfShare >= 0 && s.totalShare <= 1));
  });

  it('unfolds a call graph into a tree without losing cost, and stops at recursion', () => {
    // main (self 1) calls fib (inclusive 9, of which 4 in leaf); fib calls itself.
    const graph = new Map<number, GraphFunction>([
      [0, { frame: 0, self: 1, inclusive: 10, callees: new Map([[1, 9]]), called: false }],
      [1, { frame: 1, self: 5, inclusive: 9, callees: new Map([[1, 7], [2, 4]]), called: true }],
      [2, { frame: 2, self: 4, inclusive: 4, callees: new Map(), called: true }],
    ]);
    const roots = unfoldCallGraph(graph, 10);
    assert.equal(roots.length, 1);
    assert.ok(Math.abs(totalCost({ roots }) - 10) < 1e-9, `total ${totalCost({ roots })}`);
    const fib = roots[0].children[0];
    assert.equal(fib.frame, 1);
    assert.deepEqual(fib.children.map((c) => c.frame), [2], 'the recursive edge is not unfolded');
  });

  it('reads callgrind\'s compressed names and relative positions', () => {
    const text = [
      '# callgrind format',
      'version: 1',
      'positions: line',
      'events: Ir',
      'fl=(1) /w/src/a.c',
      'fn=(1) main',
      '10 5',
      '+2 1',
      'cfn=(2) work',
      'calls=3 20',
      '* 90',
      'fn=(2)',
      '20 60',
      '+1 30',
      'cfn=(2)',
      'calls=1 20',
      '+1 7',
      '',
    ].join('\n');
    const p = decodeCallgrind([{ text, file: 'callgrind.out.1' }], '/w');
    const shares = new Map(functionShares(p).map((f) => [f.name, f]));
    assert.deepEqual([shares.get('work')!.file, shares.get('work')!.line], ['src/a.c', 20]);
    assert.deepEqual([shares.get('main')!.file, shares.get('main')!.line], ['src/a.c', 10]);
    assert.ok(Math.abs(shares.get('work')!.selfShare - 90 / 96) < 1e-9);
    assert.ok(Math.abs(shares.get('main')!.totalShare - 1) < 1e-9);
  });
});

describe('function identity', () => {
  it('keeps unnamed functions of one file apart by their line, and named ones together across lines', () => {
    const p: Profile = {
      profiler: 'v8',
      unit: 'seconds',
      secondsPerUnit: 1,
      frames: [{ name: '(anonymous)', file: 'a.js', line: 1 }, { name: '(anonymous)', file: 'a.js', line: 10 }, { name: 'f', file: 'a.js', line: 3 }],
      roots: [node(0, 1, [node(1, 5), node(2, 4)])],
    };
    const shares = functionShares(p);
    assert.deepEqual(shares.map((s) => [s.name, s.line, s.totalShare]), [['(anonymous)', 10, 0.5], ['f', 3, 0.4], ['(anonymous)', 1, 1]]);
  });
});

describe('differential profile', () => {
  it('ranks by growth of self time, shares of the growth between 0 and 1, faster functions apart', () => {
    const base = profileOf([node(0, 1, [node(1, 2), node(2, 3)])]);
    const head = profileOf([node(0, 1.1, [node(1, 4), node(2, 2.5)])]);
    const d = diffProfiles(base, head);
    assert.deepEqual(d.entries.map((e) => e.name), ['fib', 'main']);
    assert.ok(Math.abs(d.entries[0].deltaSeconds - 2) < 1e-9);
    assert.ok(Math.abs(d.entries[0].shareOfDelta - 2 / 2.1) < 1e-9);
    assert.ok(Math.abs(d.totalDeltaSeconds - 1.6) < 1e-9);
    assert.deepEqual(d.faster.map((e) => e.name), ['leaf']);
    assert.equal(diffHeadline(d, formatSeconds), 'most of it is in `fib` (fib.js:3): +2 s of +1.6 s');
  });

  it('matches a function whose line moved (the edit that slowed it)', () => {
    const base = profileOf([node(1, 1)]);
    const head: Profile = { ...profileOf([node(0, 3)]), frames: [{ name: 'fib', file: 'fib.js', line: 7 }] };
    const d = diffProfiles(base, head);
    assert.equal(d.entries.length, 1);
    assert.deepEqual([d.entries[0].name, d.entries[0].line, d.entries[0].deltaSeconds], ['fib', 7, 2]);
  });
});

describe('go test arguments for a fixed count of operations', () => {
  it('replaces -benchtime in every spelling and reads the target', () => {
    assert.deepEqual(withBenchtime(['-run', 'NONE', '-bench', '.', '-benchtime', '2s'], '50x'), ['-benchtime=50x', '-run', 'NONE', '-bench', '.']);
    assert.deepEqual(withBenchtime(['-test.benchtime=3s', '-count=4', '-bench=.'], '9x', 1), ['-benchtime=9x', '-count=1', '-bench=.']);
    assert.deepEqual(goBenchSettings(['-bench', '.', '-benchtime', '1m30s', '-count', '3']), { targetSeconds: 90, count: 3 });
    assert.deepEqual(goBenchSettings(['-bench', '.', '-benchtime=200x']), { targetSeconds: 1, count: 1, fixedIterations: 200 });
    assert.equal(goDurationSeconds('500ms'), 0.5);
    assert.equal(goDurationSeconds('fast'), undefined);
  });
});

describe('profile storage', () => {
  let history: string;
  beforeEach(() => {
    history = mkdtempSync(join(tmpdir(), 'perf-pulse-profile-store-'));
  });
  afterEach(() => rmSync(history, { recursive: true, force: true }));

  const sample = profileOf([node(0, 0.001, [node(1, 0.25, [node(2, 0.125)]), node(2, 0.5)])]);

  it('round-trips through speedscope with the same shares', () => {
    const doc = toSpeedscope(sample, 'b');
    assert.equal(doc.$schema, 'https://www.speedscope.app/file-format-schema.json');
    const back = fromSpeedscope(JSON.parse(JSON.stringify(doc)), 'b.json');
    assert.deepEqual(functionShares(back).map((f) => [f.name, f.selfShare.toFixed(6), f.totalShare.toFixed(6)]), functionShares(sample).map((f) => [f.name, f.selfShare.toFixed(6), f.totalShare.toFixed(6)]));
  });

  it('keeps the most recent profiles per benchmark as the history keeps raw samples, and drops old ones by age', async () => {
    const day = 86_400_000;
    const now = 1_800_000_000_000;
    for (let i = 0; i < 5; i++) await saveProfile(history, { benchmark: 'b', profiler: 'v8', timestamp: now - (4 - i) * day, per: 'run', commit: `c${i}` }, sample, { keepSamplesRuns: 3, maxAgeDays: 0 });
    let kept = await listProfiles(history, 'b');
    assert.equal(kept.length, 3);
    assert.deepEqual((await Promise.all(kept.map(loadProfile))).map((p) => p.meta.commit), ['c4', 'c3', 'c2'], 'newest first, oldest dropped');
    await saveProfile(history, { benchmark: 'b', profiler: 'v8', timestamp: now, per: 'run' }, sample, { keepSamplesRuns: 50, maxAgeDays: 1.5 });
    kept = await listProfiles(history, 'b');
    assert.equal(kept.length, 3, 'profiles older than a day and a half are gone');
  });

  it('keeps any benchmark name inside the profiles folder', async () => {
    const hostile = '../../escape';
    const file = await saveProfile(history, { benchmark: hostile, profiler: 'v8', timestamp: 1, per: 'run' }, sample, { keepSamplesRuns: 5, maxAgeDays: 0 });
    assert.ok(file.startsWith(join(history, 'profiles', benchmarkFolder(hostile))));
    assert.deepEqual(readdirSync(history), ['profiles']);
    assert.ok(!existsSync(join(history, '..', 'escape')));
    assert.equal((await loadProfile(file)).meta.benchmark, hostile);
  });
});
