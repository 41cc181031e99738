import { constants as osConstants } from 'node:os';

/** One reply line of the native launcher (see native-launcher-source.ts). */
export type LauncherReply =
  | { kind: 'pid'; pid: number }
  | { kind: 'done'; wallNs: number; signaled: boolean; code: number; userUs: number; systemUs: number; maxRss: number }
  | { kind: 'error'; message: string }
  /** Serve mode: the last run of a request has been reported. */
  | { kind: 'end' };

export function parseLauncherReply(line: string): LauncherReply | undefined {
  const [word, ...rest] = line.trim().split(' ');
  if (word === 'pid' && rest.length === 1) return { kind: 'pid', pid: Number(rest[0]) };
  if (word === 'end' && rest.length === 0) return { kind: 'end' };
  if (word === 'error') {
    const code = errnoNames.get(Number(rest[0]));
    const text = rest.slice(1).join(' ');
    return { kind: 'error', message: code ? `${code}: ${text}` : text || `error ${rest[0]}` };
  }
  if (word === 'done' && rest.length >= 6) {
    const n = rest.map(Number);
    return { kind: 'done', wallNs: n[0], signaled: rest[1] === 'signaled', code: n[2], userUs: n[3], systemUs: n[4], maxRss: n[5] };
  }
  return undefined;
}

const errnoNames = new Map<number, string>(Object.entries(osConstants.errno).map(([name, num]) => [num, name]));
const signalNames = new Map<number, string>(Object.entries(osConstants.signals).map(([name, num]) => [num, name]));

/** The parts of a launch result that a `done` reply gives. */
export function doneFigures(d: Extract<LauncherReply, { kind: 'done' }>, sampledPeak: number | undefined) {
  // ru_maxrss is the largest single process (KiB on Linux, bytes on macOS); the sampler
  // sums the tree. The larger of the two is the better peak.
  const exactPeak = process.platform === 'darwin' ? d.maxRss : d.maxRss * 1024;
  return {
    wall: d.wallNs / 1e9,
    exitCode: d.signaled ? null : d.code,
    signal: d.signaled ? signalNames.get(d.code) ?? `signal ${d.code}` : undefined,
    user: d.userUs / 1e6,
    system: d.systemUs / 1e6,
    peakRssBytes: Math.max(exactPeak, sampledPeak ?? 0) || undefined,
  };
}

/**
 * A serve-mode request: NUL-terminated fields; `count` runs back to back (the launcher may
 * stop sooner, see native-launcher-source.ts). Undefined when an argument or variable
 * holds a NUL byte, which no program could receive anyway.
 */
export function encodeRunRequest(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, stderrPath: string, count = 1): Buffer | undefined {
  const envEntries = Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
  const fields = ['run', String(Math.max(1, Math.floor(count))), cwd, stderrPath, String(args.length + 1), file, ...args, String(envEntries.length), ...envEntries];
  if (fields.some((f) => f.includes('\0'))) return undefined;
  return Buffer.from(fields.join('\0') + '\0', 'utf8');
}

/** Asks the launcher to end its current batch before the next run (ignored between batches). */
export const STOP_REQUEST = Buffer.from('stop\0', 'utf8');
