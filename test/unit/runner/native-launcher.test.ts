import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchmark } from '../../../src/core/runner';
import { launchOnce } from '../../../src/core/runner/launch';
import { encodeRunRequest, parseLauncherReply } from '../../../src/core/runner/launcher-protocol';
import { LauncherServer } from '../../../src/core/runner/launcher-server';
import { ensureLauncher, resetLauncherForTests, type LauncherChoice } from '../../../src/core/runner/native-launcher';
import { isAlive } from '../../../src/core/runner/proc';
import { waitFor } from './wait';

const hasCompiler = process.platform !== 'win32' && ['cc', 'gcc', 'clang'].some((cc) => spawnSync(cc, ['--version']).status === 0);

/** Every reply line of a serving launcher, with when it arrived (ms, performance.now()). */
function replyArrivals(child: { stdout: Readable }): Array<{ line: string; at: number }> {
  const arrivals: Array<{ line: string; at: number }> = [];
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      arrivals.push({ line: text.slice(0, nl), at: performance.now() });
      text = text.slice(nl + 1);
    }
  });
  return arrivals;
}

describe('runner: the native launcher', function () {
  this.timeout(60_000);
  let cache: string;
  let dir: string;
  let launcher: Extract<LauncherChoice, { kind: 'native' }>;
  let server: LauncherServer | undefined;

  before(async function () {
    if (!hasCompiler) this.skip();
    cache = mkdtempSync(join(tmpdir(), 'pp-launcher-cache-'));
    resetLauncherForTests();
    const choice = await ensureLauncher({ ...process.env, PERF_PULSE_CACHE_DIR: cache, PERF_PULSE_LAUNCHER: undefined });
    resetLauncherForTests();
    assert.equal(choice.kind, 'native', choice.kind === 'node' ? choice.reason : '');
    launcher = choice as typeof launcher;
  });
  after(() => {
    if (cache) rmSync(cache, { recursive: true, force: true });
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-launcher-'));
  });
  afterEach(() => {
    server?.dispose();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('is built once into the cache folder under a name from its source, and reused', async () => {
    const files = readdirSync(cache);
    assert.deepEqual(files, [launcher.path.slice(cache.length + 1)], 'only the launcher is left, no source or temporary file');
    assert.match(files[0], /^launcher-[a-z0-9]+-[a-z0-9_]+-[0-9a-f]{12}$/);
    const built = statSync(launcher.path).mtimeMs;
    resetLauncherForTests();
    const again = await ensureLauncher({ ...process.env, PERF_PULSE_CACHE_DIR: cache });
    resetLauncherForTests();
    assert.deepEqual(again, launcher);
    assert.equal(statSync(launcher.path).mtimeMs, built);
  });

  it('is not used when PERF_PULSE_LAUNCHER=node, and says why', async () => {
    resetLauncherForTests();
    const choice = await ensureLauncher({ ...process.env, PERF_PULSE_CACHE_DIR: cache, PERF_PULSE_LAUNCHER: 'node' });
    resetLauncherForTests();
    assert.deepEqual(choice, { kind: 'node', reason: 'PERF_PULSE_LAUNCHER=node is set' });
  });

  it('serves many runs from one process: exit codes, signals, missing programs and directories', async () => {
    server = new LauncherServer(launcher.path);
    const env = process.env;
    const ok = await server.run({ file: '/bin/sh', args: ['-c', 'exit 0'], cwd: dir, env });
    assert.equal(ok.exitCode, 0);
    assert.equal(ok.launcher, 'native');
    assert.ok(ok.wall > 0 && ok.wall < ok.wallFromSpawn, `wall ${ok.wall} within the round trip ${ok.wallFromSpawn}`);
    const three = await server.run({ file: '/bin/sh', args: ['-c', 'exit 3'], cwd: dir, env });
    assert.equal(three.exitCode, 3);
    const killed = await server.run({ file: '/bin/sh', args: ['-c', 'kill -TERM $$'], cwd: dir, env });
    assert.equal(killed.exitCode, null);
    assert.equal(killed.signal, 'SIGTERM');
    const missing = await server.run({ file: join(dir, 'nope'), args: [], cwd: dir, env });
    assert.match(missing.startError ?? '', /ENOENT/);
    const noDir = await server.run({ file: '/bin/sh', args: ['-c', 'exit 0'], cwd: join(dir, 'gone'), env });
    assert.match(noDir.startError ?? '', /cannot enter .*gone/);
    const after = await server.run({ file: '/bin/sh', args: ['-c', 'exit 5'], cwd: dir, env });
    assert.equal(after.exitCode, 5, 'a failed start does not break the launcher');
  });

  it('passes the working directory, arguments with spaces and the environment, and appends stderr to a file', async () => {
    server = new LauncherServer(launcher.path);
    const errFile = join(dir, 'err.log');
    const r = await server.run({
      file: '/bin/sh',
      args: ['-c', 'pwd >&2; printf "%s|" "$1" "$PP_TEST" >&2', 'sh', 'one two'],
      cwd: dir,
      env: { PATH: process.env.PATH, PP_TEST: 'x=y é' },
      stderrPath: errFile,
    });
    assert.equal(r.exitCode, 0);
    const text = readFileSync(errFile, 'utf8');
    assert.equal(text, `${dir}\none two|x=y é|`);
  });

  it('measures CPU exactly and the peak memory of the program', async () => {
    server = new LauncherServer(launcher.path);
    const r = await server.run({
      file: process.execPath,
      args: ['-e', 'const b = Buffer.alloc(150 * 1024 * 1024, 1); const t = Date.now(); while (Date.now() - t < 200) {} if (!b[5]) process.exit(9)'],
      cwd: dir,
      env: process.env,
    });
    assert.equal(r.exitCode, 0);
    assert.ok(r.user! + r.system! >= 0.17, `cpu ${r.user} + ${r.system}`);
    assert.ok(r.user! <= r.wall + 0.05, `user ${r.user} within wall ${r.wall}`);
    assert.ok(r.peakRssBytes! >= 150 * 1024 * 1024, `peak ${r.peakRssBytes}`);
  });

  it('kills the whole tree on timeout and on cancel, and keeps serving', async () => {
    server = new LauncherServer(launcher.path);
    const pidFile = join(dir, 'pids');
    const slow = await server.run({ file: '/bin/sh', args: ['-c', `sleep 30 & echo $! > ${pidFile}; echo $$ >> ${pidFile}; wait`], cwd: dir, env: process.env, timeoutMs: 400 });
    assert.equal(slow.timedOut, true);
    assert.equal(slow.signal, 'SIGKILL');
    assert.ok(slow.wall < 5, `stopped after ${slow.wall} s`);
    const pids = readFileSync(pidFile, 'utf8').split(/\s+/).filter(Boolean).map(Number);
    assert.equal(pids.length, 2);
    // SIGKILL is delivered at once but a process takes a moment to die.
    assert.ok(await waitFor(() => pids.every((pid) => !isAlive(pid)), 2000), `processes left running: ${pids.filter(isAlive).join(' ')}`);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const cancelled = await server.run({ file: '/bin/sleep', args: ['30'], cwd: dir, env: process.env, signal: controller.signal });
    assert.equal(cancelled.cancelled, true);
    const next = await server.run({ file: '/bin/sh', args: ['-c', 'exit 0'], cwd: dir, env: process.env });
    assert.equal(next.exitCode, 0);
  });

  it('times sleep 0.05 from spawn to reaping, and keeps a program’s stdout in one-shot mode', async () => {
    server = new LauncherServer(launcher.path);
    const walls: number[] = [];
    for (let i = 0; i < 5; i++) walls.push((await server.run({ file: '/bin/sleep', args: ['0.05'], cwd: dir, env: process.env })).wall);
    assert.ok(Math.min(...walls) >= 0.05, `a 50 ms sleep cannot take ${Math.min(...walls)}`);
    const oneShot = await launchOnce({ file: '/bin/sh', args: ['-c', 'echo hello; exit 4'], cwd: dir, env: process.env, captureStdout: true, launcher });
    assert.equal(oneShot.launcher, 'native');
    assert.equal(oneShot.stdout, 'hello\n');
    assert.equal(oneShot.exitCode, 4);
  });

  it('reports a pid only once the program has run 20 ms or ended, so the caller sleeps through short runs', async function () {
    if (process.platform !== 'linux') this.skip(); // elsewhere the pid comes at once
    const child = spawn(launcher.path, ['--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const arrivals = replyArrivals(child);
      const runOnce = async (argv: string[]) => {
        arrivals.length = 0;
        const sent = performance.now();
        child.stdin.write(encodeRunRequest(argv[0], argv.slice(1), dir, process.env, '')!);
        await waitFor(() => arrivals.some((a) => a.line.startsWith('done')), 10_000);
        const pid = arrivals.find((a) => a.line.startsWith('pid'));
        const done = arrivals.find((a) => a.line.startsWith('done'))!;
        assert.ok(pid && arrivals.indexOf(pid) < arrivals.indexOf(done), `pid before done: ${JSON.stringify(arrivals)}`);
        return { pidAfterMs: pid.at - sent, doneAfterMs: done.at - sent };
      };
      const long = await runOnce(['/bin/sleep', '0.3']);
      assert.ok(long.pidAfterMs >= 20, `pid after ${long.pidAfterMs} ms`);
      assert.ok(long.doneAfterMs - long.pidAfterMs >= 100, `pid at ${long.pidAfterMs} ms is reported while the program runs, done at ${long.doneAfterMs} ms`);
      const short = await runOnce(['/bin/sh', '-c', 'exit 0']);
      assert.ok(short.doneAfterMs - short.pidAfterMs < 20, `a short run's pid comes with its end: ${JSON.stringify(short)}`);
    } finally {
      child.kill();
    }
  });

  it('runs a batch of short runs back to back and reports them together once the last has ended', async function () {
    if (process.platform !== 'linux') this.skip(); // elsewhere every pid is reported at once, which ends a batch
    const child = spawn(launcher.path, ['--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const arrivals = replyArrivals(child);
      const count = 20;
      const sent = performance.now();
      child.stdin.write(encodeRunRequest('/bin/sh', ['-c', 'exit 0'], dir, process.env, '', count)!);
      assert.ok(await waitFor(() => arrivals.some((a) => a.line === 'end'), 10_000), `no end: ${JSON.stringify(arrivals)}`);
      const ended = arrivals.find((a) => a.line === 'end')!.at;
      const done = arrivals.filter((a) => a.line.startsWith('done'));
      assert.equal(done.length, count);
      const walls = done.map((d) => parseLauncherReply(d.line)).map((r) => (r?.kind === 'done' ? r.wallNs / 1e6 : NaN));
      const measured = walls.reduce((a, b) => a + b, 0);
      // Reported one by one, the replies would arrive spread over the runs after the first.
      const spread = done[done.length - 1].at - done[0].at;
      assert.ok(spread < (measured - walls[0]) / 2, `replies arrived over ${spread.toFixed(2)} ms of ${measured.toFixed(2)} ms of runs`);
      // Back to back: the pause comes once, before the first run, not before each (1 ms each).
      const between = ended - sent - measured;
      assert.ok(between < count * 1, `${between.toFixed(2)} ms besides the runs themselves`);
    } finally {
      child.kill();
    }
  });

  it('ends a batch after a run long enough to report its pid, and when cancelled', async function () {
    if (process.platform !== 'linux') this.skip();
    server = new LauncherServer(launcher.path);
    const long = await server.runBatch({ file: '/bin/sleep', args: ['0.04'], cwd: dir, env: process.env }, 5);
    assert.equal(long.length, 1, 'the caller was woken by the pid: the next run waits for its next request');
    assert.ok(long[0].wall >= 0.04 && long[0].exitCode === 0);
    const short = await server.runBatch({ file: '/bin/sh', args: ['-c', 'exit 0'], cwd: dir, env: process.env }, 5);
    assert.equal(short.length, 5);
    assert.ok(short.every((r) => r.exitCode === 0 && r.wall > 0 && !r.cancelled));
    const timed = await server.runBatch({ file: '/bin/sh', args: ['-c', 'exit 0'], cwd: dir, env: process.env, timeoutMs: 5000 }, 5);
    assert.equal(timed.length, 1, 'a run with a timeout is a batch of its own');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 60);
    const cancelled = await server.runBatch({ file: '/bin/sleep', args: ['0.015'], cwd: dir, env: process.env, signal: controller.signal }, 100);
    assert.ok(cancelled.length < 50, `${cancelled.length} runs after a cancel at 60 ms`);
    assert.equal(cancelled[cancelled.length - 1].cancelled, true);
    const next = await server.run({ file: '/bin/sh', args: ['-c', 'exit 6'], cwd: dir, env: process.env });
    assert.equal(next.exitCode, 6, 'a stop that came after its batch is ignored');
  });

  it('kills the running program’s tree when its caller dies before it heard the pid', async function () {
    if (process.platform !== 'linux') this.skip(); // the parent-death signal is Linux's
    // A caller that starts a run and is killed (no exit hooks run) as soon as the program is up:
    // before the launcher's pid reply at 20 ms, so it never knew what to stop.
    const pidFile = join(dir, 'pids');
    const caller = `
      const { spawn } = require('node:child_process');
      const { existsSync } = require('node:fs');
      const launcher = spawn(process.env.LAUNCHER, ['--serve'], { stdio: ['pipe', 'ignore', 'inherit'] });
      launcher.stdin.write(Buffer.from(process.env.REQUEST, 'base64'));
      const poll = setInterval(() => { if (existsSync(process.env.PID_FILE)) process.kill(process.pid, 'SIGKILL'); }, 1);`;
    const request = encodeRunRequest('/bin/sh', ['-c', `sleep 30 & echo $! > '${pidFile}'; wait`], dir, process.env, '')!;
    const child = spawn(process.execPath, ['-e', caller], {
      stdio: 'inherit',
      env: { ...process.env, LAUNCHER: launcher.path, REQUEST: request.toString('base64'), PID_FILE: pidFile },
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, s) => resolve(s)));
    assert.equal(signal, 'SIGKILL');
    assert.ok(await waitFor(() => readFileSync(pidFile, 'utf8').trim() !== '', 2000));
    const sleepPid = Number(readFileSync(pidFile, 'utf8').trim());
    try {
      assert.ok(await waitFor(() => !isAlive(sleepPid), 3000), 'the program’s background sleep was left running');
    } finally {
      if (isAlive(sleepPid)) process.kill(sleepPid, 'SIGKILL');
    }
  });

  it('reports a launcher that died instead of hanging', async () => {
    server = new LauncherServer(launcher.path);
    const first = await server.run({ file: '/bin/sh', args: ['-c', 'exit 0'], cwd: dir, env: process.env });
    assert.equal(first.exitCode, 0);
    const launcherPid = (server as unknown as { child: { pid: number } }).child.pid;
    const running = server.run({ file: '/bin/sleep', args: ['5'], cwd: dir, env: process.env });
    setTimeout(() => process.kill(launcherPid, 'SIGKILL'), 200);
    const r = await running;
    assert.match(r.startError ?? '', /native launcher was killed by SIGKILL/);
    const later = await server.run({ file: '/bin/sh', args: ['-c', 'exit 0'], cwd: dir, env: process.env });
    assert.match(later.startError ?? '', /killed by SIGKILL/);
  });

  it('says in the result which launcher timed the runs', async () => {
    resetLauncherForTests();
    const viaNode = await ensureLauncher({ ...process.env, PERF_PULSE_LAUNCHER: 'node' });
    try {
      assert.equal(viaNode.kind, 'node');
      const r = await runBenchmark({ name: 'quick', command: ['/bin/sh', '-c', 'exit 0'], runs: 3, warmup: 0 }, { cwd: dir });
      assert.equal(r.launcher, 'node');
      assert.ok(r.warnings.some((w) => w.includes("timed through Node's child_process (PERF_PULSE_LAUNCHER=node is set)")), r.warnings.join('\n'));
    } finally {
      resetLauncherForTests();
    }
    const native = await runBenchmark({ name: 'quick', command: ['/bin/sh', '-c', 'exit 0'], runs: 3, warmup: 0 }, { cwd: dir });
    assert.equal(native.launcher, 'native');
  });
});

describe('runner: the native launcher protocol', () => {
  it('reads replies and names errors and signals', () => {
    assert.deepEqual(parseLauncherReply('pid 42'), { kind: 'pid', pid: 42 });
    assert.deepEqual(parseLauncherReply('end'), { kind: 'end' });
    assert.deepEqual(parseLauncherReply('done 1500000 exited 3 10 20 1024'), { kind: 'done', wallNs: 1500000, signaled: false, code: 3, userUs: 10, systemUs: 20, maxRss: 1024 });
    const err = parseLauncherReply('error 2 No such file or directory');
    assert.equal(err?.kind === 'error' && err.message, 'ENOENT: No such file or directory');
    assert.equal(parseLauncherReply('garbage'), undefined);
  });

  it('encodes a request as NUL-terminated fields, and refuses NUL inside one', () => {
    const req = encodeRunRequest('/bin/echo', ['a b'], '/tmp', { A: '1', B: undefined }, '');
    assert.equal(req?.toString(), ['run', '1', '/tmp', '', '2', '/bin/echo', 'a b', '1', 'A=1', ''].join('\0'));
    const batch = encodeRunRequest('/bin/true', [], '/tmp', {}, '/tmp/err', 7);
    assert.equal(batch?.toString(), ['run', '7', '/tmp', '/tmp/err', '1', '/bin/true', '0', ''].join('\0'));
    assert.equal(encodeRunRequest('/bin/echo', ['a\0b'], '/tmp', {}, ''), undefined);
  });
});
