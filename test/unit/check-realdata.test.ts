import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tempDir } from './check-fixture';

/**
 * `perf-pulse check` on real histories (test/fixtures/realdata-gab, see its README): all but the newest
 * entry imported, the newest entry checked. The histories carry regressions merged long ago; the gate
 * fails only when the newest entry itself moved.
 */

const root = join(__dirname, '../..');
const FIXTURES = join(__dirname, '../fixtures/realdata-gab');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI from source in its own Node process, as the bundled CLI runs. */
function cli(args: string[], cwd: string): Promise<Run> {
  const preload = ['--require', join(root, 'node_modules/tsx/dist/preflight.cjs'), '--import', pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href];
  const child = spawn(process.execPath, [...preload, join(root, 'src/cli/main.ts'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

interface GabEntry {
  commit: { id: string };
  benches: { name: string; value: number; unit: string }[];
}

function readDataJs(file: string): { data: Record<string, unknown>; suite: string; entries: GabEntry[] } {
  const text = readFileSync(file, 'utf8').replace(/^\s*window\.BENCHMARK_DATA\s*=\s*/, '').trim().replace(/;$/, '');
  const data = JSON.parse(text);
  const [suite] = Object.keys(data.entries);
  return { data, suite, entries: data.entries[suite] };
}

function writeDataJs(file: string, data: Record<string, unknown>, suite: string, entries: GabEntry[]): void {
  writeFileSync(file, `window.BENCHMARK_DATA = ${JSON.stringify({ ...data, entries: { [suite]: entries } })}\n`);
}

describe('perf-pulse check on real histories (spawned CLI): fails only when the newest entry moved', function () {
  this.timeout(120_000);

  // How much slower the test makes one series of the newest entry: enough to clear that history's run-to-run noise.
  const SLOWER: Record<string, number> = { 'mls-rs': 1.5, rune: 2 };
  for (const name of ['mls-rs', 'rune']) {
    describe(name, () => {
      let tmp: ReturnType<typeof tempDir>;
      let history: string;
      let newest: GabEntry;
      let parts: ReturnType<typeof readDataJs>;
      before(async () => {
        tmp = tempDir(`pp-real-${name}-`);
        history = join(tmp.dir, 'history');
        parts = readDataJs(join(FIXTURES, `${name}.data.js`));
        newest = parts.entries[parts.entries.length - 1];
        writeDataJs(join(tmp.dir, 'earlier.js'), parts.data, parts.suite, parts.entries.slice(0, -1));
        const imported = await cli(['import', 'earlier.js', '--this-machine', '--history', history], tmp.dir);
        assert.equal(imported.code, 0, imported.stderr);
      });
      after(() => tmp.dispose());

      function newestWith(file: string, scale: (bench: string) => number): void {
        const entry = { ...newest, benches: newest.benches.map((b) => ({ ...b, value: b.value * scale(b.name) })) };
        writeDataJs(join(tmp.dir, file), parts.data, parts.suite, [entry]);
      }

      it('the newest entry as published: exit 0; the old regressions are reported as standing, with their age', async () => {
        newestWith('newest.js', () => 1);
        const json = join(tmp.dir, 'as-is.json');
        const run = await cli(['check', '--history', history, '--no-record', '--json', json, 'newest.js'], tmp.dir);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.match(run.stdout, /\*\*Check passes\*\* \(--fail-on regression\): nothing new in the checked run; reported, not failing: \d+ standing findings?/);
        const report = JSON.parse(readFileSync(json, 'utf8'));
        assert.equal(report.summary.failing, 0);
        assert.ok(report.summary.standing >= 1, 'the history has regressions from earlier runs');
        for (const f of report.findings) assert.notEqual(f.status, 'new', f.message);
        for (const f of report.findings.filter((x: { status: string }) => x.status === 'standing')) assert.match(f.reason, /already in earlier runs: since \w{7}, \d+ days?, \d+ runs?/);

        const asked = await cli(['check', '--history', history, '--no-record', '--fail-on', 'regression,standing', 'newest.js'], tmp.dir);
        assert.equal(asked.code, 1, 'standing ones fail when asked for');
      });

      it(`the newest entry with one series made ${Math.round((SLOWER[name] - 1) * 100)}% slower: exit 1, on that series alone, as new`, async () => {
        const target = newest.benches[2].name;
        newestWith('slower.js', (bench) => (bench === target ? SLOWER[name] : 1));
        const json = join(tmp.dir, 'slower.json');
        const run = await cli(['check', '--history', history, '--no-record', '--json', json, 'slower.js'], tmp.dir);
        assert.equal(run.code, 1, run.stdout + run.stderr);
        const report = JSON.parse(readFileSync(json, 'utf8'));
        const failing = report.findings.filter((f: { status: string; kind: string }) => f.status === 'new' && f.kind !== 'improvement');
        assert.deepEqual(failing.map((f: { name: string }) => f.name), [target]);
        assert.match(failing[0].reason, /the checked run against \d+ earlier runs, beyond their run-to-run noise of [\d.]+%/);
        assert.equal(report.series.find((s: { name: string }) => s.name === target).decision, 'new');
      });

      it('the newest entry with one series made faster: exit 0', async () => {
        const target = newest.benches[2].name;
        newestWith('faster.js', (bench) => (bench === target ? 0.6 : 1));
        const run = await cli(['check', '--history', history, '--no-record', 'faster.js'], tmp.dir);
        assert.equal(run.code, 0, run.stdout + run.stderr);
      });
    });
  }

  it('mls-rs: the runner change that moved all 14 series at once is one environment change, not 14 regressions', async () => {
    const tmp = tempDir('pp-real-env-');
    try {
      const history = join(tmp.dir, 'history');
      assert.equal((await cli(['import', join(FIXTURES, 'mls-rs-runner-change.data.js'), '--history', history], tmp.dir)).code, 0);
      const json = join(tmp.dir, 'report.json');
      const run = await cli(['report', '--history', history, '--format', 'json', '--output', json], tmp.dir);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(readFileSync(json, 'utf8'));
      const env = report.environment.filter((e: { cause: string }) => e.cause === 'machine-wide');
      assert.ok(env.length >= 1, JSON.stringify(report.environment));
      const big = env.find((e: { series: string[] }) => e.series.length === 14);
      assert.ok(big, JSON.stringify(env.map((e: { message: string }) => e.message)));
      assert.match(big.message, /^14 of 14 series of this machine moved better together at e18b9c0: the environment/);
      assert.equal(report.summary.environment, 14);
      for (const f of report.findings) assert.equal(f.status, 'environment', f.message);
      for (const s of report.series) assert.equal(s.decision, 'environment', s.name);
      assert.deepEqual(report.improvements, [], 'not listed as 14 improvements of the code');
    } finally {
      tmp.dispose();
    }
  });
});
