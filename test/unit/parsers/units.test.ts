import { strict as assert } from 'node:assert';
import { normaliseUnit, scaled } from '../../../src/core/parsers/units';

describe('parsers: unit normalisation', () => {
  const cases: Array<[string, string, number, 'smaller' | 'bigger']> = [
    ['ns', 's', 1e-9, 'smaller'],
    ['ns/iter', 's', 1e-9, 'smaller'],
    ['ns/op', 's', 1e-9, 'smaller'],
    ['us', 's', 1e-6, 'smaller'],
    ['µs', 's', 1e-6, 'smaller'],
    ['ms/op', 's', 1e-3, 'smaller'],
    ['s/op', 's', 1, 'smaller'],
    ['min', 's', 60, 'smaller'],
    ['B/op', 'B', 1, 'smaller'],
    ['KiB', 'B', 1024, 'smaller'],
    ['MB', 'B', 1e6, 'smaller'],
    ['Megabytes', 'B', 1e6, 'smaller'],
    ['ops/s', 'ops/s', 1, 'bigger'],
    ['ops/sec', 'ops/s', 1, 'bigger'],
    ['ops/ms', 'ops/s', 1e3, 'bigger'],
    ['ops/us', 'ops/s', 1e6, 'bigger'],
    ['ops/ns', 'ops/s', 1e9, 'bigger'],
    ['MB/s', 'B/s', 1e6, 'bigger'],
    ['req/s', 'req/s', 1, 'bigger'],
    ['allocs/op', 'count', 1, 'smaller'],
    ['cycles/iter', 'cycles/iter', 1, 'smaller'],
    ['Percent', 'Percent', 1, 'smaller'],
  ];
  for (const [raw, unit, scale, direction] of cases) {
    it(`${raw} → ${unit} × ${scale}, ${direction} is better`, () => {
      const u = normaliseUnit(raw);
      assert.equal(u.unit, unit);
      assert.equal(u.scale, scale);
      assert.equal(u.direction, direction);
    });
  }

  it('a lower-case b is not taken for bytes (it could be bits)', () => {
    assert.notEqual(normaliseUnit('b').unit, 'B');
  });

  it('scaling by an inverse power of ten divides, so integers convert exactly', () => {
    assert.equal(scaled(100, 1e-9), 1e-7);
    assert.equal(scaled(18149, 1e-9), 0.000018149);
    assert.equal(scaled(3, 1e-3), 0.003);
    assert.equal(scaled(2, 60), 120);
    assert.equal(scaled(5, 1.5), 7.5);
  });
});
