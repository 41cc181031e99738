import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ErrorObject } from 'ajv';
import { parseTree, findNodeAtLocation, printParseErrorCode, type Node, type ParseError as JsoncError } from 'jsonc-parser';
import validateConfig = require('./validate-config.generated');
import { parseDuration } from './quantity';
import { lookupTable, setOwn } from '../own-keys';

export const CONFIG_FILE_NAME = 'perfpulse.json';

export type Statistic = 'median' | 'mean' | 'min' | 'max' | 'p90' | 'p95' | 'p99';

export interface BudgetBody {
  statistic?: Statistic;
  /** Seconds for times, bytes for sizes, or a bare number in the series' unit; strings like "2ms" are allowed. */
  max: number | string;
  window?: number;
  allowedShare?: number;
}

export interface BudgetConfig extends BudgetBody {
  /** Series name; `*` matches any characters. */
  series: string;
}

export interface BenchmarkConfig {
  name: string;
  command: string | string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Fixed run count: sets minRuns = maxRuns. */
  runs?: number;
  warmup?: number;
  minRuns?: number;
  maxRuns?: number;
  /** Seconds, or a duration string. */
  minTime?: number | string;
  maxTime?: number | string;
  timeoutMs?: number;
  prepare?: string;
  shell?: boolean;
  format?: string;
  output?: 'stdout' | { file: string };
  source?: string | { file: string; line?: number };
  budget?: BudgetBody;
  /** What to measure: time always; "instructions" adds a Valgrind instruction count series. */
  metrics?: BenchmarkMetric[];
  /** Runs under Valgrind for the instructions metric (default 3). */
  instructionRuns?: number;
  /** Which profiler `perf-pulse profile` uses; "auto" (default) picks one from the command. */
  profiler?: 'auto' | 'v8' | 'pprof' | 'cprofile' | 'callgrind';
}

export type BenchmarkMetric = 'time' | 'instructions';

export interface PerfPulseConfig {
  version?: 1;
  benchmarks: BenchmarkConfig[];
  budgets?: BudgetConfig[];
  /** Named phases of traced builds (see schemas/perfpulse.schema.json). */
  phases?: PhaseConfig[];
}

/** A build phase a workspace names: processes whose command line contains `match`, for the tasks whose name or command contains `task`. */
export interface PhaseConfig {
  name: string;
  match: string;
  task?: string;
}

/** The phases that apply to one task or traced command (by its name or command line). */
export function phasesFor(config: Pick<PerfPulseConfig, 'phases'>, taskOrCommand: string): PhaseConfig[] {
  return (config.phases ?? []).filter((p) => p.task === undefined || taskOrCommand.includes(p.task));
}

/** One problem found in a config file, with its place (1-based line and column). */
export interface ConfigProblem {
  message: string;
  line: number;
  column: number;
  /** Character offset and length of the offending text, for editors. */
  offset: number;
  length: number;
}

/** A config that cannot be used. The message names the file and the first problem; `problems` holds them all. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    const first = problems[0];
    super(first ? `${file}:${first.line}:${first.column}: ${first.message}` : `${file}: invalid configuration`);
    this.name = 'ConfigError';
  }
  get line(): number | undefined {
    return this.problems[0]?.line;
  }
  get column(): number | undefined {
    return this.problems[0]?.column;
  }
}

export interface LoadedConfig {
  file: string;
  config: PerfPulseConfig;
  /** Where each benchmark's entry starts in the file, for diagnostics and "go to definition". */
  benchmarkLines: Record<string, number>;
}

