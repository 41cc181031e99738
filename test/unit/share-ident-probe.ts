// Run by share-leaks.test.ts inside a namespace of its own with a made-up hostname: syncs one
// record in a repository where git has no identity configured, then prints every object the
// remote holds, so that the test can search them for the hostname.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncHistory } from '../../src/core/share/sync';
import { git, makeGitWorld, MemoryHistory, record } from './share-fixture';

(async () => {
  const world = makeGitWorld();
  try {
    const a = world.clone('a');
    const head = git(a, 'rev-parse', 'HEAD');
    const home = mkdtempSync(join(tmpdir(), 'perf-pulse-home-'));
    const env = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: '1' };
    const report = await syncHistory(new MemoryHistory([record('r1', head, 'laptop')]), { workspaceDir: a, env });
    if (!report.pushed) throw new Error('nothing was pushed');
    process.stdout.write(execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: world.bare }));
  } finally {
    world.dispose();
  }
})().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
