/**
 * Large result files (`npm run bench`): JUnit XML of 50 MB, one dense (490,000 test cases, about
 * 100 bytes each) and one with the failure texts and captured output real reports carry (20,000
 * test cases), read by `parseFile` and imported by the CLI, each in a fresh process. Measures
 * throughput (MB/s of wall time and of CPU time) and the peak resident memory against the file
 * size. Targets: at least 10 MB/s and a peak under 5x the input, for parsing and for importing.
 * Writes bench/results/parse-large.json.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

const MB = 1024 * 1024;
const SIZE = Number(process.env.PARSE_BENCH_MB ?? 50) * MB;

function writeDense(file: string): void {
  const out = fs.openSync(file, 'w');
  fs.writeSync(out, '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n');
  let written = 0;
  for (let s = 0; written < SIZE; s++) {
    const parts = [`<testsuite name="suite${s}" tests="1000" time="1.5">\n`];
    for (let t = 0; t < 1000; t++) parts.push(`  <testcase classname="pkg.Class${s}" name="test_number_${t}" time="0.00${t % 10}" file="src/f${s}.py" line="${t + 1}"/>\n`);
    parts.push('</testsuite>\n');
    const chunk = parts.join('');
    fs.writeSync(out, chunk);
    written += chunk.length;
  }
  fs.writeSync(out, '</testsuites>\n');
  fs.closeSync(out);
}

function writeWithLogs(file: string): void {
  const out = fs.openSync(file, 'w');
  fs.writeSync(out, '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n');
  const log = 'INFO 2026-01-01T00:00:00Z worker-3 request handled in 12 ms &lt;ok&gt;\n'.repeat(30);
  let written = 0;
  for (let s = 0; written < SIZE; s++) {
    const parts = [`<testsuite name="suite${s}" time="3">\n<properties><property name="java.version" value="21"/></properties>\n`];
    for (let t = 0; t < 50; t++) {
      const failed = t % 10 === 0 ? `<failure message="expected 1 but was 2" type="AssertionError"><![CDATA[${'    at com.example.Foo.bar(Foo.java:42)\n'.repeat(20)}]]></failure>` : '';
      parts.push(`<testcase classname="com.example.Suite${s}" name="case ${t}" time="0.0${t % 10}">${failed}<system-out>${log}</system-out></testcase>\n`);
    }
    parts.push('</testsuite>\n');
    const chunk = parts.join('');
    fs.writeSync(out, chunk);
    written += chunk.length;
  }
  fs.writeSync(out, '</testsuites>\n');
  fs.closeSync(out);
}

interface Measured {
  wallMs: number;
  cpuMs: number;
  peakRssMB: number;
  out: string;
}

/** Runs a script in a fresh Node process; the preload reports its CPU time and peak RSS on exit. */
function measure(args: string[], report: string, preload: string): Measured {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--require', preload, ...args], { encoding: 'utf8', env: { ...process.env, PARSE_BENCH_REPORT: report }, maxBuffer: 1024 * MB });
  const wallMs = performance.now() - t;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const usage = JSON.parse(fs.readFileSync(report, 'utf8')) as { cpuMs: number; maxRssKB: number };
  return { wallMs, cpuMs: usage.cpuMs, peakRssMB: usage.maxRssKB / 1024, out: r.stdout.trim() };
}

