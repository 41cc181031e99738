import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTraced, TRACE_MARKER_ENV, type TraceRun } from '../../../src/core/trace';
import { ProgramRefusedError, setProgramGate } from '../../../src/core/program-gate';
import { readTime, underTime, within } from './trace-fixture';

/**
 * The sampler on real process trees. Durations come from the processes themselves
 * (sleep, busy loops that stop after a set CPU time), and CPU time is checked against
 * GNU time (getrusage of the tree), so a loaded machine changes nothing checked here.
 */

const alive = (pid: number) => {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.[0];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
};

/** A process that stops after `cpuSeconds` of its own CPU time, user and system (perl's `times`). */
const BUSY = (cpuSeconds: number) => `perl -e 'sub cpu { my @t = times; $t[0] + $t[1] } $s = cpu(); 1 while cpu() - $s < ${cpuSeconds}'`;
const isBusy = (command: string, cpu: number) => command.startsWith('perl -e') && command.includes(`< ${cpu}`);

function traced(script: string, options: { interval?: number; signal?: AbortSignal; onSample?: Parameters<typeof runTraced>[0]['onSample']; env?: NodeJS.ProcessEnv } = {}): Promise<TraceRun> {
  return runTraced({ file: 'sh', args: ['-c', script], cwd: tmpdir(), env: options.env ?? process.env, intervalSeconds: options.interval ?? 0.1, signal: options.signal, onSample: options.onSample, output: 'ignore' });
}

