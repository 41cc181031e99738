import * as path from 'node:path';
import type { MachineFingerprint, RunRecord, RunSummary, SourceLocation, Spread, VcsInfo } from '../model';
import { lookupTable } from '../own-keys';

/**
 * What of a run leaves this machine. Every place that hands records to someone
 * else (git notes, OTLP, Prometheus, reports) goes through here, and this
 * module builds the shareable form by copying the fields named below, never by
 * deleting fields known to be bad: a field added to records later stays at
 * home until it is named here.
 *
 * Never shared: environment values (a benchmark's `env` becomes its variable
 * names), absolute paths (made workspace-relative when they lie inside the
 * workspace, dropped otherwise), the hostname (unless `includeHostname`), and
 * anything not listed. Series names and commands are shared as written: they
 * are how a series is known.
 */

export interface SharePolicy {
  /** Share the machine's hostname too (opt-in: `--include-hostname`, `perfPulse.share.includeHostname`). */
  includeHostname?: boolean;
  /** The workspace folder: absolute paths inside it become relative to it; all other absolute paths are dropped. */
  workspaceDir?: string;
}

const WINDOWS_ABSOLUTE = /^(?:[A-Za-z]:[\\/]|\\\\|\/\/)/;

/**
 * A path as it may be shared: relative paths stay (with `/`), absolute ones
 * inside the workspace become workspace-relative, anything else (outside the
 * workspace, home-relative, a URI) is undefined.
 */
export function shareablePath(value: unknown, workspaceDir?: string): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (value.startsWith('~') || /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) return undefined;
  const absolute = path.posix.isAbsolute(value) || WINDOWS_ABSOLUTE.test(value);
  if (!absolute) return value.replace(/\\/g, '/');
  if (!workspaceDir) return undefined;
  const paths = WINDOWS_ABSOLUTE.test(value) || WINDOWS_ABSOLUTE.test(workspaceDir) ? path.win32 : path.posix;
  const relative = paths.relative(workspaceDir, value);
  if (relative === '') return '.';
  if (relative === '..' || relative.startsWith('..' + paths.sep) || paths.isAbsolute(relative) || WINDOWS_ABSOLUTE.test(relative)) return undefined;
  return relative.replace(/\\/g, '/');
}

/** Runtimes whose versions are recorded (see env/machine.ts). */
const RUNTIMES = ['node', 'python', 'go', 'rustc'] as const;

/** The machine by its fingerprint: id, CPU model, cores, OS, architecture, runtime versions; the hostname only on request. */
export function shareableMachine(machine: MachineFingerprint, policy: SharePolicy = {}): MachineFingerprint {
  const runtimes: Record<string, string> = {}; // plain-object-ok: keys are the fixed RUNTIMES
  for (const name of RUNTIMES) {
    const version = machine.runtimes?.[name];
    if (Object.prototype.hasOwnProperty.call(machine.runtimes ?? {}, name) && typeof version === 'string') runtimes[name] = version;
  }
  return {
    id: machine.id,
    cpuModel: machine.cpuModel,
    cores: machine.cores,
    os: machine.os,
    arch: machine.arch,
    runtimes,
    ...(policy.includeHostname && typeof machine.hostname === 'string' ? { hostname: machine.hostname } : {}),
  };
}

function own(object: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

function copyVcs(vcs: VcsInfo | undefined): VcsInfo {
  const out: VcsInfo = {};
  if (!vcs || typeof vcs !== 'object') return out;
  const commit = own(vcs, 'commit');
  const branch = own(vcs, 'branch');
  const dirty = own(vcs, 'dirty');
  if (isString(commit)) out.commit = commit;
  if (isString(branch)) out.branch = branch;
  if (isBoolean(dirty)) out.dirty = dirty;
  return out;
}

function copyLocation(location: SourceLocation | undefined, workspaceDir?: string): SourceLocation | undefined {
  if (!location || typeof location !== 'object') return undefined;
  const file = shareablePath(own(location, 'file'), workspaceDir);
  if (file === undefined) return undefined;
  const line = own(location, 'line');
  return isNumber(line) ? { file, line } : { file };
}

const SUMMARY_NUMBERS = ['n', 'median', 'mean', 'min', 'max', 'mad', 'p90', 'p95', 'p99', 'outliers'] as const;

function copySummary(summary: RunSummary | undefined): RunSummary | undefined {
  if (!summary || typeof summary !== 'object') return undefined;
  const out: Partial<RunSummary> = {};
  for (const key of SUMMARY_NUMBERS) {
    const v = own(summary, key);
    if (typeof v === 'number') out[key] = v;
  }
  const ci = own(summary, 'medianCi');
  if (Array.isArray(ci) && ci.length === 2 && ci.every((x) => typeof x === 'number')) out.medianCi = [ci[0], ci[1]];
  return out as RunSummary;
}

function copySpread(spread: Spread | undefined): Spread | undefined {
  if (!spread || typeof spread !== 'object') return undefined;
  const kind = own(spread, 'kind');
  const value = own(spread, 'value');
  return isString(kind) && typeof value === 'number' ? { kind: kind as Spread['kind'], value } : undefined;
}

/** Per-run facts that may be shared, with the type each must have. */
const EXTRA_FIELDS = lookupTable<(v: unknown) => boolean>({
  failedRuns: isNumber,
  outliers: isNumber,
  cpuMethod: isString,
  memoryMethod: isString,
  launcher: isString,
  shell: isBoolean,
  loadAverage1m: isNumber,
  user: isNumber,
  system: isNumber,
  peakRssBytes: isNumber,
  shellOverhead: isNumber,
  iterations: isNumber,
  exitCode: isNumber,
  failed: isBoolean,
  taskSource: isString,
});

function copyExtra(extra: RunRecord['extra']): RunRecord['extra'] {
  if (!extra || typeof extra !== 'object') return undefined;
  const out: NonNullable<RunRecord['extra']> = {};
  for (const key of Object.keys(EXTRA_FIELDS).sort()) {
    const v = own(extra, key);
    if (v !== undefined && EXTRA_FIELDS[key](v)) out[key] = v as number | string | boolean;
  }
  return Object.keys(out).length ? out : undefined;
}

type ConfigCopier = (value: unknown, workspaceDir?: string) => unknown;

const text: ConfigCopier = (v) => (isString(v) ? v : undefined);
const number: ConfigCopier = (v) => (isNumber(v) ? v : undefined);
const numberOrText: ConfigCopier = (v) => (isNumber(v) || isString(v) ? v : undefined);
const pathField: ConfigCopier = (v, root) => shareablePath(v, root);

/** A benchmark's `source`: `file:line` text or `{ file, line }`; a task's source is a plain word, which passes as a relative path does. */
const sourceField: ConfigCopier = (v, root) => {
  if (isString(v)) return shareablePath(v, root);
  if (v && typeof v === 'object' && !Array.isArray(v)) return copyLocation(v as SourceLocation, root);
  return undefined;
};

const commandField: ConfigCopier = (v) => (isString(v) ? v : Array.isArray(v) && v.every(isString) ? [...v] : undefined);

const outputField: ConfigCopier = (v, root) => {
  if (v === 'stdout') return v;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const file = shareablePath(own(v, 'file'), root);
    return file === undefined ? undefined : { file };
  }
  return undefined;
};

