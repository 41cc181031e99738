import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyMachineWarning, loadAverage, machineFingerprint, machineFingerprintSync, machineIdOf, vcsInfo } from '../../../src/core/env';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
}

describe('env: machine fingerprint', () => {
  it('describes the CPU, cores, OS and runtimes, with a stable id that ignores the hostname', async () => {
    const m = await machineFingerprint();
    assert.ok(m.cpuModel.length > 0);
    assert.ok(m.cores >= 1);
    assert.match(m.os, /^\w+ /);
    assert.equal(m.runtimes.node, process.versions.node);
    assert.match(m.id, /^[0-9a-f]{12}$/);
    assert.equal(m.id, machineFingerprintSync().id);
    assert.equal(await machineFingerprint(), await machineFingerprint(), 'cached');
    assert.equal(machineIdOf({ ...m, os: 'linux 1.0' }), machineIdOf({ ...m, os: 'linux 2.0' }), 'kernel updates keep the id');
    assert.notEqual(machineIdOf(m), machineIdOf({ ...m, cores: m.cores + 1 }));
  });

  it('reads the load average and warns only when the machine is busy', () => {
    assert.equal(loadAverage().length, 3);
    assert.equal(busyMachineWarning([0.1, 0, 0], 4), undefined);
    assert.match(busyMachineWarning([3.5, 0, 0], 4) ?? '', /busy.*3\.50.*4 cores/);
  });
});

describe('env: vcs facts', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-vcs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is empty outside a repository', async () => {
    assert.deepEqual(await vcsInfo(dir), {});
  });

  it('reports commit, branch and dirtiness (untracked files do not count)', async () => {
    git(dir, 'init', '-q', '-b', 'trunk');
    git(dir, 'config', 'user.email', 't@example.com');
    git(dir, 'config', 'user.name', 'T');
    writeFileSync(join(dir, 'a.txt'), 'one');
    git(dir, 'add', 'a.txt');
    git(dir, 'commit', '-q', '-m', 'first');
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    assert.deepEqual(await vcsInfo(dir), { commit: head, branch: 'trunk', dirty: false });
    writeFileSync(join(dir, 'untracked.txt'), 'x');
    assert.equal((await vcsInfo(dir)).dirty, false);
    writeFileSync(join(dir, 'a.txt'), 'two');
    assert.equal((await vcsInfo(dir)).dirty, true);
    git(dir, 'checkout', '-q', '--detach');
    const detached = await vcsInfo(dir);
    assert.equal(detached.branch, undefined);
    assert.equal(detached.commit, head);
  });
});
