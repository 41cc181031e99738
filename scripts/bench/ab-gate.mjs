// A/A and slowdown benchmark of `perf-pulse check` under background load that comes and goes.
//
// A scratch git repository holds two timed benchmarks (`sleep 0.02` and a Node loop of about
// 250 ms) and a CPU-bound native program (an awk loop) with the instruction-count metric. A CPU
// hog is switched on and off at random (seeded) during about half of the checks. Then:
//   history: N A/A `check` runs on one commit (each recorded), then checks of a commit that makes
//            the loop 50% slower against that history (not recorded)  → exit 1 counts
//   base:    N A/A `check --base main` on main, then `check --base main` of a 10% slower loop
//            (sequential by default: looks after 16, 32, 64 and 96 pairs; --base-runs N fixes N runs)
//   instructions: `check --base main` A/A and a 2% slower awk loop (the instruction verdict)
// Targets (issue: verdicts a team can gate a merge on): A/A ≤ 1 exit 1 in 100; the 50% (history)
// and 10% (base) slowdowns fail ≥ 9 of 10; instructions: A/A 0 fails, 2% slowdown 10 of 10.
// The parts run in the order instructions, history, base; results are written after every series.
// At full size it takes an hour or more on a 2-core machine, most of it the --base A/A checks (a
// Node loop of 250 ms, up to 96 pairs each when nothing changed): `npm run bench -- --only ab-gate --timeout 7200`.
//
// Options (or the environment variable in brackets):
//   --parts history,base,instructions   [AB_GATE_PARTS]   which parts to run (default all)
//   --aa N          [AB_GATE_AA]        A/A checks per part (default 100)
//   --instructions-aa N [AB_GATE_INSTRUCTIONS_AA] A/A checks of the instruction part (default 20, at most --aa)
//   --slow N        [AB_GATE_SLOW]      slowdown checks per part (default 10)
//   --base-runs N   [AB_GATE_BASE_RUNS] fixed runs per side in --base mode (default: none, the sequential default)
//   --seed N        [AB_GATE_SEED]      seed of the load generator (default 1)
//   --out FILE      [AB_GATE_OUT]       the result file (default bench/results/ab-gate.json)
// Needs the CLI bundle (dist/cli.js: `npm run build`, which `npm run bench` does first).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const cli = join(root, 'dist/cli.js');
const args = process.argv.slice(2);
const opt = (name, env, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : process.env[env] ?? fallback;
};
const parts = new Set(String(opt('parts', 'AB_GATE_PARTS', 'history,base,instructions')).split(',').map((s) => s.trim()));
const aaRuns = Number(opt('aa', 'AB_GATE_AA', 100));
const slowRuns = Number(opt('slow', 'AB_GATE_SLOW', 10));
const baseRunsText = opt('base-runs', 'AB_GATE_BASE_RUNS', undefined);
const baseRuns = baseRunsText === undefined ? undefined : Number(baseRunsText);
const baseMode = baseRuns === undefined ? 'sequential' : `${baseRuns} runs per side`;
const seed = Number(opt('seed', 'AB_GATE_SEED', 1));
const outFile = opt('out', 'AB_GATE_OUT', join(root, 'bench/results/ab-gate.json'));
const instructionAa = Number(opt('instructions-aa', 'AB_GATE_INSTRUCTIONS_AA', Math.min(20, aaRuns)));
if (!existsSync(cli)) {
  console.error(`ab-gate: ${cli} is missing: run npm run build first`);
  process.exit(2);
}

