import { strict as assert } from 'node:assert';
import { parseConfigText, starterConfig } from '../../src/core/config';

describe('config: starter', () => {
  it('suggests Go, cargo and npm bench entries that validate', () => {
    const text = starterConfig({ npmScripts: { bench: 'node bench.js', test: 'mocha' }, files: ['pkg/sort_test.go', 'benches/fib.rs'] });
    const loaded = parseConfigText(text, 'perfpulse.json');
    assert.deepEqual(loaded.config.benchmarks.map((b) => b.name), ['bench', 'go', 'cargo']);
    assert.match(text, /\/\/ Go benchmarks/);
  });

  it('falls back to a valid example when nothing is recognised', () => {
    const loaded = parseConfigText(starterConfig({ files: [] }), 'perfpulse.json');
    assert.equal(loaded.config.benchmarks.length, 1);
  });
});
