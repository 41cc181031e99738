// A cheap guard against plain objects used as maps keyed by strings (series names, units,
// sources, commands): such a map answers `toString` or `constructor` from its prototype and
// turns an assignment to `__proto__` into a prototype change. Use a Map, or `lookupTable` /
// `ownValue` / `setOwn` from src/core/own-keys.ts. A declaration whose keys are fixed by the
// code itself says so with a `// plain-object-ok: <why>` comment on its line.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.includes('.generated.') ? [path] : [];
  });
}

/** A variable typed as a string-keyed record (or index signature) and given an object literal. */
const STRING_KEYED = String.raw`\b(?:const|let|var)\s+[\w$]+\s*:\s*(?:Readonly<|Partial<)*(?:Record<\s*string\s*,|\{\s*\[\s*\w+\s*:\s*string\s*\]\s*:).*?=\s*\{`;
/** An empty one anywhere: a map about to be filled by key. */
const EMPTY_MAP = new RegExp(STRING_KEYED + String.raw`\s*\}`);
/** A module-level table: looked up by key from then on (a local literal with fixed keys is an output being built). */
const MODULE_TABLE = new RegExp('^(?:export\\s+)?' + STRING_KEYED.slice(2));

export function offendingLines(text: string): number[] {
  const out: number[] = [];
  text.split('\n').forEach((line, i) => {
    if ((EMPTY_MAP.test(line) || MODULE_TABLE.test(line)) && !/\/\/\s*plain-object-ok:\s*\S/.test(line)) out.push(i + 1);
  });
  return out;
}

describe('guard: string-keyed lookups never use a plain object', () => {
  it('src/ and webview/ declare no string-keyed record as an object literal', () => {
    const offenders: string[] = [];
    for (const file of [...sourceFiles(join(root, 'src')), ...sourceFiles(join(root, 'webview/src'))]) {
      for (const line of offendingLines(readFileSync(file, 'utf8'))) offenders.push(`${relative(root, file)}:${line}`);
    }
    assert.deepEqual(offenders, [], `use a Map or lookupTable() (src/core/own-keys.ts), or mark fixed keys with "// plain-object-ok: <why>": ${offenders.join(', ')}`);
  });

  it('recognises the patterns it is there to catch, and lets the fixes through', () => {
    assert.deepEqual(offendingLines('  const budgets: Record<string, BudgetBody> = {};'), [1]);
    assert.deepEqual(offendingLines('const UNITS: Record<string, number> = { ms: 1e-3 };'), [1]);
    assert.deepEqual(offendingLines('  let seen: { [name: string]: number } = {};'), [1]);
    assert.deepEqual(offendingLines('export const X: Readonly<Record<string, string>> = {'), [1]);
    assert.deepEqual(offendingLines('const FIELDS: Record<string, (v: unknown) => boolean> = {'), [1]);
    assert.deepEqual(offendingLines('  const budgets = lookupTable<BudgetBody>();'), []);
    assert.deepEqual(offendingLines('  const byName = new Map<string, number>();'), []);
    assert.deepEqual(offendingLines('  const out: Record<string, unknown> = {}; // plain-object-ok: fixed keys'), []);
    assert.deepEqual(offendingLines('const LABEL: Record<SeriesStatus, string> = {'), [], 'keys of a closed type are checked by the compiler');
    assert.deepEqual(offendingLines('  const out: Record<string, unknown> = { series: m.series };'), [], 'a local output with fixed keys');
  });
});