// mulberry32, as src/core/stats/random.ts
function seeded(s) {
  let state = s >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(seed);

// ---- the load generator: one CPU hog, paused and resumed at random -------------------------
const hog = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
hog.unref();
const signalHog = (sig) => {
  try {
    process.kill(hog.pid, sig);
  } catch {
    // gone already
  }
};
signalHog('SIGSTOP');
process.on('exit', () => signalHog('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/** During a loaded check the hog comes and goes: on/off phases of 0.1–1.5 s, starting at random. */
function startLoad() {
  let on = random() < 0.5;
  let timer;
  const flip = () => {
    signalHog(on ? 'SIGCONT' : 'SIGSTOP');
    on = !on;
    timer = setTimeout(flip, 100 + random() * 1400);
  };
  flip();
  return () => {
    clearTimeout(timer);
    signalHog('SIGSTOP');
  };
}

// ---- the scratch repository ------------------------------------------------------------------
const dir = mkdtempSync(join(os.tmpdir(), 'perf-pulse-ab-gate-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const git = (...a) => {
  const r = spawnSync('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', ...a], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${a.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};
writeFileSync(join(dir, 'loop.js'), "const n = Number(require('fs').readFileSync(__dirname + '/loop-work.txt', 'utf8'));\nlet s = 0;\nfor (let i = 0; i < n; i++) s += i % 7;\nif (s < 0) console.log(s);\n");
const awkScript = (n) => `BEGIN { for (i = 0; i < ${n}; i++) s += i % 7; if (s < 0) print s }\n`;
const AWK_WORK = 300_000;
writeFileSync(join(dir, 'work.awk'), awkScript(AWK_WORK));

/** Median of a few runs of a Node script that prints a number (CPU seconds it measured itself). */
function medianPrinted(script, n = 5) {
  const values = [];
  for (let i = 0; i < n; i++) values.push(Number(spawnSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' }).stdout.trim()));
  values.sort((a, b) => a - b);
  return values[Math.floor(n / 2)];
}
// Size the loop to about 250 ms of CPU and work out how much more work makes the whole command
// (Node's start-up included) a given share slower. CPU time, not wall time: sizing must not
// depend on how busy the machine is while the benchmark starts.
const startup = medianPrinted('const u = process.cpuUsage(); console.log((u.user + u.system) / 1e6)');
const perIteration = medianPrinted('const u0 = process.cpuUsage(); let s = 0; for (let i = 0; i < 2e7; i++) s += i % 7; const u = process.cpuUsage(u0); console.log((u.user + u.system) / 1e6 / 2e7 + (s < 0 ? 1 : 0))');
const loopWork = Math.round(Math.max(0.15, 0.25 - startup) / perIteration);
const loopTime = startup + loopWork * perIteration;
writeFileSync(join(dir, 'loop-work.txt'), String(loopWork));
const workFor = (slowdown) => Math.round(loopWork + (slowdown * loopTime) / perIteration);
console.log(`loop: ${loopWork} iterations, about ${(loopTime * 1e3).toFixed(0)} ms of CPU (Node start-up ${(startup * 1e3).toFixed(0)} ms)`);

const timedConfig = {
  benchmarks: [
    { name: 'sleep', command: 'sleep 0.02', runs: 10, warmup: 1 },
    { name: 'loop', command: [process.execPath, 'loop.js'], runs: 5, warmup: 1 },
  ],
};
const instructionConfig = {
  benchmarks: [{ name: 'awk', command: 'awk -f work.awk', runs: 10, warmup: 1, metrics: ['time', 'instructions'], instructionRuns: 2 }],
};
const setConfig = (config) => writeFileSync(join(dir, 'perfpulse.json'), JSON.stringify(config, null, 2));
setConfig(timedConfig);
writeFileSync(join(dir, '.gitignore'), 'out.json\n');
git('init', '-q', '-b', 'main');
git('add', '-A');
git('commit', '-qm', 'benchmarks');

// ---- one check, under load or not -------------------------------------------------------------
function check(argv) {
  return new Promise((resolve) => {
    const loaded = random() < 0.5;
    const stop = loaded ? startLoad() : () => {};
    const out = join(dir, 'out.json');
    rmSync(out, { force: true });
    const t0 = Date.now();
    const child = spawn(process.execPath, [cli, 'check', ...argv, '--json', out], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-2000)));
    child.on('close', (code) => {
      stop();
      let json;
      try {
        json = JSON.parse(readFileSync(out, 'utf8'));
      } catch {
        json = undefined;
      }
      resolve({ code, loaded, json, stderr, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

const rows = [];
const targets = [];

/** Runs `n` checks and tallies exit codes and verdicts; `pick` selects the verdict rows that count. */
async function series(label, n, argv, pick = () => true, before = () => {}) {
  const tally = { checks: n, exit1: 0, exit2: 0, loaded: 0, seconds: 0, verdicts: new Map(), ratios: [], pairs: [], failures: [] };
  const rowIndex = rows.length;
  rows.push(rowOf(label, 0, tally));
  for (let i = 0; i < n; i++) {
    before(i);
    const r = await check(argv);
    tally.seconds += r.seconds;
    if (r.loaded) tally.loaded++;
    if (r.code === 1) tally.exit1++;
    if (r.code === 2 || r.code === null) {
      tally.exit2++;
      console.error(`  ${label} #${i + 1}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`);
    }
    const comparisons = r.json?.comparisons ?? [];
    for (const c of comparisons.filter(pick)) {
      const key = `${c.benchmark}/${c.metric}${c.timeBasis ? `(${c.timeBasis})` : ''}: ${c.verdict}`;
      tally.verdicts.set(key, (tally.verdicts.get(key) ?? 0) + 1);
      if (typeof c.ratio === 'number') tally.ratios.push(c.ratio);
      if (c.timeBasis === 'cpu' && typeof c.pairs === 'number') tally.pairs.push(c.pairs);
    }
    if (r.code === 1) {
      const why = comparisons.length
        ? comparisons.filter((c) => c.failing).map((c) => `${c.benchmark}: ${c.message}`)
        : (r.json?.findings ?? []).filter((f) => f.kind !== 'improvement').map((f) => f.message ?? JSON.stringify(f));
      tally.failures.push(...why.slice(0, 2));
    }
    process.stdout.write(`  ${label} ${i + 1}/${n}: exit ${r.code}${r.loaded ? ' (loaded)' : ''} ${r.seconds.toFixed(1)} s\n`);
    // The figures so far, so that a run cut short still leaves the checks it made.
    rows.splice(rowIndex, 1, rowOf(label, i + 1, tally));
    writeResults(false);
  }
  rows.splice(rowIndex, 1, rowOf(label, n, tally));
  writeResults(false);
  return tally;
}

function rowOf(label, n, tally) {
  const sortedRatios = [...tally.ratios].sort((a, b) => a - b);
  const sortedPairs = [...tally.pairs].sort((a, b) => a - b);
  return {
    case: label,
    checks: n,
    'under load': tally.loaded,
    'exit 1': tally.exit1,
    'exit 2': tally.exit2,
    verdicts: [...tally.verdicts].map(([k, v]) => `${k} ×${v}`).join('; ') || '–',
    'median ratio': sortedRatios.length ? sortedRatios[Math.floor(sortedRatios.length / 2)].toFixed(3) : '–',
    'pairs (CPU rows)': sortedPairs.length ? `${sortedPairs[0]}–${sortedPairs[sortedPairs.length - 1]}, median ${sortedPairs[Math.floor(sortedPairs.length / 2)]}` : '–',
    's per check': n ? (tally.seconds / n).toFixed(1) : '–',
    'first failures': tally.failures.slice(0, 2).join(' / ').slice(0, 300) || '–',
  };
}

const started = Date.now();
const loadAtStart = os.loadavg()[0];
if (parts.has('instructions')) {
  console.log('instruction metric (check --base)');
  git('checkout', '-qb', 'awk');
  setConfig(instructionConfig);
  git('commit', '-qam', 'awk with instruction counts');
  const base = ['--base', 'awk', '--no-record'];
  const isInstr = (c) => c.metric === 'instructions';
  const aa = await series('--base instructions A/A', instructionAa, base, isInstr);
  const aaFails = (aa.verdicts.get('awk/instructions: slower') ?? 0) + (aa.verdicts.get('awk/instructions: faster') ?? 0);
  targets.push({ what: 'check --base, instructions A/A: instruction verdict slower/faster', target: '0', measured: `${aaFails} in ${instructionAa} (exit 1: ${aa.exit1})`, met: aaFails === 0 });
  git('checkout', '-qb', 'awk-slow');
  writeFileSync(join(dir, 'work.awk'), awkScript(Math.round(AWK_WORK * 1.02)));
  git('commit', '-qam', 'awk 2% more work');
  const slow = await series('--base: awk 2% more work (instructions)', slowRuns, base, isInstr);
  const caught = slow.verdicts.get('awk/instructions: slower') ?? 0;
  targets.push({ what: 'check --base, awk 2% slower: instruction verdict slower', target: '10 of 10', measured: `${caught} of ${slowRuns} (exit 1: ${slow.exit1})`, met: caught === slowRuns });
  git('checkout', '-q', 'main');
}

if (parts.has('history')) {
  console.log('history mode: A/A');
  const hist = ['--history', join(dir, 'history-h')];
  const aa = await series('history A/A (same commit)', aaRuns, [...hist]);
  targets.push({ what: 'check (history), A/A under load: exit 1', target: '≤ 1 in 100', measured: `${aa.exit1} in ${aaRuns}`, met: aa.exit1 / aaRuns <= 0.01 });
  git('checkout', '-qb', 'slow-50');
  writeFileSync(join(dir, 'loop-work.txt'), String(workFor(0.5)));
  git('commit', '-qam', 'loop 50% slower');
  const slow = await series('history: loop 50% slower', slowRuns, [...hist, '--no-record']);
  targets.push({ what: 'check (history), loop 50% slower: exit 1', target: '≥ 9 of 10', measured: `${slow.exit1} of ${slowRuns}`, met: slow.exit1 >= Math.ceil(0.9 * slowRuns) });
  // The same code at a new commit each time, as CI sees it: no earlier run of the checked commit to
  // call a shift "the environment", so the verdict rests on the comparison with earlier runs alone.
  git('checkout', '-q', 'main');
  git('checkout', '-qb', 'aa-commits');
  const fresh = await series('history A/A (unchanged code, a new commit per check)', aaRuns, [...hist], () => true, (i) => git('commit', '-q', '--allow-empty', '-m', `unchanged ${i + 1}`));
  targets.push({ what: 'check (history), A/A under load, a new commit per check: exit 1', target: '≤ 1 in 100', measured: `${fresh.exit1} in ${aaRuns}`, met: fresh.exit1 / aaRuns <= 0.01 });
  git('checkout', '-q', 'main');
}
if (parts.has('base')) {
  console.log('--base mode');
  const base = ['--base', 'main', '--no-record', ...(baseRuns === undefined ? [] : ['--runs', String(baseRuns)])];
  const aa = await series(`--base A/A (${baseMode})`, aaRuns, base);
  targets.push({ what: 'check --base, A/A under load: exit 1', target: '≤ 1 in 100', measured: `${aa.exit1} in ${aaRuns}`, met: aa.exit1 / aaRuns <= 0.01 });
  git('checkout', '-qb', 'slow-10');
  writeFileSync(join(dir, 'loop-work.txt'), String(workFor(0.1)));
  git('commit', '-qam', 'loop 10% slower');
  const slow = await series(`--base: loop 10% slower (${baseMode})`, slowRuns, base, (c) => c.benchmark === 'loop');
  targets.push({ what: 'check --base, loop 10% slower: exit 1', target: '≥ 9 of 10', measured: `${slow.exit1} of ${slowRuns}`, met: slow.exit1 >= Math.ceil(0.9 * slowRuns) });
  git('checkout', '-q', 'main');
}
/** Writes the results so far: a run cut short by the driver's timeout still leaves its figures. */
function writeResults(final) {
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(
    outFile,
    JSON.stringify(
      {
        title: 'Gating under load: A/A and slowdowns',
        rows,
        targets,
        notes: `Scratch repository: \`sleep 0.02\` (10 runs) and a Node loop of about ${(loopTime * 1e3).toFixed(0)} ms of CPU (5 runs) for history mode and --base (${baseMode}); an awk loop of ${AWK_WORK.toLocaleString('en-US')} iterations with \`"metrics": ["time", "instructions"]\` for the instruction metric. A CPU hog comes and goes at random (seeded ${seed}) during about half of the checks, on top of whatever else the machine runs (load ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end, on ${os.cpus().length} cores). Slowdowns are of the whole command (the loop's extra work is sized against Node's start-up). Parts: ${[...parts].join(', ')}; ${minutes} min${final ? '' : ' so far (not finished)'}.`,
      },
      null,
      2,
    ) + '\n',
  );
  return minutes;
}

const minutes = writeResults(true);
console.log(`\n${minutes} min`);
for (const r of rows) console.log(JSON.stringify(r));
for (const t of targets) console.log(`| ${t.what} | ${t.target} | ${t.measured} | ${t.met ? 'yes' : 'no'} |`);
process.exit(0);