describe('trace sampler on real process trees', function () {
  this.timeout(120_000);
  if (process.platform !== 'linux') return;
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'perf-pulse-sampler-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes the program gate: nothing starts while it is closed', async () => {
    setProgramGate(() => 'the workspace is not trusted');
    try {
      const ran = join(dir, 'ran');
      await assert.rejects(traced(`touch ${ran}`), ProgramRefusedError);
      assert.ok(!existsSync(ran));
    } finally {
      setProgramGate(undefined);
    }
  });

  it('lists each child with its command line, start, end, CPU and memory; the exit code is the command\'s', async () => {
    const run = await traced(`sleep 0.6 & ${BUSY(0.4)} & perl -e '$x = "a" x (60 * 1024 * 1024); sleep 1'; wait; exit 3`);
    assert.equal(run.exitCode, 3);
    const ps = run.trace.processes;
    const sleeper = ps.find((p) => p.command === 'sleep 0.6');
    const busy = ps.find((p) => isBusy(p.command, 0.4));
    const big = ps.find((p) => p.command.startsWith('perl') && p.command.includes('1024 * 1024'));
    assert.ok(sleeper && busy && big, ps.map((p) => p.command).join('\n'));
    // An idle process's end is known to within the gap between two samples.
    const times = run.trace.samples.map((x) => x.t);
    const maxGap = Math.max(0.1, ...times.slice(1).map((t, i) => t - times[i]));
    assert.ok(sleeper.end! - sleeper.start >= 0.6 - maxGap && sleeper.end! - sleeper.start <= run.wallSeconds, `sleep 0.6: ${sleeper.start} to ${sleeper.end}`);
    within(busy.cpuSeconds, 0.4, 0.15, 'busy loop CPU');
    assert.ok(big.peakRssBytes >= 60 * 1024 * 1024, `peak RSS ${big.peakRssBytes}`);
    const root = ps.find((p) => p.joinedBy === 'root')!;
    assert.equal(root.pid, run.rootPid);
    assert.ok(Math.abs(root.end! - run.wallSeconds) < 1e-9);
    assert.ok(run.trace.samples.length >= 3);
  });

  it('accounts for processes shorter than an interval by their parent\'s reaped CPU (getrusage within 5%)', async () => {
    const timeFile = join(dir, 'time.txt');
    // 1 s interval; a loop of short busy processes, each far shorter than the interval.
    const script = `for i in $(seq 20); do ${BUSY(0.02)}; done`;
    const [file, ...args] = underTime(timeFile, ['sh', '-c', script]);
    const run = await runTraced({ file, args, cwd: dir, env: process.env, intervalSeconds: 1, output: 'ignore' });
    assert.equal(run.exitCode, 0);
    const truth = readTime(timeFile);
    const total = run.trace.processes.reduce((a, p) => a + p.cpuSeconds, 0);
    within(total, truth.cpu, 0.05, 'CPU of the tree');
    // Those no sample caught are there as the CPU their parent reaped (on a loaded machine, samples may catch all of them).
    const caught = run.trace.processes.filter((p) => !p.unseen && isBusy(p.command, 0.02)).length;
    // When the loop ends between two samples, the root (the shell that reaped them) is reaped by
    // us with their CPU inside its own reaped total: then it is the root's tail, not an entry.
    const root = run.trace.processes.find((p) => p.pid === run.rootPid)!;
    const seen = run.trace.processes.filter((p) => !p.unseen && p.pid !== run.rootPid).reduce((a, p) => a + p.cpuSeconds, 0);
    if (caught < 20) {
      assert.ok(
        run.trace.processes.some((p) => p.unseen && p.cpuSeconds > 0) || root.cpuSeconds >= (truth.cpu - seen) * 0.9,
        `${20 - caught} processes no sample saw, and their CPU is neither an entry of its own nor the root's`,
      );
    }
  });

  it('follows a daemon that left the session and lost its parent, by the marker in its environment', async () => {
    const pidFile = join(dir, 'daemon.pid');
    // Double fork + setsid: the daemon's parent exits at once (it is re-parented to init or a subreaper) and it leads a new session.
    const done = join(dir, 'done');
    const daemonScript = `echo $$ > ${pidFile}; perl -e "sub cpu { my @t = times; \\$t[0] + \\$t[1] } \\$s = cpu(); 1 while cpu() - \\$s < 0.3"; sleep 0.3; touch ${done}`;
    // The command waits until the daemon says it is done, then a moment more.
    const run = await traced(`(setsid sh -c '${daemonScript}' &) ; while [ ! -f ${done} ]; do sleep 0.05; done; sleep 0.3`);
    const daemonPid = Number(readFileSync(pidFile, 'utf8'));
    const daemon = run.trace.processes.find((p) => p.pid === daemonPid);
    assert.ok(daemon, `daemon ${daemonPid} not in ${JSON.stringify(run.trace.processes.map((p) => [p.pid, p.command]))}`);
    assert.ok(daemon.end !== undefined && daemon.end < run.wallSeconds, 'it ended before the command did');
    assert.equal(daemon.joinedBy, 'marker');
    // What the daemon ran is followed through it, with the CPU it used.
    const work = run.trace.processes.find((p) => p.ppid === daemonPid && p.command.startsWith('perl'));
    assert.ok(work && work.cpuSeconds >= 0.25, `the daemon's busy child: ${JSON.stringify(work)}`);
  });

  it('adopts a process linked to the tree by nothing but the marker, and nothing without it', async () => {
    let marker = '';
    const outsiders: number[] = [];
    let started = false;
    const run = await runTraced({
      file: 'sh',
      args: ['-c', 'sleep 1.5'],
      cwd: dir,
      env: process.env,
      intervalSeconds: 0.1,
      output: 'ignore',
      onSample: (_sample, live) => {
        if (started) return;
        started = true;
        const root = live.find((p) => p.joinedBy === 'root')!;
        marker = readFileSync(`/proc/${root.pid}/environ`, 'latin1').split('\0').find((e) => e.startsWith(`${TRACE_MARKER_ENV}=`))!;
        // Two processes started by the test itself, outside the tree: one carries the marker.
        for (const env of [{ ...process.env, [TRACE_MARKER_ENV]: marker.split('=')[1] }, { ...process.env }]) {
          const child = spawn('sleep', ['0.6'], { env, stdio: 'ignore', detached: true });
          outsiders.push(child.pid!);
          child.unref();
        }
      },
    });
    const pids = new Map(run.trace.processes.map((p) => [p.pid, p]));
    assert.equal(pids.get(outsiders[0])?.joinedBy, 'marker');
    assert.ok(!pids.has(outsiders[1]), 'the process without the marker stays out');
  });

  it('killed mid-way: the whole tree stops, every process has an end, the exit code says SIGKILL', async () => {
    const controller = new AbortController();
    let samples = 0;
    const pidFile = join(dir, 'pids');
    const run = await traced(`sleep 30 & echo $! >> ${pidFile}; ${BUSY(60)} & echo $! >> ${pidFile}; wait`, {
      signal: controller.signal,
      // Stop after five samples: by the sampler's own clock, not the test's.
      onSample: () => {
        if (++samples === 5) controller.abort();
      },
    });
    assert.equal(run.exitCode, 137);
    assert.equal(run.signal, 'SIGKILL');
    const children = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    for (const pid of children) {
      // SIGKILL is delivered at once but acted on when the process next runs: on a loaded machine, a moment later.
      for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(!alive(pid), `pid ${pid} still runs`);
      const p = run.trace.processes.find((q) => q.pid === pid);
      assert.ok(p, `pid ${pid} listed`);
      assert.ok(p.end !== undefined && p.end <= run.wallSeconds + 0.5, `pid ${pid} ended at ${p.end}`);
    }
    const busy = run.trace.processes.find((p) => isBusy(p.command, 60))!;
    assert.ok(busy.cpuSeconds > 0, `the busy loop's CPU until it was killed: ${busy.cpuSeconds}`);
  });

  it('a child killed by its parent mid-way keeps the CPU it used (getrusage within 5%)', async () => {
    const timeFile = join(dir, 'time.txt');
    const script = `${BUSY(60)} & p=$!; ${BUSY(0.5)}; kill -9 $p; wait; ${BUSY(0.2)}`;
    const [file, ...args] = underTime(timeFile, ['sh', '-c', script]);
    const run = await runTraced({ file, args, cwd: dir, env: process.env, intervalSeconds: 0.1, output: 'ignore' });
    const truth = readTime(timeFile);
    const total = run.trace.processes.reduce((a, p) => a + p.cpuSeconds, 0);
    within(total, truth.cpu, 0.05, 'CPU of the tree');
    const killed = run.trace.processes.filter((p) => isBusy(p.command, 60));
    assert.equal(killed.length, 1);
    assert.ok(killed[0].end !== undefined && killed[0].end < run.wallSeconds);
  });
});
