import { scaleTree, type Profile } from './model';

/**
 * `go test -bench` runs each benchmark until about `-benchtime` has passed (b.N grows round
 * after round), so two profiles of a benchmark hold about the same seconds even when one
 * operation got six times slower, and a loaded machine changes how many operations fit. A
 * profile therefore runs a fixed count of operations (`-benchtime=Nx`, N found by a short
 * calibration run, or given: a differential profile uses the base's N on both sides), and its
 * CPU time is divided by the operations run: seconds of CPU per operation, whatever the load.
 */

/** ns/op summed over the benchmarks (and sub-benchmarks) a `go test -bench` output reports. */
export function goNsPerOp(stdout: string): number {
  let sum = 0;
  for (const line of stdout.split('\n')) {
    const m = /^Benchmark\S*\s+\d+\s+([\d.]+(?:e[-+]?\d+)?) ns\/op/.exec(line.trim());
    if (m) sum += Number(m[1]);
  }
  return sum;
}

const FLAG = /^--?(?:test\.)?(benchtime|count)(?:=(.*))?$/;

/** The value of `-benchtime` / `-count` in go test arguments (either spelling, `=` or separate). */
function flagValue(args: readonly string[], name: 'benchtime' | 'count'): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const m = FLAG.exec(args[i]);
    if (m && m[1] === name) value = m[2] ?? args[i + 1];
  }
  return value;
}

/** Seconds of a Go duration ("2s", "500ms", "1m30s"); undefined for a count ("100x") or nonsense. */
export function goDurationSeconds(text: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  let rest = text;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return text ? total : undefined;
}

export interface GoBenchSettings {
  /** Seconds the command's benchmarks are meant to run (its -benchtime; 1 s by default). */
  targetSeconds: number;
  /** Operations the command fixes itself (-benchtime=Nx), if it does. */
  fixedIterations?: number;
  count: number;
}

export function goBenchSettings(args: readonly string[]): GoBenchSettings {
  const benchtime = flagValue(args, 'benchtime');
  const count = Math.max(1, Number.parseInt(flagValue(args, 'count') ?? '1', 10) || 1);
  const fixed = benchtime !== undefined ? /^(\d+)x$/.exec(benchtime) : null;
  return { targetSeconds: (benchtime !== undefined ? goDurationSeconds(benchtime) : undefined) ?? 1, count, ...(fixed ? { fixedIterations: Number(fixed[1]) } : {}) };
}

/** The go test arguments (after `test`) with `-benchtime` replaced by `value` (and `-count` by `count`, when given). */
export function withBenchtime(args: readonly string[], value: string, count?: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const m = FLAG.exec(args[i]);
    if (m && (m[1] === 'benchtime' || (m[1] === 'count' && count !== undefined))) {
      if (m[2] === undefined) i++;
      continue;
    }
    out.push(args[i]);
  }
  return [`-benchtime=${value}`, ...(count !== undefined ? [`-count=${count}`] : []), ...out];
}

/** Iterations that make the operations of one round last about `targetSeconds`. */
export function iterationsFor(targetSeconds: number, nsPerOp: number): number {
  if (!(nsPerOp > 0)) return 1;
  return Math.max(1, Math.min(1e9, Math.ceil((targetSeconds * 1e9) / nsPerOp)));
}

/**
 * Divides the profile by the operations run: with -benchtime=Nx each benchmark runs once
 * with b.N = 1 and then with b.N = N, `count` times.
 */
export function perOperation(profile: Profile, iterations: number, count: number): void {
  scaleTree(profile.roots, 1 / (count * (iterations + 1)));
}

/**
 * Go before 1.20 writes no start line for functions; the decoder then has the first line
 * sampled inside. For workspace files, the `func` line above it is the definition.
 */
export function goDefinitionLines(profile: Profile, workspace: string, readText: (file: string) => string | undefined): void {
  const cache = new Map<string, string[] | undefined>();
  for (const frame of profile.frames) {
    if (!frame.file.endsWith('.go') || !(frame.line > 0) || frame.file.startsWith('/')) continue;
    let lines = cache.get(frame.file);
    if (!cache.has(frame.file)) {
      lines = readText(`${workspace}/${frame.file}`)?.split('\n');
      cache.set(frame.file, lines);
    }
    if (!lines) continue;
    for (let i = Math.min(frame.line, lines.length) - 1; i >= 0; i--) {
      if (/^func\s/.test(lines[i])) {
        frame.line = i + 1;
        break;
      }
      if (/^}/.test(lines[i]) && i < frame.line - 1) break; // the end of an earlier function: not ours
    }
  }
}
