import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchOnce, programStart } from '../../../src/core/runner/launch';
import { isAlive, killTree, processTree } from '../../../src/core/runner/proc';
import { waitFor } from './wait';

const linux = process.platform === 'linux';

function pidsIn(file: string): number[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split(/\s+/).filter(Boolean).map(Number) : [];
}

describe('runner: launching and measuring one process', function () {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-launch-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('times sleep 0.05 to within a few milliseconds', async () => {
    // How late this machine is right now (the fastest 1 ms sleep): a loaded machine delays every wake-up.
    let slack = Infinity;
    for (let i = 0; i < 5; i++) slack = Math.min(slack, (await launchOnce({ file: '/bin/sleep', args: ['0.001'], cwd: dir, env: process.env })).wall);
    const walls: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await launchOnce({ file: '/bin/sleep', args: ['0.05'], cwd: dir, env: process.env });
      assert.equal(r.exitCode, 0);
      assert.ok(r.wall >= 0.05, `a 50 ms sleep cannot take ${r.wall}`);
      assert.ok(r.wallFromSpawn >= r.wall);
      walls.push(r.wall);
    }
    // The fastest run shows the method's own bias; slower ones show the machine's load.
    assert.ok(Math.min(...walls) < 0.055 + 2 * slack, `fastest of 7: ${Math.min(...walls)} (slack ${slack})`);
  });

  it('starts the clock at the return of spawn less all the CPU wait of the spawning thread, never before the call', () => {
    // spawn() called at 1000 ns and returned at 9000 ns.
    assert.equal(programStart(1000n, 9000n, undefined), 9000n, 'no schedstat: the return of spawn()');
    assert.equal(programStart(1000n, 9000n, 0), 9000n, 'no wait');
    assert.equal(programStart(1000n, 9000n, 3000.4), 6000n, 'the whole wait is counted, usual or not');
    assert.equal(programStart(1000n, 9000n, 3000.4), programStart(1000n, 9000n, 3000), 'to the nanosecond');
    assert.equal(programStart(1000n, 9000n, 20_000), 1000n, 'never before spawn() was called');
  });

  it('never reads a run shorter than it was while every CPU is busy (Linux)', async function () {
    if (!linux) this.skip();
    this.timeout(30_000);
    // Load for a bounded time: one `yes` per CPU (2 to 16), each in a group of its own under `timeout`
    // (so that none outlives a crashed test), all killed as soon as the runs are done. The
    // launching thread then waits for a CPU between the program's exec and the return of
    // spawn(), while the program already runs: that wait belongs to the run.
    const hogs = Array.from({ length: Math.min(16, Math.max(2, availableParallelism())) }, () =>
      spawn('timeout', ['20', 'yes'], { stdio: 'ignore', detached: true }),
    );
    try {
      await new Promise((r) => setTimeout(r, 300));
      const short: string[] = [];
      for (let i = 0; i < 16; i++) {
        const r = await launchOnce({ file: '/bin/sleep', args: ['0.02'], cwd: dir, env: process.env });
        assert.equal(r.exitCode, 0);
        assert.ok(r.wallFromSpawn >= r.wall);
        if (r.wall < 0.02) short.push(`${(r.wall * 1e3).toFixed(2)} ms (${(r.wallFromSpawn * 1e3).toFixed(2)} ms from spawn)`);
      }
      assert.deepEqual(short, [], 'a 20 ms sleep read shorter than 20 ms');
    } finally {
      for (const hog of hogs) if (hog.pid !== undefined) killTree(hog.pid);
    }
  });

  it('reports the exit code and signal of a failing program, and start errors', async () => {
    const r = await launchOnce({ file: '/bin/sh', args: ['-c', 'exit 3'], cwd: dir, env: process.env });
    assert.equal(r.exitCode, 3);
    const killed = await launchOnce({ file: '/bin/sh', args: ['-c', 'kill -TERM $$'], cwd: dir, env: process.env });
    assert.equal(killed.exitCode, null);
    assert.equal(killed.signal, 'SIGTERM');
    const missing = await launchOnce({ file: join(dir, 'nope'), args: [], cwd: dir, env: process.env });
    assert.match(missing.startError ?? '', /ENOENT/);
  });

  it('measures CPU time of the program exactly (Linux) and samples the peak memory of the whole tree', async function () {
    if (!linux) this.skip();
    const busy = await launchOnce({ file: process.execPath, args: ['-e', 'const t=Date.now(); while (Date.now()-t < 200) {}'], cwd: dir, env: process.env });
    assert.ok(busy.user! + busy.system! >= 0.17, `cpu ${busy.user} + ${busy.system}`);
    assert.ok(busy.user! <= busy.wall + 0.02);
    // The allocating program runs under a shell that waits for it: only a tree walk finds it.
    const alloc = `${JSON.stringify(process.execPath)} -e "const b = Buffer.alloc(100e6, 1); setTimeout(() => b.length, 200)"; true`;
    const mem = await launchOnce({ file: '/bin/sh', args: ['-c', alloc], cwd: dir, env: process.env, sampleMemory: true });
    assert.equal(mem.exitCode, 0);
    assert.ok((mem.peakRssBytes ?? 0) >= 100e6, `peak ${mem.peakRssBytes}`);
    assert.ok((mem.peakRssBytes ?? 0) < 1e9, `peak ${mem.peakRssBytes}`);
  });

  it('kills the whole process tree on timeout, including a child that left the group', async function () {
    if (process.platform === 'win32') this.skip();
    const pids = join(dir, 'pids');
    const script = `sleep 30 & echo $! >> ${pids}; sleep 30 & echo $! >> ${pids}; (setsid sleep 30 & echo $! >> ${pids}; wait) & wait`;
    const started = Date.now();
    const r = await launchOnce({ file: '/bin/sh', args: ['-c', script], cwd: dir, env: process.env, timeoutMs: 400 });
    assert.equal(r.timedOut, true);
    assert.ok(Date.now() - started < 3000, 'returns soon after the timeout');
    const children = pidsIn(pids);
    assert.equal(children.length, 3, 'the script started its children');
    assert.ok(await waitFor(() => children.every((p) => !isAlive(p)), 1000), `still alive: ${children.filter(isAlive)}`);
  });

  it('stops promptly and leaves no process when cancelled', async function () {
    if (process.platform === 'win32') this.skip();
    const pids = join(dir, 'pids');
    const controller = new AbortController();
    const started = Date.now();
    const pending = launchOnce({ file: '/bin/sh', args: ['-c', `sleep 30 & echo $! > ${pids}; wait`], cwd: dir, env: process.env, signal: controller.signal });
    assert.ok(await waitFor(() => pidsIn(pids).length === 1, 3000));
    controller.abort();
    const r = await pending;
    assert.equal(r.cancelled, true);
    assert.ok(Date.now() - started < 4000);
    const [child] = pidsIn(pids);
    assert.ok(await waitFor(() => !isAlive(child), 1000), 'the sleep is gone');
  });

  it('finds every process of a tree and kills it on request', async function () {
    if (!linux) this.skip();
    const pids = join(dir, 'pids');
    const pending = launchOnce({ file: '/bin/sh', args: ['-c', `sleep 30 & echo $! >> ${pids}; sh -c 'sleep 30' & echo $! >> ${pids}; wait`], cwd: dir, env: process.env });
    assert.ok(await waitFor(() => pidsIn(pids).length === 2, 3000));
    const listed = pidsIn(pids);
    const shellPid = Number(readFileSync(`/proc/${listed[0]}/stat`, 'latin1').split(') ')[1].split(' ')[1]);
    const tree = processTree(shellPid);
    for (const p of listed) assert.ok(tree.includes(p), `tree ${tree} has ${p}`);
    killTree(shellPid);
    const r = await pending;
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(await waitFor(() => listed.every((p) => !isAlive(p)), 1000));
  });
});
