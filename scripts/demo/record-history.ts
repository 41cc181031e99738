// Records the history the demo workspace opens with (examples/demo/history/demo-history.json):
// the real runner (`perf-pulse run`) on a scratch git copy of examples/demo, two runs of every
// benchmark per commit (so a shift in the machine's load between runs of one commit reads as
// the environment, not as the code), over commits that tell a story:
//   - json-roundtrip: the document grows a little with every commit (a drift towards its
//     budget: the forecast);
//   - sort-10k: commit REGRESSION_AT swaps in the slow sort (the SLOW switch of src/sort.js):
//     a regression on src/sort.js, confirmed by the runs after it.
// The records are then made shareable (no environment values, no absolute paths, the machine
// by its fingerprint, not its hostname: src/core/share/shareable.ts) and written in the
// history export format, which `perf-pulse import` reads back exactly.
//
//   npm run build && npx tsx scripts/demo/record-history.ts [--commits N]
//   npx tsx scripts/demo/record-history.ts --export-only SCRATCH   # write the file from a kept recording
//
// It takes a few minutes (each commit runs every benchmark several times). The timings are
// those of the machine that records them; runs are compared only within one machine, so the
// demo's own runs on another machine start their own series next to these.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shareableRecord } from '../../src/core/share/shareable';
import { HistoryStore } from '../../src/core/store/history-store';
import { jsonExportClose, jsonExportOpen } from '../../src/core/store/export-format';

const repo = join(__dirname, '../..');
const demo = join(repo, 'examples/demo');
const out = join(demo, 'history/demo-history.json');
const commitsArg = process.argv.indexOf('--commits');
const COMMITS = commitsArg > 0 ? Number(process.argv[commitsArg + 1]) : 12;
const RUNS_PER_COMMIT = 2;
const REGRESSION_AT = Math.round(COMMITS * 0.65);
/** json-roundtrip's document: this many items at the first commit, growing by ITEMS_STEP per commit. */
const ITEMS_START = 12_000;
const ITEMS_STEP = 800;

const exportOnly = process.argv.indexOf('--export-only');
const scratch = exportOnly > 0 ? process.argv[exportOnly + 1] : mkdtempSync(join(tmpdir(), 'perf-pulse-demo-'));
const work = join(scratch, 'demo');
const history = join(scratch, 'history');
const git = (...args: string[]) => execFileSync('git', args, { cwd: work, stdio: 'pipe' }).toString().trim();

function setItems(count: number): void {
  const file = join(work, 'bench/json.js');
  const text = readFileSync(file, 'utf8');
  const next = text.replace(/const ITEMS = [\d_]+;/, `const ITEMS = ${count.toLocaleString('en').replace(/,/g, '_')};`);
  if (next === text && !text.includes(`const ITEMS = ${count}`)) throw new Error('bench/json.js has no `const ITEMS = N;` line');
  writeFileSync(file, next);
}

async function record(): Promise<void> {
  cpSync(demo, work, { recursive: true, filter: (src) => !/[/\\](\.perfpulse|history|SLOW|dist)$/.test(src) });
  // Fewer runs per benchmark than the demo's own config: the history needs many commits, not
  // long runs of each.
  const config = readFileSync(join(work, 'perfpulse.json'), 'utf8').replace(/"minRuns": \d+, "maxRuns": \d+, "minTime": \d+/g, '"minRuns": 3, "maxRuns": 3, "minTime": 0.1');
  writeFileSync(join(work, 'perfpulse.json'), config);
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'demo@perf-pulse.invalid');
  git('config', 'user.name', 'Perf Pulse demo');
  for (let c = 0; c < COMMITS; c++) {
    setItems(ITEMS_START + c * ITEMS_STEP);
    let message = c === 0 ? 'demo: first version' : `json: ${ITEMS_STEP} more items in the document`;
    if (c === REGRESSION_AT) {
      writeFileSync(join(work, 'SLOW'), '');
      git('add', '-f', 'SLOW');
      message = 'sort: insertion sort for the first part of the input';
    }
    git('add', '-A');
    git('commit', '-q', '-m', message);
    for (let r = 0; r < RUNS_PER_COMMIT; r++) {
      execFileSync(process.execPath, [join(repo, 'dist/cli.js'), 'run', '--workspace', work, '--history', history], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    process.stderr.write(`commit ${c + 1}/${COMMITS} recorded\n`);
  }
}

/** The recorded runs, made shareable, in the history export format. */
async function exportRecording(): Promise<void> {
  const store = await HistoryStore.open(history);
  const records = [];
  for (const s of store.listSeries()) records.push(...(await store.readSeries(s.seriesId)).map((r) => shareableRecord(r, { workspaceDir: work })));
  await store.close();
  records.sort((a, b) => a.timestamp - b.timestamp || a.name.localeCompare(b.name));
  mkdirSync(join(demo, 'history'), { recursive: true });
  writeFileSync(out, jsonExportOpen() + records.map((r) => JSON.stringify(r)).join(',\n') + jsonExportClose());
  if (exportOnly < 0) rmSync(scratch, { recursive: true, force: true });
  process.stderr.write(`${records.length} records written to examples/demo/history/demo-history.json\n`);
}

async function main(): Promise<void> {
  if (exportOnly < 0) await record();
  await exportRecording();
}

main().catch((e) => {
  process.stderr.write(`record-history: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
