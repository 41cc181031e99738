import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';

/**
 * Bundles the worker once into plain JavaScript so that starting it costs a
 * bare `node` start-up: the kill tests start a hundred of them.
 */
let bundled: Promise<string> | undefined;
export function workerScript(): Promise<string> {
  bundled ??= (async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pp-worker-')), 'store-worker.js');
    await build({ entryPoints: [path.join(__dirname, 'fixtures/store-worker.ts')], bundle: true, platform: 'node', target: 'node20', outfile: out, logLevel: 'silent' });
    return out;
  })();
  return bundled;
}

export interface Worker {
  child: ChildProcess;
  /** Ids whose append had returned, as reported line by line. */
  acked: string[];
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
  lines: string[];
}

export async function startWorker(args: string[]): Promise<Worker> {
  const child = spawn(process.execPath, [await workerScript(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked: string[] = [];
  const lines: string[] = [];
  let err = '';
  let partial = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      lines.push(line);
      if (line === 'ready') onReady();
      else if (line.startsWith('ok ')) acked.push(...line.slice(3).split(' '));
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  exited.then(() => onReady());
  return { child, acked, ready, exited, stderr: () => err, lines };
}