function validate(value: unknown): ErrorObject[] {
  // Ajv compiled the schema at build time: no compiler in the bundle, nothing to compile at start-up.
  return validateConfig(value) ? [] : [...(validateConfig.errors ?? [])];
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function problemAt(text: string, offset: number, length: number, message: string): ConfigProblem {
  return { message, offset, length, ...lineColumn(text, offset) };
}

/** Turns an Ajv error into words a person can act on. */
function describe(error: ErrorObject): string {
  const where = error.instancePath ? error.instancePath.slice(1).replace(/\//g, '.') : 'the file';
  switch (error.keyword) {
    case 'required':
      return `${where} is missing the required property "${(error.params as { missingProperty: string }).missingProperty}"`;
    case 'additionalProperties':
      return `${where} has an unknown property "${(error.params as { additionalProperty: string }).additionalProperty}"`;
    case 'type':
      return `${where} must be ${(error.params as { type: string }).type}`;
    case 'enum':
      return `${where} must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${where} must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

/** Drops the noise Ajv adds for `oneOf` branches when a more specific error exists at the same place. */
function mostSpecific(errors: ErrorObject[]): ErrorObject[] {
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const kept = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if' && e.keyword !== 'allOf');
  const byPath = kept.filter((e) => !oneOfPaths.has(e.instancePath));
  const result = byPath.length ? byPath : kept.length ? kept.slice(0, 1) : errors.slice(0, 1);
  const seen = new Set<string>();
  return result.filter((e) => {
    const key = `${e.instancePath}|${describe(e)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function nodeFor(root: Node | undefined, instancePath: string): Node | undefined {
  if (!root) return undefined;
  const segments = instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  for (let n = segments.length; n >= 0; n--) {
    const node = findNodeAtLocation(root, segments.slice(0, n));
    if (node) return node;
  }
  return root;
}

/**
 * Parses and validates the text of a perfpulse.json (comments and trailing commas allowed).
 * Throws ConfigError with every problem located in the text.
 */
export function parseConfigText(text: string, file: string): LoadedConfig {
  const syntaxErrors: JsoncError[] = [];
  const root = parseTree(text, syntaxErrors, { allowTrailingComma: true, disallowComments: false });
  if (syntaxErrors.length || !root) {
    const problems = syntaxErrors.map((e) => problemAt(text, e.offset, Math.max(1, e.length), `JSON syntax error: ${printParseErrorCode(e.error)}`));
    throw new ConfigError(file, problems.length ? problems : [problemAt(text, 0, 0, 'the file is empty')]);
  }
  const value = nodeValue(root);
  const problems: ConfigProblem[] = [];
  for (const error of mostSpecific(validate(value))) {
    const node = error.keyword === 'additionalProperties'
      ? nodeFor(root, `${error.instancePath}/${(error.params as { additionalProperty: string }).additionalProperty}`)?.parent ?? nodeFor(root, error.instancePath)
      : nodeFor(root, error.instancePath);
    problems.push(problemAt(text, node?.offset ?? 0, node?.length ?? 0, describe(error)));
  }
  const config = value as PerfPulseConfig;
  if (!problems.length) problems.push(...semanticProblems(config, root, text));
  if (problems.length) throw new ConfigError(file, problems);
  const benchmarkLines = lookupTable<number>(); // keyed by benchmark names: any string
  config.benchmarks.forEach((b, i) => {
    const node = findNodeAtLocation(root, ['benchmarks', i]);
    if (node) benchmarkLines[b.name] = lineColumn(text, node.offset).line;
  });
  return { file, config, benchmarkLines };
}

function nodeValue(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {}; // plain-object-ok: filled with setOwn (config objects stay plain for their readers)
      for (const prop of node.children ?? []) {
        const [key, val] = prop.children ?? [];
        // A key "__proto__" is an ordinary (own) key here, which the schema then judges; assigning it would set the prototype.
        if (key && val) setOwn(out, key.value as string, nodeValue(val));
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}

/** Checks the schema cannot express: unique names, sane run bounds, parseable durations. */
function semanticProblems(config: PerfPulseConfig, root: Node, text: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  config.benchmarks.forEach((b, i) => {
    const at = (prop?: string) => {
      const node = findNodeAtLocation(root, prop ? ['benchmarks', i, prop] : ['benchmarks', i]);
      return { offset: node?.offset ?? 0, length: node?.length ?? 0 };
    };
    if (seen.has(b.name)) {
      const { offset, length } = at('name');
      problems.push(problemAt(text, offset, length, `benchmarks.${i}.name "${b.name}" is already used by benchmarks.${seen.get(b.name)}`));
    } else seen.set(b.name, i);
    if (b.minRuns !== undefined && b.maxRuns !== undefined && b.minRuns > b.maxRuns) {
      const { offset, length } = at('minRuns');
      problems.push(problemAt(text, offset, length, `benchmarks.${i}.minRuns (${b.minRuns}) is larger than maxRuns (${b.maxRuns})`));
    }
    for (const prop of ['minTime', 'maxTime'] as const) {
      const v = b[prop];
      if (v === undefined) continue;
      try {
        parseDuration(v);
      } catch (err) {
        const { offset, length } = at(prop);
        problems.push(problemAt(text, offset, length, `benchmarks.${i}.${prop}: ${(err as Error).message}`));
      }
    }
    if (b.output && !b.format) {
      const { offset, length } = at('output');
      problems.push(problemAt(text, offset, length, `benchmarks.${i}.output is only used together with "format"`));
    }
  });
  return problems;
}

/** Reads `<workspaceDir>/perfpulse.json`. Throws ConfigError when it is missing, unreadable or invalid. */
export async function loadConfig(workspaceDir: string): Promise<LoadedConfig> {
  const file = join(workspaceDir, CONFIG_FILE_NAME);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `no ${CONFIG_FILE_NAME} in ${workspaceDir} (create one with "Perf Pulse: Create Config")` : `cannot read the file: ${(err as Error).message}`;
    throw new ConfigError(file, [{ message, line: 1, column: 1, offset: 0, length: 0 }]);
  }
  return parseConfigText(text, file);
}