const budgetField: ConfigCopier = (v) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, unknown> = {}; // plain-object-ok: fixed keys
  const statistic = own(v, 'statistic');
  const max = own(v, 'max');
  const window = own(v, 'window');
  const allowedShare = own(v, 'allowedShare');
  if (isString(statistic)) out.statistic = statistic;
  if (isNumber(max) || isString(max)) out.max = max;
  if (isNumber(window)) out.window = window;
  if (isNumber(allowedShare)) out.allowedShare = allowedShare;
  return Object.keys(out).length ? out : undefined;
};

/** The configuration keys that are shared, from a benchmark entry, a task, a terminal command, an import. */
const CONFIG_FIELDS = lookupTable<ConfigCopier>({
  name: text,
  command: commandField,
  commandLine: text,
  prepare: text,
  label: text,
  type: text,
  format: text,
  tool: text,
  commitMessage: text,
  commitUrl: text,
  file: pathField,
  cwd: pathField,
  source: sourceField,
  output: outputField,
  shell: (v: unknown) => (isBoolean(v) ? v : undefined),
  runs: number,
  warmup: number,
  minRuns: number,
  maxRuns: number,
  timeoutMs: number,
  minTime: numberOrText,
  maxTime: numberOrText,
  budget: budgetField,
});

function copyConfig(config: RunRecord['config'], workspaceDir?: string): RunRecord['config'] {
  if (!config || typeof config !== 'object') return undefined;
  const out: Record<string, unknown> = {}; // plain-object-ok: keys are those of CONFIG_FIELDS
  for (const key of Object.keys(CONFIG_FIELDS).sort()) {
    const value = own(config, key);
    if (value === undefined) continue;
    const copied = CONFIG_FIELDS[key](value, workspaceDir);
    if (copied !== undefined) out[key] = copied;
  }
  // Which variables a benchmark sets may matter to a reader; their values never leave the machine.
  const env = own(config, 'env');
  if (env && typeof env === 'object' && !Array.isArray(env)) {
    const names = Object.keys(env).sort();
    if (names.length) out.envNames = names;
  }
  return Object.keys(out).length ? out : undefined;
}

/** The shareable copy of a run: only the fields named in this module, cleaned as described at the top. */
export function shareableRecord(record: RunRecord, policy: SharePolicy = {}): RunRecord {
  const out: RunRecord = {
    v: record.v,
    id: record.id,
    seriesId: record.seriesId,
    name: record.name,
    metric: record.metric,
    unit: record.unit,
    direction: record.direction,
    value: record.value,
    timestamp: record.timestamp,
    vcs: copyVcs(record.vcs),
    machine: shareableMachine(record.machine, policy),
    source: record.source,
  };
  if (Array.isArray(record.samples)) out.samples = record.samples.filter((x) => typeof x === 'number');
  const summary = copySummary(record.summary);
  if (summary) out.summary = summary;
  const spread = copySpread(record.spread);
  if (spread) out.spread = spread;
  if (isString(record.group)) out.group = record.group;
  const location = copyLocation(record.location, policy.workspaceDir);
  if (location) out.location = location;
  const config = copyConfig(record.config, policy.workspaceDir);
  if (config) out.config = config;
  const extra = copyExtra(record.extra);
  if (extra) out.extra = extra;
  return out;
}
