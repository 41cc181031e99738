// Real git repositories for the sharing tests: one bare "server" and clones of it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MachineFingerprint, RunRecord } from '../../src/core/model';
import { seriesIdOf } from '../../src/core/series-id';
import type { SyncHistory } from '../../src/core/share/sync';

/** Git for the fixture itself, with a fixed identity so commits work on any machine. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Fixture',
      GIT_AUTHOR_EMAIL: 'fixture@example.invalid',
      GIT_COMMITTER_NAME: 'Fixture',
      GIT_COMMITTER_EMAIL: 'fixture@example.invalid',
      LC_ALL: 'C',
    },
  }).trim();
}

export interface GitWorld {
  root: string;
  bare: string;
  /** Clones a new working copy of the bare repository into `root/<name>`. */
  clone(name: string): string;
  /** Commits a change to `file` in `repo` and returns the new commit id. */
  commit(repo: string, message: string): string;
  dispose(): void;
}

export function makeGitWorld(): GitWorld {
  const root = mkdtempSync(join(tmpdir(), 'perf-pulse-share-'));
  const bare = join(root, 'server.git');
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  const seed = join(root, 'seed');
  git(root, 'clone', '--quiet', bare, seed);
  git(seed, 'checkout', '--quiet', '-b', 'main');
  let counter = 0;
  const commit = (repo: string, message: string): string => {
    writeFileSync(join(repo, 'file.txt'), `${message} ${++counter}\n`);
    git(repo, 'add', 'file.txt');
    git(repo, 'commit', '--quiet', '-m', message);
    return git(repo, 'rev-parse', 'HEAD');
  };
  commit(seed, 'initial');
  git(seed, 'push', '--quiet', 'origin', 'main');
  return {
    root,
    bare,
    clone(name) {
      const dir = join(root, name);
      git(root, 'clone', '--quiet', '--no-local', bare, dir); // --no-local: transfer like a real remote (only reachable objects)
      return dir;
    },
    commit,
    dispose() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function machine(id: string): MachineFingerprint {
  return { id, cpuModel: 'Test CPU', cores: 4, os: 'linux', arch: 'x64', runtimes: { node: '20' }, hostname: `host-${id}` };
}

export function record(id: string, commit: string | undefined, machineId: string, value = 1.5, extra: Partial<RunRecord> = {}): RunRecord {
  const name = extra.name ?? 'sort-10k';
  return {
    v: 1,
    id,
    seriesId: seriesIdOf(name, 'time', machineId),
    name,
    metric: 'time',
    unit: 's',
    direction: 'smaller',
    value,
    samples: [value * 0.99, value, value * 1.01],
    timestamp: 1_700_000_000_000 + Number.parseInt(id.replace(/\D/g, '') || '0', 10),
    vcs: { commit, branch: 'main', dirty: false },
    machine: machine(machineId),
    source: 'benchmark',
    ...extra,
  };
}

/** The simplest history that keeps the `appendNew` contract: skips ids it has. */
export class MemoryHistory implements SyncHistory {
  readonly records = new Map<string, RunRecord>();
  constructor(initial: RunRecord[] = []) {
    for (const r of initial) this.records.set(r.id, r);
  }
  async *allRecords(): AsyncIterable<RunRecord> {
    yield* [...this.records.values()];
  }
  async appendNew(records: RunRecord[]): Promise<number> {
    let added = 0;
    for (const r of records) {
      if (this.records.has(r.id)) continue;
      this.records.set(r.id, r);
      added++;
    }
    return added;
  }
  ids(): string[] {
    return [...this.records.keys()].sort();
  }
}
