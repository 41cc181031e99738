// `npm run bench`: builds the production bundles, runs every benchmark script under
// scripts/bench/, and writes bench/RESULTS.md from the JSON files they leave in
// bench/results/ ({ title, rows: [...], targets: [{ what, target, measured, met }] }).
// A benchmark that fails is reported as failed and the others still run.
//
// Options: --only a,b (script names without extension)  --no-build  --timeout SECONDS (per script)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join, basename, extname } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
process.chdir(root);

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = opt('--only')?.split(',').map((s) => s.trim()).filter(Boolean);
const timeoutSeconds = Number(opt('--timeout') ?? 1800);

// The order is the order of the sections in RESULTS.md; scripts not listed run after these.
const PREFERRED = ['runner-vs-hyperfine', 'store', 'detect-quality', 'trends-paint', 'bundle-size', 'extension-host', 'trace-overhead'];
const SELF = 'all';

function discover() {
  const scripts = readdirSync('scripts/bench')
    .filter((f) => ['.mjs', '.ts'].includes(extname(f)) && statSync(join('scripts/bench', f)).isFile())
    .map((f) => ({ name: basename(f, extname(f)), file: join('scripts/bench', f) }))
    .filter((s) => s.name !== SELF);
  const rank = (n) => (PREFERRED.includes(n) ? PREFERRED.indexOf(n) : PREFERRED.length);
  scripts.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  return only ? scripts.filter((s) => only.includes(s.name)) : scripts;
}

/** Runs a command, streaming its output, keeping the tail of stderr for the report. */
function run(command, argv, timeoutMs) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, argv, { stdio: ['ignore', 'inherit', 'pipe'], detached: process.platform !== 'win32' });
    // The head says what went wrong (esbuild's "Could not resolve"), the tail how it ended.
    let errHead = '';
    let errTail = '';
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      if (errHead.length < 3000) errHead += chunk.toString();
      errTail = (errTail + chunk.toString()).slice(-2000);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // The whole process group: a benchmark may have started browsers or editors.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, error: err.message, seconds: (Date.now() - started) / 1000, errHead, errTail });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, seconds: (Date.now() - started) / 1000, errHead, errTail });
    });
  });
}

function machineFacts() {
  const cpus = os.cpus();
  return [
    ['CPU', (cpus[0]?.model ?? 'unknown').replace(/\s+/g, ' ').trim()],
    ['Cores', String(cpus.length)],
    ['Memory', `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`],
    ['OS', `${os.type()} ${os.release()} (${os.arch()})`],
    ['Node.js', process.version],
    ['Load average at start (1, 5, 15 min)', loadAtStart.map((l) => l.toFixed(2)).join(', ')],
    ['Date', new Date().toISOString()],
  ];
}

