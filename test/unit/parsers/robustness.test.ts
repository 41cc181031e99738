import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { FORMAT_MODULES, ParseError, detectFormat, makeInput, parseText } from '../../../src/core/parsers';
import type { Measurement } from '../../../src/core/model';
import { SHARED } from './helpers';

/**
 * Mutated and random inputs never crash a parser: each either returns well-formed measurements
 * or throws a ParseError with a message. The modules are called directly (no safety net), and
 * through parseText with auto-detection.
 */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : name === 'README.md' ? [] : [path];
  });
}

const SHARED_FILES = [...filesUnder(join(SHARED, 'formats')), ...filesUnder(join(SHARED, 'test-reports')), ...filesUnder(join(SHARED, 'real'))].sort();
/** Shapes the shared files lack, so that mutations reach those code paths too. */
const SYNTHETIC = [
  { name: 'tinybench.json', text: JSON.stringify([{ name: 't', result: { latency: { mean: 2, moe: 0.1, samples: [1, 2] } } }, { name: 'u', result: { mean: 1, rme: 3 } }]) },
  { name: 'jmh-avgt.json', text: JSON.stringify([{ benchmark: 'a.B.c', mode: 'avgt', params: { n: '1' }, primaryMetric: { score: 2, scoreError: 0.1, scoreUnit: 'us/op', rawData: [[2, 3]] }, secondaryMetrics: { '·gc.alloc.rate': { score: 2, scoreUnit: 'MB/sec' } } }]) },
  { name: 'gbench-aggregates.json', text: JSON.stringify({ context: {}, benchmarks: [{ name: 'X_median', run_name: 'X', run_type: 'aggregate', aggregate_name: 'median', real_time: 3, time_unit: 'ms', items_per_second: 5 }] }) },
  { name: 'bdn-memory.json', text: JSON.stringify({ HostEnvironmentInfo: {}, Benchmarks: [{ FullName: 'A.B', Parameters: 'N=1', Statistics: { Mean: 3, ConfidenceInterval: { Margin: 1 } }, Memory: { BytesAllocatedPerOperation: 8 } }] }) },
  { name: 'julia-trial.json', text: JSON.stringify([{ BenchmarkTools: '1' }, [['BenchmarkGroup', { data: { a: ['Trial', { times: [1, 2], memory: 3, allocs: 1 }] } }]]]) },
];

const TEXTS = [...SHARED_FILES.map((f) => ({ name: relative(SHARED, f), text: readFileSync(f, 'utf8') })), ...SYNTHETIC];

function checkMeasurements(ms: Measurement[], where: string): void {
  assert.ok(Array.isArray(ms), where);
  for (const m of ms) {
    assert.equal(typeof m.series, 'string', where);
    assert.equal(typeof m.unit, 'string', where);
    assert.ok(m.direction === 'smaller' || m.direction === 'bigger', where);
    assert.equal(typeof m.value, 'number', where);
    if (m.samples) assert.ok(m.samples.every((v) => typeof v === 'number'), where);
  }
}

