import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfigText } from '../../src/core/config';
import { parseQuantity } from '../../src/core/config/quantity';

function problemsOf(text: string): ConfigError {
  try {
    parseConfigText(text, 'perfpulse.json');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('accepts a valid config with comments and records each benchmark line', () => {
    const text = `{
  // two benchmarks
  "benchmarks": [
    { "name": "a", "command": "node a.js", "runs": 5 },
    { "name": "b", "command": ["node", "b.js"], "budget": { "statistic": "p95", "max": "2ms" } },
  ]
}`;
    const loaded = parseConfigText(text, 'perfpulse.json');
    assert.equal(loaded.config.benchmarks.length, 2);
    // A lookup table without a prototype (benchmark names are any strings): compare its entries.
    assert.deepEqual({ ...loaded.benchmarkLines }, { a: 4, b: 5 });
  });

  it('locates a type error at the offending line', () => {
    const err = problemsOf(`{
  "benchmarks": [
    { "name": "a", "command": "x" },
    { "name": "b", "command": "y", "runs": "ten" }
  ]
}`);
    assert.equal(err.line, 4);
    assert.match(err.message, /perfpulse\.json:4:\d+: benchmarks\.1\.runs must be integer/);
  });

  it('names a missing required property and an unknown one', () => {
    const err = problemsOf(`{ "benchmarks": [ { "name": "a" } ] }`);
    assert.match(err.problems[0].message, /missing the required property "command"/);
    const err2 = problemsOf(`{ "benchmarks": [ { "name": "a", "command": "x",\n "runz": 3 } ] }`);
    assert.match(err2.problems[0].message, /unknown property "runz"/);
    assert.equal(err2.line, 2);
  });

  it('reports JSON syntax errors with their position', () => {
    const err = problemsOf(`{\n  "benchmarks": [\n    { "name": "a" "command": "x" }\n  ]\n}`);
    assert.equal(err.line, 3);
    assert.match(err.message, /JSON syntax error/);
  });

  it('rejects duplicate names and minRuns above maxRuns', () => {
    const err = problemsOf(`{ "benchmarks": [ { "name": "a", "command": "x" }, { "name": "a", "command": "y", "minRuns": 9, "maxRuns": 3 } ] }`);
    const messages = err.problems.map((p) => p.message).join('\n');
    assert.match(messages, /already used/);
    assert.match(messages, /minRuns \(9\) is larger than maxRuns \(3\)/);
  });

  it('loadConfig names the file when it is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-config-'));
    await assert.rejects(loadConfig(dir), (err: ConfigError) => err instanceof ConfigError && err.message.includes('perfpulse.json') && /no perfpulse\.json/.test(err.message));
    writeFileSync(join(dir, 'perfpulse.json'), '{ "benchmarks": [] }');
    assert.deepEqual((await loadConfig(dir)).config.benchmarks, []);
  });

  it('parses quantities with units', () => {
    assert.deepEqual(parseQuantity('2ms'), { value: 0.002, unit: 's' });
    assert.deepEqual(parseQuantity('512MB'), { value: 512e6, unit: 'B' });
    assert.deepEqual(parseQuantity(3), { value: 3 });
    assert.throws(() => parseQuantity('fast'));
  });
});

describe('config: the generated validator', () => {
  it('matches the schema (regenerate with node scripts/gen-config-validator.mjs)', () => {
    execFileSync(process.execPath, ['scripts/gen-config-validator.mjs', '--check'], { cwd: join(__dirname, '../..'), stdio: 'pipe' });
  });
});
