// The differential profile on real repositories: one commit slows one function among several
// (Node, Python, Go); `perf-pulse profile NAME --rev BASE --json` must rank that function first
// and attribute at least 70% of the slowdown to it. Real git, real runtimes, real profilers.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { assertContract, makeFixtureRepo, runCli, type ContractDoc, type FixtureRepo } from './profile-fixture';

const cases = [
  { lang: 'node' as const, profiler: 'v8', slowed: 'checksum', file: 'work.js', line: 17 },
  { lang: 'python' as const, profiler: 'cprofile', slowed: 'checksum', file: 'work.py', line: 17 },
  { lang: 'go' as const, profiler: 'pprof', slowed: 'example.com/profilefixture.Checksum', file: 'work.go', line: 27 },
];

describe('perf-pulse profile --rev: the differential profile names the function that got slower', function () {
  this.timeout(300_000);
  for (const c of cases) {
    describe(c.lang, () => {
      let repo: FixtureRepo;
      before(() => {
        repo = makeFixtureRepo(c.lang);
      });
      after(() => repo.dispose());

      it(`ranks ${c.slowed} first with at least 70% of the slowdown`, async () => {
        const history = join(repo.dir, '..', 'history');
        const r = await runCli(['profile', 'work', '--rev', repo.base, '--json', '--history', history, '--workspace', repo.dir]);
        assert.equal(r.code, 0, r.stderr);
        const doc = JSON.parse(r.stdout) as ContractDoc;
        assertContract(doc, 'work', c.profiler, true);
        const top = doc.diff![0];
        // Printed for the record: the measured share of each language (see bench/RESULTS.md).
        console.log(`      ${c.lang}: ${top.name} ${top.file}:${top.line} +${(top.deltaSeconds * 1e3).toFixed(3)} ms, ${(top.shareOfDelta * 100).toFixed(1)}% of the slowdown`);
        assert.equal(top.name, c.slowed, JSON.stringify(doc.diff!.slice(0, 4)));
        assert.equal(top.file, c.file);
        if (c.line) assert.equal(top.line, c.line);
        assert.ok(top.shareOfDelta >= 0.7, `share ${top.shareOfDelta}`);
        // The profile is kept beside the history, and no worktree is left behind.
        assert.ok(existsSync(join(history, 'profiles')));
      });
    });
  }
});