function main(): void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-parse-bench-'));
  try {
    const preload = path.join(root, 'usage.js');
    fs.writeFileSync(
      preload,
      "process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeFileSync(process.env.PARSE_BENCH_REPORT, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssKB: u.maxRSS })); });\n",
    );
    const parser = path.join(root, 'parse.js');
    fs.writeFileSync(
      path.join(root, 'parse-entry.ts'),
      `import { parseFile } from ${JSON.stringify(path.join(__dirname, '../../src/core/parsers'))};\nparseFile(process.argv[2]).then((r) => console.log(r.measurements.length));\n`,
    );
    buildSync({ entryPoints: [path.join(root, 'parse-entry.ts')], outfile: parser, bundle: true, platform: 'node', format: 'cjs', logLevel: 'error', mainFields: ['module', 'main'] });
    const cli = path.join(root, 'cli.js');
    buildSync({ entryPoints: [path.join(__dirname, '../../src/cli/main.ts')], outfile: cli, bundle: true, platform: 'node', format: 'cjs', logLevel: 'error', mainFields: ['module', 'main'] });

    const files = [
      { name: 'dense (490k test cases)', file: path.join(root, 'dense.xml'), write: writeDense },
      { name: 'with logs and failures', file: path.join(root, 'logs.xml'), write: writeWithLogs },
    ];
    const rows: Array<{ what: string; value: string; note: string }> = [];
    const targets: Array<{ what: string; target: string; measured: string; met: boolean }> = [];
    for (const f of files) {
      f.write(f.file);
      const inputMB = fs.statSync(f.file).size / MB;
      const parsed = measure([parser, f.file], path.join(root, 'usage.json'), preload);
      const wallRate = inputMB / (parsed.wallMs / 1000);
      const cpuRate = inputMB / (parsed.cpuMs / 1000);
      const ratio = parsed.peakRssMB / inputMB;
      rows.push({ what: `parse ${inputMB.toFixed(1)} MB JUnit, ${f.name}`, value: `${(parsed.wallMs / 1000).toFixed(2)} s, ${wallRate.toFixed(1)} MB/s (CPU ${cpuRate.toFixed(1)} MB/s), peak RSS ${parsed.peakRssMB.toFixed(0)} MB (${ratio.toFixed(1)}x)`, note: `${parsed.out} measurements` });
      targets.push({ what: `parse throughput, ${f.name}`, target: '>= 10 MB/s', measured: `${wallRate.toFixed(1)} MB/s`, met: wallRate >= 10 });
      targets.push({ what: `parse peak memory, ${f.name}`, target: '< 5x input', measured: `${ratio.toFixed(1)}x (${parsed.peakRssMB.toFixed(0)} MB)`, met: ratio < 5 });

      const history = path.join(root, `history-${path.basename(f.file, '.xml')}`);
      const imported = measure([cli, 'import', f.file, '--history', history], path.join(root, 'usage.json'), preload);
      const importRate = inputMB / (imported.wallMs / 1000);
      const importRatio = imported.peakRssMB / inputMB;
      rows.push({ what: `perf-pulse import ${inputMB.toFixed(1)} MB JUnit, ${f.name}`, value: `${(imported.wallMs / 1000).toFixed(2)} s, ${importRate.toFixed(1)} MB/s (CPU ${(inputMB / (imported.cpuMs / 1000)).toFixed(1)} MB/s), peak RSS ${imported.peakRssMB.toFixed(0)} MB (${importRatio.toFixed(1)}x)`, note: 'streamed: parsed and appended a batch at a time (one all-or-nothing append), index written after' });
      targets.push({ what: `import throughput, ${f.name}`, target: '>= 10 MB/s', measured: `${importRate.toFixed(1)} MB/s`, met: importRate >= 10 });
      targets.push({ what: `import peak memory, ${f.name}`, target: '< 5x input', measured: `${importRatio.toFixed(1)}x (${imported.peakRssMB.toFixed(0)} MB)`, met: importRatio < 5 });
      fs.rmSync(history, { recursive: true, force: true });
      fs.rmSync(f.file, { force: true });
    }
    for (const r of rows) console.log(`| ${r.what} | ${r.value} | ${r.note} |`);
    for (const t of targets) console.log(`| ${t.what} | ${t.target} | ${t.measured} | ${t.met ? 'yes' : 'NO'} |`);
    const out = path.join(__dirname, '../../bench/results');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'parse-large.json'), JSON.stringify({ title: 'Large result files', rows, targets }, null, 2) + '\n');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main();