const cell = (v) => String(v ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
function table(header, rows) {
  return [`| ${header.map(cell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}
function rowsTable(rows) {
  if (!Array.isArray(rows) || rows.length === 0) return '_No rows._';
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r ?? {})))];
  return table(keys, rows.map((r) => keys.map((k) => (typeof r[k] === 'object' && r[k] !== null ? JSON.stringify(r[k]) : r[k]))));
}

/** The result files written since `since`, validated; a malformed one is reported, not fatal. */
function collectResults(since) {
  const dir = 'bench/results';
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && statSync(join(dir, f)).mtimeMs >= since)
    .map((f) => {
      const file = join(dir, f);
      try {
        const json = JSON.parse(readFileSync(file, 'utf8'));
        if (typeof json.title !== 'string' || !Array.isArray(json.rows)) throw new Error('needs "title" (string) and "rows" (array)');
        return { file, title: json.title, rows: json.rows, targets: Array.isArray(json.targets) ? json.targets : [], notes: json.notes };
      } catch (err) {
        return { file, title: f, rows: [], targets: [], problem: `${file}: ${err.message}` };
      }
    });
}

const startedAt = Date.now();
const loadAtStart = os.loadavg();
const facts = machineFacts();
const outcomes = [];
if (!args.includes('--no-build')) {
  console.log('\n== build:prod ==');
  const build = await run(process.execPath, ['scripts/build.mjs', '--production'], 10 * 60_000);
  outcomes.push({ name: 'build:prod', ...build });
}
// A failed build is reported; the scripts still run, since several measure the source, not the bundles.
for (const script of discover()) {
  console.log(`\n== ${script.name} ==`);
  const [command, argv] = script.file.endsWith('.ts') ? [process.execPath, ['--import', 'tsx', script.file]] : [process.execPath, [script.file]];
  outcomes.push({ name: script.name, ...(await run(command, argv, timeoutSeconds * 1000)) });
}

// With --only, the other sections keep their figures from the run that last wrote them (said below).
const results = collectResults(only ? 0 : startedAt);
const failed = outcomes.filter((o) => o.skipped || o.code !== 0);
const lines = ['# Perf Pulse benchmark results', '', 'Written by `npm run bench`. Every figure is measured in the same run as its reference, on this machine:', ''];
lines.push(table(['Machine', ''], facts), '');
const load1 = loadAtStart[0];
if (load1 > os.cpus().length) {
  lines.push(`⚠️ The machine was busy when the run started (load ${load1.toFixed(1)} on ${os.cpus().length} cores): timings are noisier and slower than on a quiet machine; the same-run references share that handicap.`, '');
}
if (only) {
  const earlier = results.filter((r) => statSync(r.file).mtimeMs < startedAt).map((r) => `${r.title} (${new Date(statSync(r.file).mtimeMs).toISOString().slice(0, 16).replace('T', ' ')} UTC)`);
  if (earlier.length) lines.push(`Rerun in this run: ${only.join(', ')}. From earlier runs on this machine: ${earlier.join('; ')}.`, '');
}
lines.push('## Targets', '');
const allTargets = results.flatMap((r) => r.targets.map((t) => [r.title, t.what, t.target, t.measured, t.met === true ? '✅ met' : t.met === false ? '❌ not met' : '–']));
lines.push(allTargets.length ? table(['Section', 'What', 'Target', 'Measured', 'Met'], allTargets) : '_No targets were measured._', '');
lines.push('## Benchmark scripts', '');
lines.push(
  table(
    ['Script', 'Outcome', 'Seconds'],
    outcomes.map((o) => [o.name, o.skipped ? `skipped: ${o.skipped}` : o.code === 0 ? 'ok' : o.timedOut ? `failed: timed out after ${timeoutSeconds} s` : `failed: ${o.error ?? (o.signal ? `signal ${o.signal}` : `exit code ${o.code}`)}`, o.seconds?.toFixed(1) ?? '–']),
  ),
  '',
);
for (const o of failed.filter((f) => f.errTail)) {
  const head = o.errHead.trim().split('\n').slice(0, 15);
  const tail = o.errTail.trim().split('\n').slice(-5);
  const shown = o.errHead.length <= 2000 && o.errHead === o.errTail ? o.errTail.trim().split('\n').slice(-20) : [...head, '…', ...tail];
  lines.push(`<details><summary>${o.name}: its error output</summary>`, '', '```', shown.join('\n'), '```', '', '</details>', '');
}
for (const r of results) {
  lines.push(`## ${r.title}`, '');
  if (r.problem) {
    lines.push(`Unreadable result file: ${r.problem}`, '');
    continue;
  }
  lines.push(rowsTable(r.rows), '');
  if (r.targets.length) lines.push(table(['Target', 'Wanted', 'Measured', 'Met'], r.targets.map((t) => [t.what, t.target, t.measured, t.met ? 'yes' : 'no'])), '');
  if (typeof r.notes === 'string') lines.push(r.notes, '');
}
mkdirSync('bench', { recursive: true });
writeFileSync('bench/RESULTS.md', lines.join('\n'));
console.log(`\nWrote bench/RESULTS.md: ${results.length} section(s), ${allTargets.length} target(s), ${failed.length} failed script(s).`);
process.exitCode = failed.length ? 1 : 0;
