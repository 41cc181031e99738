import { parseArgs } from 'node:util';
import { CliError } from './cli-types';
import { lookupTable } from '../core/own-keys';

/**
 * The one argument layer of every `perf-pulse` command: Node's `util.parseArgs` (tokens only,
 * so that every problem is worded here, the same for all commands) and the few checks of
 * values that several commands share.
 */

/** A mistake in how a command was called: main prints it as one line that points at `--help`. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** May be given more than once; the values are kept in order. */
  multiple?: boolean;
  /** A one-letter alias (`-r` for `--runs`). */
  short?: string;
}

/** The two kinds of option, for brief option tables. */
export const STRING: OptionSpec = { type: 'string' };
export const BOOLEAN: OptionSpec = { type: 'boolean' };

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export type OptionValues = Record<string, string | true | string[]>;

export interface ParsedCommandLine {
  /** Without a prototype: an option named `constructor` is looked up as any other. */
  values: OptionValues;
  /** Arguments that are not options, before a `--`. */
  positionals: string[];
  /** Everything after `--`, as given (undefined when there was no `--`). */
  afterDashes?: string[];
}

export interface ParseRules {
  /** How many positional arguments (before `--`) are allowed; default: any number. */
  maxPositionals?: number;
  /** Whether `--` may be followed by arguments; default: no. */
  allowDashes?: boolean;
}

/**
 * Parses `argv` against `specs`. Usage errors, worded the same everywhere:
 * `unknown option --x`, `option --x needs a value`, `option --x takes no value`,
 * `unexpected argument X`.
 */
export function parseCommandLine(argv: readonly string[], specs: OptionSpecs, rules: ParseRules = {}): ParsedCommandLine {
  const options = lookupTable<{ type: 'string' | 'boolean'; multiple?: boolean; short?: string }>();
  for (const [name, spec] of Object.entries(specs)) options[name] = { type: spec.type, ...(spec.multiple ? { multiple: true } : {}), ...(spec.short ? { short: spec.short } : {}) };
  // Not strict: problems are found in the tokens below and worded here, not by Node.
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const values = lookupTable<string | true | string[]>();
  const positionals: string[] = [];
  let afterDashes: string[] | undefined;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') {
      afterDashes = [];
      continue;
    }
    if (token.kind === 'positional') {
      if (afterDashes) afterDashes.push(token.value);
      else positionals.push(token.value);
      continue;
    }
    const spec = Object.prototype.hasOwnProperty.call(specs, token.name) ? specs[token.name] : undefined;
    const shown = token.rawName.startsWith('--') ? token.rawName : spec ? `--${token.name}` : token.rawName;
    if (!spec) throw new UsageError(`unknown option ${shown}`);
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`option ${shown} takes no value`);
      values[token.name] = true;
      continue;
    }
    const value = token.value;
    // `--runs --warmup 3`: Node takes `--warmup` as the value; that is a missing value (`--seed=-1` still works).
    if (value === undefined || value === '' || (token.inlineValue === false && value.startsWith('-') && value !== '-')) {
      throw new UsageError(`option ${shown} needs a value`);
    }
    if (spec.multiple) {
      const list = values[token.name];
      values[token.name] = Array.isArray(list) ? [...list, value] : [value];
    } else values[token.name] = value;
  }
  if (rules.maxPositionals !== undefined && positionals.length > rules.maxPositionals) throw new UsageError(`unexpected argument ${positionals[rules.maxPositionals]}`);
  if (afterDashes && !rules.allowDashes && afterDashes.length) throw new UsageError(`unexpected argument ${afterDashes[0]}`);
  return { values, positionals, ...(afterDashes ? { afterDashes } : {}) };
}

export function stringValue(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function listValue(values: OptionValues, name: string): string[] | undefined {
  const v = values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : undefined;
}

export function flagValue(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** A whole number of at least `min`, worded as every command words it. */
export function wholeNumberValue(values: OptionValues, name: string, min: number): number | undefined {
  const text = stringValue(values, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new CliError(`--${name} must be a whole number of at least ${min} (got "${text}")`);
  return n;
}

/** Any finite number (a seed). */
export function numberValue(values: OptionValues, name: string): number | undefined {
  const text = stringValue(values, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new CliError(`--${name} must be a number (got "${text}")`);
  return n;
}
