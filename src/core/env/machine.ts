import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import type { MachineFingerprint } from '../model';
import { programRefusal } from '../program-gate';

/**
 * Runtimes whose version is worth recording next to a result: a benchmark that
 * got faster because Python was upgraded should say so. Each probe is cheap and
 * bounded by a short timeout; a runtime that is not installed is simply absent.
 */
const RUNTIME_PROBES: Array<{ name: string; file: string; args: string[]; pattern: RegExp }> = [
  { name: 'python', file: 'python3', args: ['--version'], pattern: /Python\s+(\S+)/ },
  { name: 'go', file: 'go', args: ['version'], pattern: /go(\d+\.\d+(?:\.\d+)?)/ },
  { name: 'rustc', file: 'rustc', args: ['--version'], pattern: /rustc\s+(\S+)/ },
];

function probe(file: string, args: string[], pattern: RegExp): Promise<string | undefined> {
  return new Promise((resolve) => {
    try {
      execFile(file, args, { timeout: 3000, windowsHide: true }, (err, stdout, stderr) => {
        if (err) return resolve(undefined);
        resolve(pattern.exec(`${stdout}\n${stderr}`)?.[1]);
      });
    } catch {
      resolve(undefined);
    }
  });
}

/**
 * The id deliberately leaves out the hostname and the OS release: two identical CI
 * runners are the same testbed, and a kernel update should not start a new
 * history (the detector sees a step change if it matters).
 */
export function machineIdOf(fields: Pick<MachineFingerprint, 'cpuModel' | 'cores' | 'os' | 'arch'>): string {
  const platform = fields.os.split(' ')[0];
  return createHash('sha1').update([fields.cpuModel, fields.cores, platform, fields.arch].join('\u0000')).digest('hex').slice(0, 12);
}

/** The facts about this machine, without spawning anything (used when speed matters more than runtimes). */
export function machineFingerprintSync(): MachineFingerprint {
  const cpus = os.cpus();
  const cpuModel = (cpus[0]?.model ?? 'unknown').replace(/\s+/g, ' ').trim();
  const fields = {
    cpuModel,
    cores: cpus.length || 1,
    os: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
  };
  return {
    id: machineIdOf(fields),
    ...fields,
    runtimes: { node: process.versions.node },
    hostname: os.hostname(),
  };
}

let cached: Promise<MachineFingerprint> | undefined;

/**
 * This machine's fingerprint, with runtime versions; computed once per process. Where no
 * program may run (an untrusted workspace) the versions are left out and nothing is cached,
 * so that they are probed once programs may run.
 */
export function machineFingerprint(): Promise<MachineFingerprint> {
  if (!cached && programRefusal() !== undefined) return Promise.resolve(machineFingerprintSync());
  cached ??= (async () => {
    const base = machineFingerprintSync();
    const versions = await Promise.all(RUNTIME_PROBES.map((p) => probe(p.file, p.args, p.pattern)));
    RUNTIME_PROBES.forEach((p, i) => {
      const v = versions[i];
      if (v) base.runtimes[p.name] = v;
    });
    return base;
  })();
  return cached;
}