/** Runs every module's parser and the auto-detecting entry point on a text; only ParseError may escape. */
function neverCrashes(text: string, fileName?: string): void {
  for (const module of FORMAT_MODULES) {
    const input = makeInput(text, fileName);
    let detected: unknown;
    try {
      detected = module.detect(input);
    } catch (err) {
      assert.fail(`${module.name}.detect threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
    }
    assert.equal(typeof detected, 'boolean');
    try {
      checkMeasurements(module.parse(input), module.name);
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      assert.ok(err instanceof ParseError, `${module.name}.parse threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
      assert.ok(err.message.length > 0);
    }
  }
  try {
    const result = parseText(text, { fileName });
    checkMeasurements(result.measurements, `parseText as ${result.format}`);
    assert.ok(result.measurements.every((m) => Number.isFinite(m.value)));
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.ok(err instanceof ParseError, `parseText threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
    assert.ok(!/internal error|could not read as/.test(err.message), `a parser crashed inside parseText: ${err.message}`);
  }
}

const sharedText = fc.constantFrom(...TEXTS);

/** Sets a random place in a JSON tree to a random JSON value. */
function mutateJson(root: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || root === null || typeof root !== 'object') return replacement;
  const [step, ...rest] = path;
  if (Array.isArray(root)) {
    if (root.length === 0) return replacement;
    const copy = [...root];
    const i = step % copy.length;
    copy[i] = mutateJson(copy[i], rest, replacement);
    return copy;
  }
  const keys = Object.keys(root);
  if (keys.length === 0) return replacement;
  const key = keys[step % keys.length];
  return { ...(root as Record<string, unknown>), [key]: mutateJson((root as Record<string, unknown>)[key], rest, replacement) };
}

const REMOVE = Symbol('remove');

/** Every path (keys and indices) to a node of a JSON tree, the root included. */
function nodePaths(root: unknown, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(prefix);
  if (Array.isArray(root)) root.forEach((v, i) => nodePaths(v, [...prefix, i], out));
  else if (root !== null && typeof root === 'object') for (const [k, v] of Object.entries(root)) nodePaths(v, [...prefix, k], out);
  return out;
}

/** A copy of a JSON tree with the node at a path replaced (or removed). */
function replaceAt(root: unknown, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) return value === REMOVE ? null : value;
  const [step, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    if (rest.length === 0 && value === REMOVE) copy.splice(step as number, 1);
    else copy[step as number] = replaceAt(copy[step as number], rest, value);
    return copy;
  }
  const copy = { ...(root as Record<string, unknown>) };
  if (rest.length === 0 && value === REMOVE) delete copy[step as string];
  else copy[step as string] = replaceAt(copy[step as string], rest, value);
  return copy;
}

describe('parsers: robustness (property-based)', function () {
  this.timeout(60000);

  it('the shared files cover every format at least once', () => {
    const formats = new Set(TEXTS.map((t) => detectFormat(t.text, t.name)).filter(Boolean));
    for (const module of FORMAT_MODULES) assert.ok(formats.has(module.name), `no shared file is detected as ${module.name}`);
  });

  it('truncated shared files parse or throw ParseError', () => {
    fc.assert(
      fc.property(sharedText, fc.double({ min: 0, max: 1, noNaN: true }), (file, at) => {
        neverCrashes(file.text.slice(0, Math.floor(file.text.length * at)), file.name);
      }),
      { numRuns: 60, seed: 1 },
    );
  });

  it('byte-flipped shared files parse or throw ParseError', () => {
    fc.assert(
      fc.property(sharedText, fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.string({ minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 8 }), (file, flips) => {
        let text = file.text;
        for (const [where, by] of flips) {
          const i = Math.floor(where * text.length);
          text = text.slice(0, i) + by + text.slice(i + 1);
        }
        neverCrashes(text, file.name);
      }),
      { numRuns: 60, seed: 2 },
    );
  });

  it('shared JSON files with a random part replaced by random JSON parse or throw ParseError', () => {
    const jsonFiles = TEXTS.filter((t) => {
      try {
        JSON.parse(t.text);
        return true;
      } catch {
        return false;
      }
    });
    fc.assert(
      fc.property(fc.constantFrom(...jsonFiles), fc.array(fc.nat(50), { maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), (file, path, replacement) => {
        neverCrashes(JSON.stringify(mutateJson(JSON.parse(file.text), path, replacement)), file.name);
      }),
      { numRuns: 150, seed: 3 },
    );
  });

  it('every node of every shared JSON file, replaced by an odd value or removed, parses or throws ParseError in its own format', () => {
    const odd: unknown[] = [null, 'x', {}, REMOVE];
    let cases = 0;
    for (const file of TEXTS) {
      const format = detectFormat(file.text, file.name);
      const module = FORMAT_MODULES.find((m) => m.name === format);
      let doc: unknown;
      try {
        doc = JSON.parse(file.text);
      } catch {
        continue;
      }
      if (!module) continue;
      // Every structural node, but only the first two elements of each array (samples add nothing new).
      const paths = nodePaths(doc).filter((p) => p.every((step) => typeof step === 'string' || step < 2));
      for (let i = 0; i < paths.length; i++) {
        for (const value of odd) {
          const text = JSON.stringify(replaceAt(doc, paths[i], value));
          cases++;
          try {
            checkMeasurements(module.parse(makeInput(text, file.name)), module.name);
          } catch (err) {
            if (err instanceof assert.AssertionError) throw err;
            assert.ok(err instanceof ParseError, `${file.name} with ${JSON.stringify(paths[i])} = ${JSON.stringify(value)}: ${module.name} threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
          }
        }
      }
    }
    assert.ok(cases > 1000, `only ${cases} cases`);
  });

  it('random JSON parses or throws ParseError', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        neverCrashes(JSON.stringify(value));
      }),
      { numRuns: 200, seed: 4 },
    );
  });

  it('random text, including near-miss benchmark lines, parses or throws ParseError', () => {
    const fragment = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('test ', ' ... bench: ', ' ns/iter ', '(+/- ', ')', 'Benchmark', '\t', ' x ', ' ops/sec ', '±', '% (', ' runs sampled)',
        '<testsuite', '<testcase name="a" time="', '"/>', '{"Action":"pass","Elapsed":', '}', 'window.BENCHMARK_DATA = ', '-----------------------',
        'benchmark name   samples', ' ns ', ' us ', '\n', '  ', '1,000', '12.5', 'pkg: ', 'B/op'),
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 60 }), (parts) => {
        neverCrashes(parts.join(''));
      }),
      { numRuns: 200, seed: 5 },
    );
  });

  it('long adversarial lines finish quickly (no catastrophic backtracking)', () => {
    const spaces = ' '.repeat(100_000);
    const digits = '1'.repeat(100_000);
    const inputs = [
      `test ${spaces}... bench:${spaces}1 ns/iter (+/- ${digits}`,
      `Benchmark${spaces}1${spaces}`,
      `a x ${digits} ops/sec ±${digits}`,
      `${'-'.repeat(50_000)}\n${spaces}\n${'-'.repeat(50_000)}\n${spaces}:1`,
      `${'a '.repeat(50_000)}1 1 1 ns\n${'1 ns '.repeat(3)}\n${'1 ns '.repeat(3)}`,
      `[{"name":"a","unit":"${'/'.repeat(100_000)}","value":1,"range":"${'1,'.repeat(50_000)}"}]`,
      `${'test a ... bench: 1 ns/iter (+/- 1)\n'.repeat(20_000)}`,
    ];
    for (const text of inputs) neverCrashes(text);
  });
});
